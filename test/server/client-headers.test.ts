import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHttpSettings, NextcloudClient } from '../../server/nextcloud/client.js';

/** Every request carries `OCS-APIRequest: true`, whichever client method sent it and whatever it asked. */
describe('the headers of every Nextcloud request', () => {
  let server: Server;
  let nc: NextcloudClient;
  const seen: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers);
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ ocs: { meta: { status: 'ok' }, data: {} } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const settings = createHttpSettings(new URL(`http://127.0.0.1:${port}`), 2000);
    nc = new NextcloudClient(settings, { authorization: 'Bearer abc', user: 'alice' });
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('sends OCS-APIRequest on app REST, DAV and OCS requests alike, and no module can drop it', async () => {
    seen.length = 0;
    await nc.send({ method: 'PROPFIND', path: '/remote.php/dav/files/alice/', what: 'The folder' });
    await nc.json({
      method: 'GET',
      path: '/index.php/apps/notes/api/v1/notes',
      what: 'The notes',
      schema: z.unknown(),
    });
    await nc.send({
      method: 'GET',
      path: '/index.php/apps/cookbook/api/v1/recipes',
      headers: { 'ocs-apirequest': 'false' },
      what: 'The recipes',
    });
    await nc.ocs({
      method: 'GET',
      path: '/ocs/v2.php/cloud/capabilities',
      what: 'The capabilities',
      schema: z.unknown(),
    });
    expect(seen.map((headers) => headers['ocs-apirequest'])).toEqual(['true', 'true', 'true', 'true']);
    expect(seen.every((headers) => headers.authorization === 'Bearer abc')).toBe(true);
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorForStatus } from '../../server/errors.js';
import { createHttpSettings, NextcloudClient } from '../../server/nextcloud/client.js';
import { addParticipant, getConversation } from '../../server/nextcloud/talk.js';

/** One status table, and an app's hook into it: Talk's statuses that mean something else in HTTP. */
describe('the status table and its hook', () => {
  let server: Server;
  let nc: NextcloudClient;
  /** The next answer: status and OCS `data`. */
  let next: { status: number; data: unknown };

  beforeAll(async () => {
    server = createServer((_req, res) => {
      const body = {
        ocs: { meta: { status: 'failure', statuscode: next.status, message: '' }, data: next.data },
      };
      res.writeHead(next.status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const settings = createHttpSettings(new URL(`http://127.0.0.1:${port}`), 2000);
    nc = new NextcloudClient(settings, { authorization: 'Basic eDp5', user: 'alice' });
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('keeps the shared message and class where the app has nothing to add', () => {
    const error = errorForStatus(404, 'Note 7', 'gone');
    expect([error.code, error.message]).toEqual(['NOT_FOUND', 'Note 7 not found: gone']);
  });

  it('lets the hook replace the message, and the status whose class applies', () => {
    const error = errorForStatus(412, 'X', undefined, { message: 'Closed', status: 403 });
    expect([error.code, error.message]).toEqual(['FORBIDDEN', 'Closed']);
  });

  it("reads Talk's 412 as a closed lobby, not an etag mismatch", async () => {
    next = { status: 412, data: { error: 'lobby' } };
    await expect(getConversation(nc, 'abcd1234')).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message:
        'Conversation abcd1234 has its lobby closed: only its moderators can use it until the lobby opens',
    });
  });

  it("reads Talk's 501 as a refusal, explained from data.error", async () => {
    next = { status: 501, data: { error: 'federation' } };
    await expect(addParticipant(nc, 'abcd1234', 'bob@elsewhere', 'federated_users')).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: 'Federation is not enabled on this Nextcloud',
    });
  });

  it("appends Talk's reason where no explanation fits", async () => {
    next = { status: 409, data: { error: 'busy' } };
    await expect(getConversation(nc, 'abcd1234')).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'Conversation abcd1234 conflicts with the current state: busy',
    });
  });
});

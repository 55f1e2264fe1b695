import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE, encodeUserId, HEADERS } from '../../contract/index.js';
import { quietLog, startServer } from '../../dev/mcp-server.js';
import { callerDeps, callerFromHeaders } from '../../server/caller.js';
import { loadConfig } from '../../server/config.js';
import { createHttpServer } from '../../server/http.js';
import { ALL_TOOLS } from '../../server/tools/index.js';
import {
  basicAuth,
  call,
  connectClient,
  STANDIN_USERS,
  startTarget,
  type Target,
  textOf,
} from '../harness.js';

describe('who may use which tool', () => {
  let target: Target;
  let server: Awaited<ReturnType<typeof startServer>>;

  beforeAll(async () => {
    target = await startTarget();
    server = await startServer(target);
  });
  afterAll(async () => {
    await server?.stop();
    await target?.stop();
  });

  it('lists every catalogued tool for a caller holding every scope', async () => {
    const client = await connectClient(server.url, target);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(CATALOGUE.map((entry) => entry.name).sort());
    await client.close();
  });

  it('hides and refuses tools whose scope the caller lacks', async () => {
    const client = await connectClient(server.url, target, ['notes:read']);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(
      CATALOGUE.filter((entry) => entry.scope === 'notes:read')
        .map((entry) => entry.name)
        .sort(),
    );
    const before = target.standin?.log.length ?? 0;
    const refused = await call(client, 'nc_notes_create_note', { title: 'sneaky' });
    expect(refused.isError).toBe(true);
    expect(refused.text).toBe('nc_notes_create_note needs the notes:write scope, which this token lacks');
    if (target.standin) expect(target.standin.log.length).toBe(before);
    await client.close();
  });

  it('shows nothing to a caller with no tool scope', async () => {
    const client = await connectClient(server.url, target, ['openid', 'profile']);
    expect((await client.listTools()).tools).toEqual([]);
    await client.close();
  });

  it('offers only the tools of the apps the tenant enabled', async () => {
    const notesOnly = await startServer(target, { apps: new Set(['notes']) });
    const client = await connectClient(notesOnly.url, target);
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((name) => name.startsWith('nc_notes_'))).toBe(true);
    await client.close();
    await notesOnly.stop();
  });

  it.runIf(!process.env.TEST_NEXTCLOUD_URL)(
    'hides the tools of an app this Nextcloud does not have, and says why on a call',
    async () => {
      const standin = target.standin;
      if (!standin) return;
      // Notes publishes a capability; Cookbook, Mail, News and Collectives only a navigation entry.
      const missing = ['notes', 'cookbook', 'mail', 'news', 'collectives'];
      for (const app of missing) standin.ocs.missingApps.add(app);
      // Another user: what Nextcloud reports is cached per credential.
      const bob = { ...target, user: 'bob', appPassword: STANDIN_USERS.bob };
      const client = await connectClient(server.url, bob);
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      for (const app of missing) standin.ocs.missingApps.delete(app);
      for (const app of missing) expect(names.filter((name) => name.startsWith(`nc_${app}_`))).toEqual([]);
      expect(names.some((name) => name.startsWith('collectives_'))).toBe(false);
      expect(names).toContain('nc_webdav_read_file');
      expect(names).toContain('deck_get_boards');
      const refused = await call(client, 'nc_notes_list_notes', {});
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toContain('needs the notes app');
      expect(textOf(await call(client, 'nc_mail_list_accounts', {}))).toContain('needs the mail app');
      await client.close();
    },
  );

  it('answers 401 when the proxy headers are missing or malformed', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(server.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
    expect((await post({})).status).toBe(401);
    expect((await post({ [HEADERS.user]: 'alice', authorization: 'Token abc' })).status).toBe(401);
    const crlf = await post({
      authorization: basicAuth('alice', 'x'),
      [HEADERS.user]: encodeUserId('../bob'),
    });
    expect(crlf.status).toBe(401);
    const broken = await post({ authorization: basicAuth('alice', 'x'), [HEADERS.user]: '%E5%BC' });
    expect(broken.status).toBe(401);
  });

  it('reads a user id beyond Latin-1 from its percent-encoded header', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: basicAuth('alice', 'x'),
        [HEADERS.user]: encodeUserId('张伟'),
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(response.status).toBe(200);
    const caller = callerFromHeaders(
      { authorization: basicAuth('alice', 'x'), [HEADERS.user]: encodeUserId('Łukasz 张伟') },
      callerDeps(loadConfig({ NEXTCLOUD_URL: 'http://127.0.0.1:1' }), quietLog),
    );
    expect(caller.context(new AbortController().signal).nc.user).toBe('Łukasz 张伟');
  });

  it('refuses a request carrying a browser Origin that is not its own loopback', async () => {
    const post = (origin: string) =>
      fetch(server.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          authorization: basicAuth('alice', 'x'),
          [HEADERS.user]: 'alice',
          origin,
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
    expect((await post('http://evil.example')).status).toBe(403);
    expect((await post('http://127.0.0.1.evil.example:8081')).status).toBe(403);
    expect((await post(new URL(server.url).origin)).status).toBe(200);
  });

  it('serves /healthz and nothing outside /mcp', async () => {
    const base = server.url.replace(/\/mcp$/, '');
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${base}/admin`)).status).toBe(404);
  });
});

describe('a peer that is not on loopback', () => {
  it.each(['203.0.113.7', '10.0.0.5', '::ffff:192.168.1.4', '2001:db8::1', undefined])(
    'gets 403 from %s, whatever headers it forges, and nothing reaches Nextcloud',
    async (address) => {
      const target = await startTarget();
      const config = loadConfig({ NEXTCLOUD_URL: target.url, APPS: 'notes', NEXTCLOUD_TIMEOUT_MS: '1000' });
      const server = createHttpServer(ALL_TOOLS, callerDeps(config, quietLog), config);
      // Node hands the server a request whose socket reports the peer address; we forge it here
      // because the sandbox may only talk to loopback.
      const req = Object.assign(new EventEmitter(), {
        url: '/mcp',
        method: 'POST',
        headers: {
          authorization: basicAuth(target.user, target.appPassword),
          [HEADERS.user]: target.user,
          [HEADERS.scopes]: 'notes:read notes:write',
          'content-type': 'application/json',
        },
        socket: { remoteAddress: address },
      }) as unknown as IncomingMessage;
      let status = 0;
      let body = '';
      const res = {
        headersSent: false,
        writeHead(code: number) {
          status = code;
          return this;
        },
        end(chunk: string) {
          body = chunk;
          return this;
        },
      } as unknown as ServerResponse;
      server.emit('request', req, res);
      expect(status).toBe(403);
      expect(JSON.parse(body)).toEqual({ error: 'forbidden' });
      expect(target.standin?.log ?? []).toEqual([]);
      await target.stop();
    },
  );
});

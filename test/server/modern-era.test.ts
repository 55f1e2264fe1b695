import { describe, expect, it } from 'vitest';
import { HEADERS, MODERN_PROTOCOL_VERSION } from '../../contract/index.js';
import { basicAuth, useServer } from '../harness.js';
import { modernRpc } from '../modern-rpc.js';

/**
 * The same `/mcp` a 2025 client uses (every other suite), driven as a 2026-07-28 client drives
 * it: no `initialize`, the version and capabilities in every request's `_meta`, the routing
 * headers mirroring the body. Raw POSTs, so the wire itself is what is checked.
 */
describe('a 2026-07-28 client on the same endpoint', () => {
  const env = useServer();
  const rpc = modernRpc(env);

  /** One request; `headers` override the mirrored ones, `version` the one header and `_meta` claim. */
  const send = async (
    method: string,
    params: Record<string, unknown>,
    headers: Record<string, string | undefined> = {},
    version = MODERN_PROTOCOL_VERSION,
  ) => {
    const answer = await rpc(method, params, { headers, version });
    expect(answer.id).toBe(answer.sentId);
    return answer;
  };

  it('answers server/discover with the modern revision, without a session', async () => {
    const discovered = await send('server/discover', {});
    expect(discovered.status).toBe(200);
    expect(discovered.session).toBeNull();
    expect(discovered.result).toMatchObject({
      supportedVersions: expect.arrayContaining([MODERN_PROTOCOL_VERSION]),
      capabilities: { tools: {}, resources: {} },
      instructions: expect.stringContaining('Nextcloud'),
      resultType: 'complete',
      cacheScope: 'public',
      _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'nextcloud-mcp' } },
    });
  });

  it('lists the tools in catalogue order, with private cache hints', async () => {
    const listed = await send('tools/list', {});
    expect(listed.status).toBe(200);
    expect(listed.result).toMatchObject({ resultType: 'complete', ttlMs: 60_000, cacheScope: 'private' });
    const legacy = await env.client.listTools();
    expect(listed.result.tools.map((tool: { name: string }) => tool.name)).toEqual(
      legacy.tools.map((tool) => tool.name),
    );
  });

  it('calls a notes tool against Nextcloud', async () => {
    const created = await send('tools/call', {
      name: 'nc_notes_create_note',
      arguments: { title: 'From 2026', content: 'enveloped' },
    });
    expect(created.result).toMatchObject({
      resultType: 'complete',
      structuredContent: { title: 'From 2026' },
    });
    expect(created.result.isError).toBeFalsy();
    const noteId = created.result.structuredContent.id;
    const read = await send('tools/call', { name: 'nc_notes_get_note', arguments: { note_id: noteId } });
    expect(read.result.structuredContent).toMatchObject({ id: noteId, content: 'enveloped' });
    const deleted = await send('tools/call', {
      name: 'nc_notes_delete_note',
      arguments: { note_id: noteId },
    });
    expect(deleted.result.isError).toBeFalsy();
  });

  it('reads a resource named by Mcp-Name', async () => {
    const read = await send('resources/read', { uri: 'nc://capabilities' });
    expect(read.result).toMatchObject({ resultType: 'complete', ttlMs: 0, cacheScope: 'private' });
    expect(read.result.contents[0]).toMatchObject({ uri: 'nc://capabilities' });
  });

  it('refuses a tool name the headers contradict, with HeaderMismatch and nothing run', async () => {
    const before = env.target.standin?.log.length ?? 0;
    const refused = await send(
      'tools/call',
      { name: 'nc_notes_delete_note', arguments: { note_id: 1 } },
      { 'mcp-name': 'nc_notes_list_notes' },
    );
    expect(refused).toMatchObject({ status: 400, error: { code: -32020 } });
    expect(env.target.standin?.log.slice(before)).toEqual([]);
  });

  it('refuses a modern request without its Mcp-Method header, as a modern server (-32020)', async () => {
    expect(await send('tools/list', {}, { 'mcp-method': undefined })).toMatchObject({
      status: 400,
      error: { code: -32020 },
    });
  });

  it('refuses a revision it does not speak, naming the ones it does (-32022)', async () => {
    const refused = await send('tools/list', {}, {}, '2099-01-01');
    expect(refused).toMatchObject({ status: 400, error: { code: -32022 } });
  });

  it('opens no stream and ends no session: GET and DELETE answer 405', async () => {
    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(env.server.url, {
        method,
        headers: {
          accept: 'text/event-stream',
          authorization: basicAuth(env.target.user, env.target.appPassword),
          [HEADERS.user]: env.target.user,
        },
      });
      expect(response.status, method).toBe(405);
    }
  });

  it('answers the methods 2026-07-28 removed as unknown, so no client mistakes it for a 2025 server', async () => {
    expect(await send('ping', {})).toMatchObject({ status: 404, error: { code: -32601 } });
  });

  it('answers a call of a tool that does not exist with -32602', async () => {
    const answer = await send('tools/call', { name: 'nc_no_such_tool', arguments: {} });
    expect(answer.error).toMatchObject({ code: -32602 });
    expect(answer.result).toBeUndefined();
  });
});

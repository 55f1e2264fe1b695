import { describe, expect, it } from 'vitest';
import { useServer } from '../harness.js';
import { postToServer } from '../modern-rpc.js';

/**
 * MCP 2026-07-28's routing headers (Mcp-Method, Mcp-Name) mirror the body. The proxy refuses a
 * disagreement; the server, which trusts no header a body contradicts, refuses it as well: 400
 * with the spec's HeaderMismatch (-32020), and nothing runs.
 */
describe('routing headers the body contradicts', () => {
  const env = useServer();

  const post = (headers: Record<string, string>, body: object) =>
    postToServer(env, body, headers, 'notes:read notes:write');
  const deleteNote = {
    jsonrpc: '2.0',
    id: 7,
    method: 'tools/call',
    params: { name: 'nc_notes_delete_note', arguments: { note_id: 1 } },
  };

  it.each([
    ['a method other than the body’s', { 'mcp-method': 'tools/list' }],
    ['a tool other than the body’s', { 'mcp-method': 'tools/call', 'mcp-name': 'nc_notes_list_notes' }],
  ])('refuses %s, before the tool runs', async (_what, headers) => {
    const before = env.target.standin?.log.length ?? 0;
    const response = await post(headers, deleteNote);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ jsonrpc: '2.0', id: 7, error: { code: -32020 } });
    expect(env.target.standin?.log.slice(before)).toEqual([]);
  });

  it('serves a 2025 request that carries no routing headers, as before', async () => {
    const response = await post({}, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect(response.status).toBe(200);
  });
});

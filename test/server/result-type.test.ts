import { describe, expect, it } from 'vitest';
import { useServer } from '../harness.js';

/**
 * MCP 2026-07-28 requires `resultType` on every result. These go through an SDK 1.x client, a
 * 2025 one: the field must survive the server's and the client's result schemas and break nothing.
 */
describe('resultType and cache hints on results', () => {
  const env = useServer();

  it('marks tools/list and the resource lists complete', async () => {
    expect(await env.client.listTools()).toMatchObject({ resultType: 'complete' });
    expect(await env.client.listResources()).toMatchObject({ resultType: 'complete' });
    expect(await env.client.listResourceTemplates()).toMatchObject({ resultType: 'complete' });
    expect(await env.client.readResource({ uri: 'nc://capabilities' })).toMatchObject({
      resultType: 'complete',
    });
  });

  it('gives the lists and reads cache hints that no shared cache may use (each caller sees their own)', async () => {
    expect(await env.client.listTools()).toMatchObject({ ttlMs: 60_000, cacheScope: 'private' });
    expect(await env.client.listResources()).toMatchObject({ ttlMs: 0, cacheScope: 'private' });
    expect(await env.client.listResourceTemplates()).toMatchObject({ ttlMs: 300_000, cacheScope: 'private' });
    expect(await env.client.readResource({ uri: 'nc://capabilities' })).toMatchObject({
      ttlMs: 0,
      cacheScope: 'private',
    });
  });

  it('marks tool results complete, refusals included', async () => {
    const listed = await env.client.callTool({ name: 'nc_notes_list_notes', arguments: {} });
    expect(listed).toMatchObject({ resultType: 'complete', structuredContent: expect.any(Object) });
    expect(listed.isError).toBeFalsy();
    for (const [name, args] of [
      ['nc_notes_get_note', { id: 'not a number' }],
      ['nc_notes_get_note', { id: 2_000_000_000 }],
    ] as const) {
      expect(await env.client.callTool({ name, arguments: args }), name).toMatchObject({
        isError: true,
        resultType: 'complete',
      });
    }
  });

  it('answers a tool that does not exist with the JSON-RPC error -32602, not a tool result', async () => {
    await expect(env.client.callTool({ name: 'nc_no_such_tool', arguments: {} })).rejects.toMatchObject({
      code: -32602,
      message: expect.stringContaining('Unknown tool: nc_no_such_tool'),
    });
  });
});

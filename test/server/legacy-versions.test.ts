import { describe, expect, it } from 'vitest';
import { useServer } from '../harness.js';
import { postToServer } from '../modern-rpc.js';

/** The JSON-RPC message of an answer, sent as JSON or as one SSE event (the 2025 leg's way). */
async function messageOf(response: Response): Promise<{ result?: Record<string, unknown>; error?: unknown }> {
  const text = await response.text();
  if (!response.headers.get('content-type')?.startsWith('text/event-stream')) return JSON.parse(text);
  const data = text.split('\n').find((line) => line.startsWith('data: '));
  return JSON.parse(data?.slice('data: '.length) ?? '{}');
}

/**
 * The 2025 revisions a client may still speak, each on its own: `initialize` agrees to the
 * revision asked for, and the tools answer in it (2025-03-26 clients send no version header).
 */
describe.each(['2025-03-26', '2025-06-18', '2025-11-25'])('a %s client', (version) => {
  const env = useServer();
  const post = (body: object, headers: Record<string, string> = {}) =>
    postToServer(env, { jsonrpc: '2.0', ...body }, headers);

  it('is answered in its own revision, and lists and calls tools in it', async () => {
    const opened = await post({
      id: 1,
      method: 'initialize',
      params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'old', version: '1' } },
    });
    expect(opened.status).toBe(200);
    expect((await messageOf(opened)).result).toMatchObject({
      protocolVersion: version,
      serverInfo: { name: 'nextcloud-mcp' },
    });
    const header: Record<string, string> =
      version === '2025-03-26' ? {} : { 'mcp-protocol-version': version };
    const listed = await messageOf(await post({ id: 2, method: 'tools/list', params: {} }, header));
    const tools = (listed.result?.tools ?? []) as { name: string }[];
    expect(tools.map((tool) => tool.name)).toContain('nc_notes_search_notes');
    const called = await messageOf(
      await post(
        { id: 3, method: 'tools/call', params: { name: 'nc_notes_search_notes', arguments: { query: 'x' } } },
        header,
      ),
    );
    expect(called.result).toMatchObject({ structuredContent: { query: 'x' } });
    expect(called.result?.isError).toBeFalsy();
  });
});

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE, MODERN_PROTOCOL_VERSION, PROTOCOL_VERSION_META_KEY } from '../../contract/index.js';
import { call, startTarget, type Target } from '../harness.js';

/** The standalone server as Claude Desktop would start it: a child process on stdio. */
const SERVER = { command: process.execPath, args: ['--import', 'tsx', 'server/main.ts'] };

function serverEnv(target: Target): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    MCP_TRANSPORT: 'stdio',
    NEXTCLOUD_URL: target.url,
    NEXTCLOUD_USER: target.user,
    NEXTCLOUD_APP_PASSWORD: target.appPassword,
    LOG_LEVEL: 'warn',
  };
}

describe('standalone stdio mode', () => {
  let target: Target;
  let client: Client;

  beforeAll(async () => {
    target = await startTarget();
    client = new Client({ name: 'desktop', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ ...SERVER, env: serverEnv(target), stderr: 'pipe' }));
  });
  afterAll(async () => {
    await client?.close();
    await target?.stop();
  });

  it('offers every tool and calls Nextcloud with the app password', async () => {
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(CATALOGUE.length);
    const created = await call(client, 'nc_notes_create_note', { title: 'From the desktop', content: 'hi' });
    expect(created.isError).toBeFalsy();
    try {
      const read = await call(client, 'nc_notes_get_note', { note_id: created.data.id });
      expect(read.data.content).toBe('hi');
    } finally {
      await call(client, 'nc_notes_delete_note', { note_id: created.data.id });
    }
  });
});

/** The same process opened as a 2026-07-28 client does: `server/discover`, never `initialize`. */
describe('standalone stdio mode, 2026-07-28', () => {
  let target: Target;
  let child: ChildProcessWithoutNullStreams;
  const answers = new Map<number, (message: unknown) => void>();
  let nextId = 1;

  beforeAll(async () => {
    target = await startTarget();
    child = spawn(SERVER.command, SERVER.args, { env: serverEnv(target) });
    createInterface({ input: child.stdout }).on('line', (line) => {
      const message = JSON.parse(line) as { id?: number };
      if (typeof message.id === 'number') answers.get(message.id)?.(message);
    });
  });
  afterAll(async () => {
    child?.kill();
    await target?.stop();
  });

  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary result fields
  const send = (method: string, params: Record<string, unknown> = {}): Promise<any> => {
    const id = nextId++;
    const meta = {
      [PROTOCOL_VERSION_META_KEY]: MODERN_PROTOCOL_VERSION,
      'io.modelcontextprotocol/clientCapabilities': {},
    };
    child.stdin.write(
      `${JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta: meta } })}\n`,
    );
    return new Promise((resolve) => answers.set(id, resolve));
  };

  it('is discovered as modern and serves a tool call', async () => {
    const discovered = await send('server/discover');
    expect(discovered.result).toMatchObject({
      supportedVersions: expect.arrayContaining([MODERN_PROTOCOL_VERSION]),
      resultType: 'complete',
    });
    const listed = await send('tools/call', { name: 'nc_notes_list_notes', arguments: {} });
    expect(listed.result).toMatchObject({
      resultType: 'complete',
      structuredContent: { notes: expect.any(Array) },
    });
    expect(listed.result.isError).toBeFalsy();
  });
});

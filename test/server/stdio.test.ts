import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../contract/index.js';
import { call, startTarget, type Target } from '../harness.js';

/** The standalone desktop mode, as Claude Desktop would start it: a child process on stdio. */
describe('standalone stdio mode', () => {
  let target: Target;
  let client: Client;

  beforeAll(async () => {
    target = await startTarget();
    client = new Client({ name: 'desktop', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: ['--import', 'tsx', 'server/main.ts'],
        env: {
          PATH: process.env.PATH ?? '',
          MCP_TRANSPORT: 'stdio',
          NEXTCLOUD_URL: target.url,
          NEXTCLOUD_USER: target.user,
          NEXTCLOUD_APP_PASSWORD: target.appPassword,
          LOG_LEVEL: 'warn',
        },
        stderr: 'pipe',
      }),
    );
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

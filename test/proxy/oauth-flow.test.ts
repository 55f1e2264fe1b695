import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SCOPES } from '../../contract/index.js';
import { DEMO_USER, type FullPath, startFullPath } from '../../dev/full-path.js';
import { call } from '../harness.js';
import { connectWithOAuth } from '../oauth-client.js';

describe('the whole request path with a real MCP client and OAuth', () => {
  let path: FullPath;
  beforeAll(async () => {
    path = await startFullPath();
  });
  afterAll(async () => {
    await path?.stop();
  });

  it('discovers, registers, signs in with PKCE, and calls a tool on Nextcloud with an exchanged token', async () => {
    const { client, provider } = await connectWithOAuth(
      path.mcpUrl,
      DEMO_USER.name,
      DEMO_USER.password,
      ['openid', ...ALL_SCOPES].join(' '),
    );
    expect(provider.authorizationUrl?.searchParams.get('code_challenge_method')).toBe('S256');
    expect(provider.authorizationUrl?.searchParams.get('resource')).toBe(path.mcpUrl);
    const created = await call(client, 'nc_notes_create_note', { title: 'Through OAuth', content: 'hello' });
    expect(created.isError).toBeFalsy();
    const read = await call(client, 'nc_notes_get_note', { note_id: created.data.id });
    expect(read.data.content).toBe('hello');
    const metrics = await (await fetch(path.proxy.metricsUrl)).text();
    expect(metrics).toMatch(/mcp_proxy_token_exchanges_total\{result="ok"\} 1\b/);
    expect(metrics).toMatch(/mcp_proxy_jwks_fetches_total 1\b/);
    await client.close();
  });
});

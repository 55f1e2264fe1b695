import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SCOPES } from '../../contract/index.js';
import { DEMO_USER, type FullPath, startFullPath } from '../../dev/full-path.js';
import { connectWithOAuth } from '../oauth-client.js';

/** A proxy whose own client the IdP refuses (a wrong secret) says so instead of "retry later". */
describe('a proxy misconfigured at the IdP', () => {
  let path: FullPath;
  beforeAll(async () => {
    path = await startFullPath({ env: { CLIENT_SECRET: 'not-the-secret-the-idp-knows' } });
  });
  afterAll(() => path?.stop());

  it('answers idp_misconfigured (not "retry later") and counts it', async () => {
    const attempt = await connectWithOAuth(
      path.mcpUrl,
      DEMO_USER.name,
      DEMO_USER.password,
      ['openid', ...ALL_SCOPES].join(' '),
    ).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(attempt?.message).toContain('idp_misconfigured');
    const metrics = await (await fetch(path.proxy.metricsUrl)).text();
    expect(metrics).toMatch(/nextcloud_mcp_proxy_token_exchanges_total\{result="misconfigured"\} [1-9]/);
  });
});

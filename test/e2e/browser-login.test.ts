import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SCOPES } from '../../contract/index.js';
import { DEMO_USER, type FullPath, startFullPath } from '../../dev/full-path.js';
import { chromiumAvailable, launchChromium, startLoopbackCallback } from '../browser.js';
import { call } from '../harness.js';
import { MemoryOAuthProvider } from '../oauth-client.js';

/** A person signs in with a real browser while a real MCP client drives the OAuth flow. */
describe.runIf(chromiumAvailable())('signing in through a browser', () => {
  let path: FullPath;
  let callback: Awaited<ReturnType<typeof startLoopbackCallback>>;

  beforeAll(async () => {
    path = await startFullPath();
    callback = await startLoopbackCallback();
  });
  afterAll(async () => {
    callback?.close();
    await path?.stop();
  });

  it('registers, signs in and consents in Chromium, then calls a tool', async () => {
    const provider = new MemoryOAuthProvider(['openid', ...ALL_SCOPES].join(' '), callback.redirectUri);
    const transport = () =>
      new StreamableHTTPClientTransport(new URL(path.mcpUrl), { authProvider: provider });
    const first = new Client({ name: 'browser-e2e', version: '1.0.0' });
    await expect(first.connect(transport())).rejects.toBeInstanceOf(UnauthorizedError);
    const authorizationUrl = provider.authorizationUrl;
    if (!authorizationUrl) throw new Error('the client did not start the authorization flow');

    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(authorizationUrl.href);
      await page.fill('input[name="login"]', DEMO_USER.name);
      await page.fill('input[name="password"]', DEMO_USER.password);
      await page.click('button[type="submit"]');
      await page.waitForSelector('text=Allow access?');
      expect(await page.textContent('body')).toContain('notes:write');
      await page.click('button:text-is("Allow")');
      await page.waitForURL(/\/callback\?/);
    } finally {
      await browser.close();
    }

    await transport().finishAuth(await callback.code);
    const client = new Client({ name: 'browser-e2e', version: '1.0.0' });
    await client.connect(transport());
    const created = await call(client, 'nc_notes_create_note', {
      title: 'Signed in with a browser',
      content: 'yes',
    });
    expect(created.isError).toBeFalsy();
    expect((await call(client, 'nc_notes_get_note', { note_id: created.data.id })).data.content).toBe('yes');
    await client.close();
  });
});

import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SCOPES } from '../../contract/index.js';
import { DEMO_USER, type FullPath, startFullPath } from '../full-path.js';
import { call } from '../harness.js';
import { MemoryOAuthProvider } from '../oauth-client.js';

const CHROMIUM = '/usr/bin/chromium';

function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI)
    throw new Error('CI needs Debian chromium for the browser login test; .ci/run installs it');
  console.warn('chromium is not installed: the browser login test is skipped (apt-get install chromium)');
  return false;
}

/** A person signs in with a real browser while a real MCP client drives the OAuth flow. */
describe.runIf(chromiumAvailable())('signing in through a browser', () => {
  let path: FullPath;
  const callback = createServer();
  let codes: Promise<string>;

  beforeAll(async () => {
    path = await startFullPath();
    codes = new Promise((resolve) => {
      callback.on('request', (req, res) => {
        const code = new URL(req.url ?? '/', 'http://x').searchParams.get('code');
        res
          .writeHead(200, { 'content-type': 'text/html' })
          .end('<p>Signed in. You can close this window.</p>');
        if (code) resolve(code);
      });
    });
    await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    callback.close();
    await path?.stop();
  });

  it('registers, signs in and consents in Chromium, then calls a tool', async () => {
    const redirect = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/callback`;
    const provider = new MemoryOAuthProvider(['openid', ...ALL_SCOPES].join(' '), redirect);
    const transport = () =>
      new StreamableHTTPClientTransport(new URL(path.mcpUrl), { authProvider: provider });
    const first = new Client({ name: 'browser-e2e', version: '1.0.0' });
    await expect(first.connect(transport())).rejects.toBeInstanceOf(UnauthorizedError);
    const authorizationUrl = provider.authorizationUrl;
    if (!authorizationUrl) throw new Error('the client did not start the authorization flow');

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const page = await browser.newPage();
      await page.goto(authorizationUrl.href);
      await page.fill('input[name="login"]', DEMO_USER.name);
      await page.fill('input[name="password"]', DEMO_USER.password);
      await page.click('button[type="submit"]');
      await page.waitForSelector('text=Allow access?');
      expect(await page.textContent('body')).toContain('notes:write');
      await page.click('button[type="submit"]');
      await page.waitForURL(/\/callback\?/);
    } finally {
      await browser.close();
    }

    await transport().finishAuth(await codes);
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

import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE, SCOPE_DESCRIPTIONS } from '../../contract/index.js';
import { DEMO_USER, type FullPath, freePort, startFullPath } from '../../dev/full-path.js';
import { PEER_VERSIONS, peerPath } from '../../peers/cache.js';
import { chromiumAvailable, launchChromium } from '../browser.js';
import { inspectorAvailable } from '../inspector.js';

/** Starts the Inspector's web UI for `serverUrl` on its own Node; resolves with the URL it prints. */
async function startInspectorWeb(
  serverUrl: string,
  home: string,
): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    peerPath('ltsNode'),
    [peerPath('inspector'), '--web', '--transport', 'http', '--server-url', serverUrl],
    {
      // Only what it needs, on ports of this run (its sandbox and app origin on any free one).
      env: {
        PATH: process.env.PATH ?? '',
        HOME: home,
        CLIENT_PORT: String(await freePort()),
        MCP_SANDBOX_PORT: '0',
        MCP_APP_ORIGIN_PORT: '0',
        MCP_INSPECTOR_API_TOKEN: randomBytes(32).toString('hex'),
        MCP_AUTO_OPEN_ENABLED: 'false',
        MCP_INSPECTOR_SECRET_STORE: 'file',
        MCP_INSPECTOR_SECRET_KEY: 'inspector-web-suite-passphrase',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let printed = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the Inspector did not start: ${printed}`)), 30_000);
    const read = (chunk: Buffer) => {
      printed += chunk.toString();
      const found = /is up and running at:\s+(\S+)/.exec(printed)?.[1];
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => reject(new Error(`the Inspector exited (${code}): ${printed}`)));
  });
  return { url, child };
}

/**
 * The MCP Inspector's web UI (the pinned release, on its own Node 24) in headless Chromium, as a
 * person follows what `npm start` prints: flip the server's switch, sign in on the embedded IdP's
 * page, allow, and the tools are listed. The Inspector registers itself and runs OAuth through
 * its own backend (its `/api/fetch`), so this is the flow end to end, not CORS (see test/idp).
 */
describe.runIf(inspectorAvailable() && chromiumAvailable())(
  `MCP Inspector ${PEER_VERSIONS.INSPECTOR_VERSION} web UI through the proxy`,
  () => {
    let path: FullPath;
    let home: string;
    let inspector: Awaited<ReturnType<typeof startInspectorWeb>> | undefined;
    let browser: Browser;

    beforeAll(async () => {
      path = await startFullPath();
      home = mkdtempSync(join(tmpdir(), 'inspector-web-'));
      inspector = await startInspectorWeb(path.mcpUrl, home);
      browser = await launchChromium();
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      inspector?.child.kill();
      await path?.stop();
      if (home) rmSync(home, { recursive: true, force: true });
    });

    it('connects, signs in as the demo user, consents and lists every tool', {
      timeout: 90_000,
    }, async () => {
      const page = await browser.newPage();
      // Its fonts come from Google; this machine reaches no such host.
      await page.route('https://fonts.googleapis.com/**', (route) => route.abort());
      await page.goto(inspector?.url ?? '');
      const card = new URL(path.mcpUrl).host;
      await page.getByText('Disconnected', { exact: true }).waitFor();
      await page.getByRole('switch', { name: `Connect or disconnect "${card}"` }).click({ force: true });

      await page.waitForURL(`${path.idp.issuer}/interaction/**`);
      await page.fill('input[name="login"]', DEMO_USER.name);
      await page.fill('input[name="password"]', DEMO_USER.password);
      await page.click('button:text("Sign in")');
      await page.waitForSelector('text=Allow access?');
      const consent = (await page.textContent('body')) ?? '';
      expect(consent).toContain('MCP Inspector');
      expect(consent).toContain(SCOPE_DESCRIPTIONS['notes:read']);
      await page.click('button:text("Allow")');

      await page.waitForURL(`${new URL(inspector?.url ?? '').origin}/**`);
      await page.getByText('Connected', { exact: true }).waitFor({ timeout: 30_000 });
      await page.getByText('Tools', { exact: true }).first().click();
      await page.getByText(`Tools (${CATALOGUE.length})`).waitFor();
      await page.getByText('nc_notes_search_notes', { exact: true }).waitFor();
    });
  },
);

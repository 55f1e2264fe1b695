import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USER } from '../../dev/full-path.js';
import { type NextcloudStandin, startNextcloudStandin } from '../../dev/nextcloud/nextcloud.js';
import { tenant } from '../../dev/tenant-spec.js';
import { call } from '../harness.js';
import { MemoryOAuthProvider } from '../oauth-client.js';

const CHROMIUM = '/usr/bin/chromium';
const PORT = 18080;

/** Why the suite cannot run here, or undefined when it can. */
function missing(): string | undefined {
  for (const tool of ['kind', 'helm', 'kubectl']) {
    try {
      execFileSync(tool, tool === 'kubectl' ? ['version', '--client'] : ['version'], { stdio: 'ignore' });
    } catch {
      return `${tool} is not installed`;
    }
  }
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 });
  } catch {
    return 'no Docker daemon';
  }
  return existsSync(CHROMIUM) ? undefined : 'chromium is not installed';
}

const why = process.env.E2E_KIND ? missing() : 'E2E_KIND is not set (npm run e2e:kind sets it)';
if (why) console.warn(`kind e2e skipped: ${why}`);

const kubectl = (...args: string[]) => execFileSync('kubectl', args, { encoding: 'utf8', timeout: 600_000 });

/**
 * The README's install path on kind (test/e2e/kind.sh up): the chart, Keycloak with the local realm,
 * a tenant in keycloak mode; then a real MCP client signs in with Keycloak in Chromium and calls a
 * tool through the proxy, which exchanges the token for one Nextcloud (a stand-in on the host) accepts.
 */
describe.skipIf(why)('kind: install, apply a tenant, call a tool', () => {
  let env: Record<string, string>;
  let nextcloud: NextcloudStandin;
  let forward: ChildProcess;

  beforeAll(async () => {
    const output = execFileSync('test/e2e/kind.sh', ['up'], {
      encoding: 'utf8',
      timeout: 900_000,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    env = Object.fromEntries([...output.matchAll(/^(E2E_\w+)=(.*)$/gm)].map((match) => [match[1], match[2]]));
    const issuer = env.E2E_ISSUER ?? '';
    nextcloud = await startNextcloudStandin({
      host: env.E2E_GATEWAY,
      users: { [DEMO_USER.name]: DEMO_USER.appPassword },
      bearer: { issuer, audience: 'nextcloud', jwksUrl: `${issuer}/protocol/openid-connect/certs` },
    });
    const resource = tenant('e2e', {
      metadata: { namespace: env.E2E_NAMESPACE },
      spec: {
        nextcloud: { url: nextcloud.url },
        publicUrl: `http://localhost:${PORT}`,
        apps: ['notes'],
        identity: {
          issuerUrl: issuer,
          keycloak: { realm: 'nextcloud-mcp', adminCredentialsSecretRef: { name: 'keycloak-admin' } },
        },
      },
    });
    execFileSync('kubectl', ['apply', '--server-side', '-f', '-'], { input: JSON.stringify(resource) });
    kubectl('-n', env.E2E_NAMESPACE ?? '', 'wait', '--for=condition=Ready', 'ncmcp/e2e', '--timeout=300s');
    forward = spawn('kubectl', ['-n', env.E2E_NAMESPACE ?? '', 'port-forward', 'svc/e2e-mcp', `${PORT}:80`], {
      stdio: 'ignore',
    });
    await sleep(2000);
  }, 1_200_000);
  afterAll(async () => {
    forward?.kill();
    await nextcloud?.stop();
    if (!process.env.E2E_KEEP) execFileSync('test/e2e/kind.sh', ['down'], { stdio: 'inherit' });
  });

  it('signs in with Keycloak and creates a note through the proxy', async () => {
    const callback = createServer();
    const code = new Promise<string>((resolve) =>
      callback.on('request', (req, res) => {
        res.end('signed in');
        const found = new URL(req.url ?? '/', 'http://x').searchParams.get('code');
        if (found) resolve(found);
      }),
    );
    await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
    const redirect = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/callback`;
    const provider = new MemoryOAuthProvider('openid notes:read notes:write', redirect);
    const mcpUrl = new URL(`http://localhost:${PORT}/mcp`);
    const transport = () => new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
    await expect(new Client({ name: 'kind-e2e', version: '1' }).connect(transport())).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu'],
    });
    try {
      const page = await browser.newPage();
      await page.goto(provider.authorizationUrl?.href ?? '');
      await page.fill('#username', DEMO_USER.name);
      await page.fill('#password', DEMO_USER.password);
      await page.click('#kc-login');
      // Dynamically registered clients need consent (the realm's registration policy).
      if (await page.isVisible('#kc-login')) await page.click('#kc-login');
      await page.waitForURL(/\/callback\?/);
    } finally {
      await browser.close();
      callback.close();
    }
    await transport().finishAuth(await code);
    const client = new Client({ name: 'kind-e2e', version: '1' });
    await client.connect(transport());
    const created = await call(client, 'nc_notes_create_note', {
      title: 'From kind',
      content: 'through the proxy',
    });
    expect(created.isError).toBeFalsy();
    await client.close();
  });
});

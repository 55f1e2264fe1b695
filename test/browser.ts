import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

/** True when Debian's chromium is installed; in CI its absence is a failure, not a skip. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI)
    throw new Error('CI needs Debian chromium for the browser login tests; .ci/run installs it');
  console.warn('chromium is not installed: the browser login tests are skipped (apt-get install chromium)');
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
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
}

/**
 * The loopback redirect URI a desktop MCP client listens on (as Claude Code and MCP Inspector
 * do): `code` resolves with the first authorization code it receives.
 */
export async function startLoopbackCallback(): Promise<{
  readonly redirectUri: string;
  readonly code: Promise<string>;
  close(): void;
}> {
  const server = createServer();
  const code = new Promise<string>((resolve) => {
    server.on('request', (req, res) => {
      const received = new URL(req.url ?? '/', 'http://x').searchParams.get('code');
      res.writeHead(200, { 'content-type': 'text/html' }).end('<p>Signed in. You can close this window.</p>');
      if (received) resolve(received);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    redirectUri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`,
    code,
    close: () => server.close(),
  };
}

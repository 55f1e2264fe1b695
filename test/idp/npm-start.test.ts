import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../dev/full-path.js';
import { peerPath } from '../../peers/cache.js';
import { inspectorAvailable } from '../inspector.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `npx tsx dev/start.ts`, as `npm start` runs it, in its own process group to stop it whole. */
function start(env: Record<string, string>, args: string[] = []): ChildProcess {
  return spawn('npx', ['tsx', 'dev/start.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
}

/** Everything it printed until it exited. */
function ended(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/** A port another program holds, on loopback as `npm start` wants it. */
async function hold(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return { port: address.port, server };
}

/** The JavaScript of the pinned Inspector's web UI, where its labels are string literals. */
function inspectorBundle(): string {
  const assets = join(dirname(peerPath('inspector')), '..', '..', 'web', 'dist', 'assets');
  return readdirSync(assets)
    .filter((name) => name.endsWith('.js'))
    .map((name) => readFileSync(join(assets, name), 'utf8'))
    .join('\n');
}

// tsx compiling the stack on two busy cores.
const SLOW = { timeout: 60_000 };

describe('npm start', () => {
  const running: ChildProcess[] = [];
  afterAll(() => {
    for (const child of running) {
      if (!child.pid || child.exitCode !== null) continue;
      // Its group may be gone already (an exit not yet reported): nothing is left to stop then.
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    }
  });

  it('prints its usage with the variables it reads for --help', SLOW, async () => {
    const { code, stdout } = await ended(start({}, ['--help']));
    expect(code).toBe(0);
    for (const variable of ['PORT', 'IDP_PORT', 'NEXTCLOUD_URL', 'LOG_LEVEL']) {
      expect(stdout).toMatch(new RegExp(`^  ${variable} `, 'm'));
    }
  });

  for (const variable of ['PORT', 'IDP_PORT'] as const) {
    it(`names ${variable} in one line and exits non-zero when its port is in use`, SLOW, async () => {
      const held = await hold();
      try {
        const other = variable === 'PORT' ? 'IDP_PORT' : 'PORT';
        const { code, stdout, stderr } = await ended(
          start({ [variable]: String(held.port), [other]: String(await freePort()) }),
        );
        expect(code).not.toBe(0);
        expect(stdout).toBe('');
        expect(stderr).toBe(
          `npm start: port ${held.port} (${variable}) is in use: set ${variable}=... to choose another\n`,
        );
      } finally {
        held.server.close();
      }
    });
  }

  it('refuses a PORT that is not a port, in one line', SLOW, async () => {
    const { code, stderr } = await ended(start({ PORT: 'eighty', IDP_PORT: String(await freePort()) }));
    expect(code).not.toBe(0);
    expect(stderr).toBe('npm start: PORT=eighty is not a port: set PORT to a number from 1 to 65535\n');
  });

  it.runIf(inspectorAvailable())(
    'starts on the ports given and tells how to connect in labels the pinned Inspector shows',
    { timeout: 90_000 },
    async () => {
      const port = await freePort();
      const child = start({ PORT: String(port), IDP_PORT: String(await freePort()) });
      running.push(child);
      const done = ended(child);
      let printed = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          printed += chunk.toString();
          if (printed.includes('Ctrl-C stops everything.')) resolve();
        });
        void done.then(({ stderr }) => reject(new Error(`npm start ended: ${stderr}`)));
      });
      const mcpUrl = `http://127.0.0.1:${port}/mcp`;
      expect(printed).toContain(`MCP endpoint      ${mcpUrl}`);
      expect((await fetch(mcpUrl, { method: 'POST' })).status).toBe(401);

      const steps = printed.slice(
        printed.indexOf('Connect MCP Inspector'),
        printed.indexOf('Scopes offered'),
      );
      expect(steps).toContain('Node 22.19 or newer');
      expect(steps).toContain(`npx @modelcontextprotocol/inspector --transport http --server-url ${mcpUrl}`);
      expect(steps).toContain('npx -y -p node@24 -p @modelcontextprotocol/inspector -- mcp-inspector');
      // Every quoted label is one the Inspector's UI has, word for word.
      const labels = [...steps.matchAll(/"([^"]+)"/g)].map((match) => match[1] ?? '');
      expect(labels).toEqual(['Disconnected', 'Allow', 'Connected', 'Authorization complete', 'Tools']);
      const bundle = inspectorBundle();
      for (const label of labels.filter((label) => label !== 'Allow')) {
        expect(bundle, label).toContain(`\`${label}\``);
      }
      // "Allow" is the embedded IdP's own button.
      expect(readFileSync(join(ROOT, 'idp', 'pages.ts'), 'utf8')).toContain('>Allow</button>');
      // The switch the card has, which the steps tell to flip.
      expect(bundle).toContain('aria-label":`Connect or disconnect "${');
      const launcher = readFileSync(
        join(dirname(peerPath('inspector')), '..', '..', 'web', 'build', 'index.js'),
        'utf8',
      );
      expect(launcher).toContain('"--server-url <url>"');
      expect(launcher).toContain('"--transport <type>"');

      // Ctrl-C (the terminal signals the whole group) stops everything: nothing listens after.
      if (child.pid) process.kill(-child.pid, 'SIGINT');
      await done;
      await expect(fetch(mcpUrl, { method: 'POST' })).rejects.toThrow();
    },
  );
});

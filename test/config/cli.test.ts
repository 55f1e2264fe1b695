import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { pino } from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { type Program, runProgram } from '../../config/cli.js';
import { OPERATOR_PROGRAM } from '../../operator/config.js';
import { PROXY_PROGRAM } from '../../proxy/config.js';
import { SERVER_PROGRAM } from '../../server/config.js';
import { kubeconfigTo, logLines, startProgram } from '../program-process.js';

const PROGRAMS = [SERVER_PROGRAM, PROXY_PROGRAM, OPERATOR_PROGRAM] as Program<{ LOG_LEVEL: string }>[];
const STACK = /^\s+at /m;

/** A port something already listens on. */
async function takenPort(): Promise<{ port: number; server: Server }> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as { port: number }).port, server };
}

describe('the three programs, as a newcomer meets them', () => {
  const taken: Server[] = [];
  afterAll(() => {
    for (const server of taken) server.close();
  });

  it.concurrent.each(PROGRAMS.map((program) => [program.entry, program] as const))(
    '%s --help lists every variable it reads, with its meaning and default, and exits 0 unconfigured',
    async (entry, program) => {
      const run = startProgram(entry, {}, ['--help']);
      expect(await run.exited, run.stderr()).toBe(0);
      const help = run.stdout();
      expect(help).toContain(program.name);
      expect(help).toContain(`node dist/${entry}.js`);
      const shape = program.env.schema.shape as Record<string, { description?: string }>;
      for (const [name, field] of Object.entries(shape)) {
        const entryText = new RegExp(
          `^  ${name} \\((required|optional|default: [^)]*)\\)\\n {6}(.+)$`,
          'm',
        ).exec(help);
        expect(entryText?.[2], name).toBe(field.description);
      }
      for (const name of program.env.secretFiles ?? [])
        expect(help).toMatch(new RegExp(`^  ${name}_FILE `, 'm'));
      expect(help).toMatch(/^ {2}78 +invalid configuration/m);
      expect(help).toMatch(/^ {2}1 +could not start/m);
    },
    60_000,
  );

  it('shows each default as it would be written in the environment', async () => {
    const help = await helpOf(PROXY_PROGRAM);
    expect(help).toContain('  AUTH_MODE (default: exchange)\n');
    expect(help).toContain('  TOKEN_ALGORITHMS (default: RS256,PS256,ES256,EdDSA)\n');
    expect(help).toContain('  PUBLIC_URL (required)\n');
    expect(help).toContain('  SESSION_SECRET (optional)\n');
    expect(await helpOf(SERVER_PROGRAM)).toContain('  PORT (default: 8081)\n');
  });

  it('answers -h the same, without reading the environment or starting anything', async () => {
    const start = vi.fn(async () => undefined);
    const help = await helpOf(OPERATOR_PROGRAM, start);
    expect(help).toContain('  OPERATOR_IMAGE (required)\n');
    expect(start).not.toHaveBeenCalled();
  });

  it.concurrent.each([
    [
      'server/main',
      {
        NEXTCLOUD_URL: 'ftp://cloud.example',
        PORT: 'eighty',
        MCP_TRANSPORT: 'stdio',
        NEXTCLOUD_APP_PASSWORD_FILE: '/nonexistent/app-password',
      },
      [
        'NEXTCLOUD_APP_PASSWORD_FILE: cannot read /nonexistent/app-password (ENOENT)',
        'NEXTCLOUD_URL: ',
        'PORT: not a number',
        'MCP_TRANSPORT: NEXTCLOUD_USER and NEXTCLOUD_APP_PASSWORD',
      ],
    ],
    [
      'proxy/main',
      {
        ISSUER_URL: 'not a url',
        CLIENT_SECRET_FILE: '/nonexistent/client-secret',
        PORT: '70000',
        SESSION_SECRET: 'short-secret',
      },
      [
        'CLIENT_SECRET_FILE: cannot read /nonexistent/client-secret (ENOENT)',
        'PUBLIC_URL: required, not set',
        'ISSUER_URL: ',
        'PORT: ',
        'SESSION_SECRET: ',
        // The cross-field rule is told along with the fields' problems.
        'CLIENT_ID: CLIENT_ID and CLIENT_SECRET',
      ],
    ],
    [
      'operator/main',
      { WORKERS: '0', TENANT_INGRESS_DOMAINS: '*.example.com', LEASE_DURATION_SECONDS: 'long' },
      [
        'OPERATOR_IMAGE: required, not set',
        'TENANT_INGRESS_DOMAINS.0: ',
        'WORKERS: ',
        'LEASE_DURATION_SECONDS: not a number',
      ],
    ],
  ] as const)(
    '%s tells every configuration problem at once, one line each, and exits 78 without a stack',
    async (entry, env, problems) => {
      const run = startProgram(entry, env);
      expect(await run.exited, run.stderr()).toBe(78);
      const lines = run.stderr().trimEnd().split('\n');
      expect(lines[0]).toMatch(new RegExp(`: invalid configuration, ${problems.length} problems \\(--help`));
      expect(lines.slice(1).map((line) => line.trim())).toEqual(
        problems.map((problem) => expect.stringMatching(new RegExp(`^${literally(problem)}`))),
      );
      expect(run.stderr()).not.toMatch(STACK);
      // A value is never repeated: it may be a secret.
      expect(run.stderr()).not.toContain('short-secret');
      expect(run.stdout()).toBe('');
    },
    60_000,
  );

  it.concurrent('refuses an argument it does not know, as a configuration problem', async () => {
    const run = startProgram('proxy/main', {}, ['--port=8080']);
    expect(await run.exited).toBe(78);
    expect(run.stderr()).toContain('unknown argument --port=8080: see --help');
  }, 60_000);

  it.concurrent.each([
    ['server/main', (port: number) => ({ NEXTCLOUD_URL: 'https://cloud.example', PORT: String(port) })],
    [
      'proxy/main',
      (port: number) => ({
        PUBLIC_URL: 'https://mcp.example',
        ISSUER_URL: 'http://127.0.0.1:9',
        AUTH_MODE: 'passthrough',
        SESSION_SECRET: 'sixteen-chars-min!',
        HOST: '127.0.0.1',
        PORT: '0',
        METRICS_PORT: String(port),
      }),
    ],
    [
      'operator/main',
      (port: number) => ({ OPERATOR_IMAGE: 'img:1', KUBECONFIG: kubeconfigTo(9), HTTP_PORT: String(port) }),
    ],
  ] as const)(
    '%s ends a failed start (its port taken) with one log line and exit 1',
    async (entry, env) => {
      const { port, server } = await takenPort();
      taken.push(server);
      const run = startProgram(entry, env(port));
      expect(await run.exited, run.stdout() + run.stderr()).toBe(1);
      const output = run.stdout() + run.stderr();
      const fatal = logLines(output).filter((line) => line.level === 60);
      expect(fatal.map((line) => line.msg)).toEqual([
        `cannot start: address already in use (listen EADDRINUSE: address already in use ${entry === 'operator/main' ? ':::' : '127.0.0.1:'}${port})`,
      ]);
      expect(output).not.toMatch(STACK);
    },
    60_000,
  );
});

/** What `--help` prints, from runProgram itself. */
async function helpOf(
  program: Program<{ LOG_LEVEL: string }>,
  start = async () => undefined,
): Promise<string> {
  const written: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
  try {
    await runProgram(program, pino({ level: 'silent' }), start, ['-h']);
  } finally {
    write.mockRestore();
  }
  return written.join('');
}

const literally = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

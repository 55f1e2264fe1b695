import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { RUNTIME_UID } from '../../contract/index.js';
import { tenant } from '../../dev/tenant-spec.js';
import { desiredObjects } from '../../operator/desired.js';
import { PEER_VERSIONS } from '../../peers/cache.js';

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** Dockerfile instructions per stage (comments dropped, `\` continuations joined). */
function stages(text: string): Instruction[][] {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const result: Instruction[][] = [];
  for (const line of lines) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const instruction = { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    if (instruction.keyword === 'FROM') result.push([]);
    result.at(-1)?.push(instruction);
  }
  return result;
}

const dockerfile = stages(readFileSync('Dockerfile', 'utf8'));
const final = dockerfile.at(-1) ?? [];

/** The entrypoints that run from the image: the chart's operator and the tenant pods' containers. */
function entrypoints(): string[] {
  const chart = parseAllDocuments(readFileSync('deploy/nextcloud-mcp-operator.yaml', 'utf8'))
    .map((doc) => doc.toJS())
    .find((object) => object?.kind === 'Deployment');
  const pod = desiredObjects({
    resource: tenant('a', { metadata: { namespace: 'a', uid: 'u' } }),
    operatorImage: 'img',
    client: { id: 'c', secret: 's' },
  }).find((object) => object.kind === 'Deployment') as {
    spec: { template: { spec: { containers: { command: string[] }[] } } };
  };
  return [
    chart.spec.template.spec.containers[0].command,
    ...pod.spec.template.spec.containers.map((c) => c.command),
  ].map((command) => {
    expect(command[0]).toBe('node');
    return command[1] as string;
  });
}

describe('the image (Dockerfile)', () => {
  it('builds and runs on the LTS Node that CI runs the suite on', () => {
    const major = PEER_VERSIONS.NODE_LTS_VERSION.split('.')[0];
    expect(dockerfile.map((stage) => stage[0]?.args.split(/\s+/)[0])).toEqual([
      `node:${major}-bookworm-slim`,
      `gcr.io/distroless/nodejs${major}-debian12:nonroot`,
    ]);
  });

  it('ends in a distroless non-root Node runtime with a numeric USER and no RUN', () => {
    expect(final[0]?.args).toMatch(/^gcr\.io\/distroless\/nodejs\d+-debian12:nonroot$/);
    expect(final.find((instruction) => instruction.keyword === 'USER')?.args).toMatch(/^\d+:\d+$/);
    expect(final.filter((instruction) => instruction.keyword === 'RUN')).toEqual([]);
    // The pods run as the image's user.
    expect(final.find((instruction) => instruction.keyword === 'USER')?.args).toBe(
      `${RUNTIME_UID}:${RUNTIME_UID}`,
    );
  });

  it('copies only from earlier stages, and prunes development dependencies before', () => {
    const named = dockerfile.slice(0, -1).map((stage) => stage[0]?.args.split(/\s+AS\s+/i)[1]);
    for (const copy of final.filter((instruction) => instruction.keyword === 'COPY')) {
      const from = /--from=(\S+)/.exec(copy.args)?.[1];
      expect(from && named.includes(from), copy.args).toBe(true);
    }
    expect(
      dockerfile.flat().some((i) => i.keyword === 'RUN' && i.args.includes('npm prune --omit=dev')),
    ).toBe(true);
  });
});

/**
 * The final stage's file system, staged without Docker: package.json, production-only
 * node_modules and the build, as the Dockerfile copies them. Each entrypoint must start from it,
 * so no program imports a development dependency.
 */
describe('the image layout, staged', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'image-'));
    cpSync('package.json', join(root, 'package.json'));
    cpSync('package-lock.json', join(root, 'package-lock.json'));
    execFileSync(
      'npm',
      ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'],
      {
        cwd: root,
        stdio: 'ignore',
      },
    );
    execFileSync(process.execPath, [
      'node_modules/typescript/bin/tsc',
      '-p',
      'tsconfig.build.json',
      '--outDir',
      join(root, 'dist'),
    ]);
  }, 120_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('has no development dependency', () => {
    expect(() =>
      execFileSync(process.execPath, ['-e', "require.resolve('vitest')"], { cwd: root, stdio: 'ignore' }),
    ).toThrow();
  });

  it.each(entrypoints().map((entry) => [entry]))(
    '%s starts from it',
    async (entry) => {
      // --help needs no configuration; without any, each program stops with its own message
      // (exit 78), which needs every module it imports; the server, configured, answers /healthz.
      const help = execFileSync(process.execPath, [entry, '--help'], {
        cwd: root,
        env: { PATH: process.env.PATH ?? '' },
      });
      expect(String(help)).toMatch(/^ {2}78 +invalid configuration/m);
      const child = spawn(process.execPath, [entry], {
        cwd: root,
        env: {
          PATH: process.env.PATH ?? '',
          ...(entry.includes('server')
            ? { NEXTCLOUD_URL: 'https://cloud.example', PORT: '0', LOG_LEVEL: 'info' }
            : {}),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk) => {
        output += String(chunk);
      });
      child.stderr.on('data', (chunk) => {
        output += String(chunk);
      });
      if (entry.includes('server')) {
        let port: string | undefined;
        for (let i = 0; i < 100 && !port; i++) {
          port = /"port":(\d+)/.exec(output)?.[1] ?? /127\.0\.0\.1:(\d+)/.exec(output)?.[1];
          if (!port) await sleep(50);
        }
        expect(port, output).toBeDefined();
        expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
        return;
      }
      const code = await new Promise((resolve) => child.once('exit', resolve));
      expect(output).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find (module|package)/);
      expect(code, output).toBe(78);
    },
    20_000,
  );
});

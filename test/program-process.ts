import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One of the three programs as a process, run from source as `node dist/<entry>.js` runs the build. */
export interface ProgramProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** The exit code, once it exited. */
  readonly exited: Promise<number | null>;
  /** Resolves once stdout or stderr matches `pattern` (rejects if the program exits first). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  kill(): Promise<void>;
}

/** Starts `entry` (e.g. `proxy/main`) with only PATH and `env`: no configuration leaks in from the test. */
export function startProgram(
  entry: string,
  env: Record<string, string> = {},
  args: readonly string[] = [],
): ProgramProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', `${entry}.ts`, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stdout?.on('data', (chunk) => {
    out += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    err += String(chunk);
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitFor(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(out) ?? pattern.exec(err);
        if (match) return match;
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`${entry} never printed ${pattern} (exit ${child.exitCode}):\n${out}${err}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** pino's JSON lines of a program's output. */
export function logLines(output: string): { level: number; msg: string; [key: string]: unknown }[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
}

/** A kubeconfig naming an API server on a loopback port. */
export function kubeconfigTo(port: number): string {
  const path = join(tmpdir(), `kubeconfig-${port}-${process.pid}.yaml`);
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: `https://127.0.0.1:${port}` } }],
      users: [{ name: 'u', user: { token: 'not-a-real-token' } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'c',
    }),
  );
  return path;
}

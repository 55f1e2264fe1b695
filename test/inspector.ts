import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { peerCached, peerPath } from '../peers/cache.js';

const run = promisify(execFile);

/** True when build.sh fetched the MCP Inspector and its Node; in CI their absence is a failure. */
export function inspectorAvailable(): boolean {
  if (peerCached('inspector') && peerCached('ltsNode')) return true;
  if (process.env.CI)
    throw new Error('CI needs the MCP Inspector and its Node 24; peers/build.sh fetches them');
  console.warn(
    'the MCP Inspector is not in the peers cache: its suite is skipped (bash peers/build.sh inspector)',
  );
  return false;
}

/** What the CLI printed and how it ended; a non-zero exit is an answer here, not a throw. */
export interface InspectorOutcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the Inspector's CLI on its own Node against `serverUrl` over streamable HTTP, with JSON
 * output and its OAuth state in a file store under `home`. When it asks the person to sign in,
 * `signIn` plays them with the URL it printed; should that fail, the CLI is stopped rather than
 * left waiting for its callback.
 */
export async function runInspector(options: {
  serverUrl: string;
  home: string;
  args: readonly string[];
  signIn?: (asked: URL) => Promise<void>;
}): Promise<InspectorOutcome> {
  const pending = run(
    peerPath('ltsNode'),
    [
      peerPath('inspector'),
      '--cli',
      '--format',
      'json',
      '--transport',
      'http',
      '--server-url',
      options.serverUrl,
      ...options.args,
    ],
    {
      timeout: 45_000,
      // Only what it needs: none of the test runner's variables (VITEST turns its sign-in off).
      env: {
        PATH: process.env.PATH ?? '',
        HOME: options.home,
        MCP_INSPECTOR_SECRET_STORE: 'file',
        MCP_INSPECTOR_SECRET_KEY: 'inspector-suite-passphrase',
        // Without a TTY it signs in only when told to; `true` is the "browser" it opens.
        MCP_AUTO_OPEN_ENABLED: 'true',
        BROWSER: 'true',
      },
    },
  );
  let printed = '';
  let signedIn: Promise<void> | undefined;
  pending.child.stderr?.on('data', (chunk: Buffer) => {
    printed += chunk.toString();
    const asked = /Please navigate to: (\S+)\n/.exec(printed)?.[1];
    if (!asked || !options.signIn || signedIn) return;
    signedIn = options.signIn(new URL(asked)).catch((error: unknown) => {
      pending.child.kill();
      throw error;
    });
    // Awaited below, once the CLI ended; until then its rejection is not unhandled.
    signedIn.catch(() => {});
  });
  try {
    const { stdout, stderr } = await pending;
    await signedIn;
    return { code: 0, stdout, stderr };
  } catch (error) {
    await signedIn;
    const failed = error as { code?: unknown; stdout?: string; stderr?: string; killed?: boolean };
    if (failed.killed || typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** The one JSON object `--format json` prints on success: the method's result. */
export function resultOf<T>(outcome: InspectorOutcome): T {
  expect(outcome.code, outcome.stderr).toBe(0);
  return (JSON.parse(outcome.stdout) as { result: T }).result;
}

/** The JSON envelope the CLI ends a failure with, on stderr. */
export function errorOf(outcome: InspectorOutcome): { code: string; message: string } {
  const line = outcome.stderr.split('\n').find((text) => text.startsWith('{"error"'));
  return (JSON.parse(line ?? '{}') as { error: { code: string; message: string } }).error;
}

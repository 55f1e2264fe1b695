import { type ChildProcess, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** A peer process whose output goes to a log file (named in every error, so a failure can be read). */
export interface PeerProcess {
  readonly name: string;
  readonly log: string;
  readonly child: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function startPeer(
  name: string,
  command: string,
  args: readonly string[],
  log: string,
  options: { env?: NodeJS.ProcessEnv; detached?: boolean; cwd?: string } = {},
): PeerProcess {
  const out = openSync(log, 'a');
  const child = spawn(command, args, {
    stdio: ['ignore', out, out],
    env: options.env ?? process.env,
    detached: options.detached ?? false,
    cwd: options.cwd,
  });
  if (options.detached) child.unref();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    log,
    child,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const killed = await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]);
      if (!killed) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** Polls `ready` until it answers true, failing early with the log's name when the process died. */
export async function waitUntilReady(
  peer: PeerProcess,
  ready: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (peer.child.exitCode !== null || peer.child.signalCode !== null)
      throw new Error(
        `${peer.name} exited (${peer.child.exitCode ?? peer.child.signalCode}); see ${peer.log}`,
      );
    if (await ready().catch(() => false)) return;
    await sleep(250);
  }
  throw new Error(`${peer.name} was not ready within ${timeoutMs / 1000} s; see ${peer.log}`);
}

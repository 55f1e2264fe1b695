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

/**
 * Starts a peer in a process group of its own, so stopping it stops what it started too (kc.sh
 * runs Java as a child). `detached` peers outlive this process (npm run peers:start); the others
 * are killed when it exits, however it exits.
 */
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
    detached: true,
    cwd: options.cwd,
  });
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid ?? 0), signal);
    } catch {
      // already gone
    }
  };
  const killOnExit = () => signalGroup('SIGKILL');
  if (options.detached) child.unref();
  else process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    log,
    child,
    async stop(signal = 'SIGTERM') {
      process.removeListener('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) {
        signalGroup('SIGKILL');
        return;
      }
      signalGroup(signal);
      const stopped = await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]);
      // What the group leader left behind (or a leader that would not stop) goes now.
      signalGroup('SIGKILL');
      if (!stopped) await exited;
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

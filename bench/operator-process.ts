import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { RUNTIME_NODE_OPTIONS } from '../contract/index.js';
import { freePort } from '../dev/free-port.js';

/** Any wait of the operator section that takes longer fails it instead of hanging the bench. */
export const DEADLINE_MS = 150_000;
export const LEASE_DURATION_SECONDS = 15;

/** Polls `check` every 100 ms until it holds, for at most `ms`; resolves with the ms it took. */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = DEADLINE_MS) {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > ms)
      throw new Error(`operator bench: ${what} not reached in ${ms / 1000} s`);
    await sleep(100);
  }
  return performance.now() - started;
}

export interface OperatorProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** performance.now() when it was spawned. */
  readonly started: number;
  /** Sum of a metric's samples whose labels contain `labels` (e.g. `kind="write"`); NaN without /metrics. */
  metric(name: string, labels?: string): Promise<number>;
  /** Signals it and waits for it to exit (SIGKILL after 30 s). */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * `node dist/operator/main.js` as deployed (the pod's Node flags), one replica of `POD_NAME`
 * `name`; resolves once /healthz answers. Its own environment only: nothing of the bench's leaks in.
 */
export async function startOperator(kubeconfig: string, name: string): Promise<OperatorProcess> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, ['dist/operator/main.js'], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_OPTIONS: RUNTIME_NODE_OPTIONS,
      KUBECONFIG: kubeconfig,
      OPERATOR_IMAGE: 'registry.example/nextcloud-mcp:bench',
      POD_NAMESPACE: 'operators',
      POD_NAME: name,
      WORKERS: '4',
      HTTP_PORT: String(port),
      LEASE_DURATION_SECONDS: String(LEASE_DURATION_SECONDS),
      LOG_LEVEL: 'warn',
    },
    // Warnings and errors show above the table: they explain a slow or failed section.
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const scrape = () =>
    fetch(`http://127.0.0.1:${port}/metrics`).then(
      (response) => (response.ok ? response.text() : undefined),
      () => undefined,
    );
  const operator: OperatorProcess = {
    name,
    child,
    started,
    async metric(metric, labels = '') {
      const text = await scrape();
      if (text === undefined) return Number.NaN;
      let sum = 0;
      for (const line of text.split('\n')) {
        const match = /^(\w+)(\{[^}]*\})? (\S+)$/.exec(line);
        if (match?.[1] === metric && (match[2] ?? '').includes(labels)) sum += Number(match[3]);
      }
      return sum;
    },
    async stop(signal = 'SIGTERM') {
      if (gone()) return;
      child.kill(signal);
      const done = await Promise.race([exited.then(() => true), sleep(30_000).then(() => false)]);
      if (!done) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
  await until(`operator ${name} answering /healthz`, async () => {
    if (gone()) throw new Error(`operator bench: operator ${name} exited (${child.exitCode})`);
    return fetch(`http://127.0.0.1:${port}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
  });
  return operator;
}

/** Reconciles so far, over every result. */
export const reconciles = (operator: OperatorProcess) =>
  operator.metric('nextcloud_mcp_operator_reconciles_total');

/** Whether the replica holds the leader Lease (its gauge), polled until it does. */
export const leads = async (operator: OperatorProcess) =>
  (await operator.metric('nextcloud_mcp_operator_leader')) === 1;

import { type ChildProcess, fork, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { CRD_GROUP, CRD_PLURAL, CRD_VERSION, RUNTIME_NODE_OPTIONS } from '../contract/index.js';
import { freePort } from '../test/standins/free-port.js';
import type { StandinCounters } from './kubernetes-process.js';
import { rssMiB } from './processes.js';
import type { Row } from './server.js';

const TENANTS = 200;
const NAMESPACES = 10;
/** Any phase that takes longer fails the section instead of hanging the bench. */
const DEADLINE_MS = 120_000;
/** How long the stand-in must see no operator request for the operator to count as settled. */
const QUIET_MS = 2000;

/** Rejects after `ms` so no step of the section can wait forever. */
function within<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`operator bench: ${what} took over ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The stand-in's counters (the operator's share) and Ready count, asked over IPC. */
function counters(standin: ChildProcess): Promise<StandinCounters> {
  return within(
    'the stand-in answering',
    5000,
    new Promise((resolve) => {
      standin.once('message', (message) => resolve(message as StandinCounters));
      standin.send('counters');
    }),
  );
}

/** Sum of `nextcloud_mcp_operator_reconciles_total` over results; undefined without /metrics. */
async function reconciles(port: number): Promise<number | undefined> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
  if (!response?.ok) return undefined;
  const matches = [
    ...(await response.text()).matchAll(/^nextcloud_mcp_operator_reconciles_total(?:\{[^}]*\})? (\d+)/gm),
  ];
  return matches.length ? matches.reduce((sum, m) => sum + Number(m[1]), 0) : undefined;
}

/** Polls `check` every 100 ms until it holds; resolves with the ms it took. */
async function until(what: string, check: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > DEADLINE_MS)
      throw new Error(`operator bench: ${what} not reached in ${DEADLINE_MS / 1000} s`);
    await sleep(100);
  }
  return performance.now() - started;
}

/** Waits until the stand-in has seen no request from the operator for QUIET_MS. */
async function quiet(standin: ChildProcess): Promise<void> {
  let last = (await counters(standin)).requests;
  let since = performance.now();
  await until('a quiet API server', async () => {
    const now = (await counters(standin)).requests;
    if (now !== last) {
      last = now;
      since = performance.now();
    }
    return performance.now() - since >= QUIET_MS;
  });
}

/** `node dist/operator/main.js` as deployed (pod Node flags); resolves once /healthz answers. */
async function startOperator(kubeconfig: string, name: string) {
  const port = await freePort();
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
      LOG_LEVEL: 'warn',
    },
    // Warnings and errors show above the table: they explain a slow or failed section.
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const started = performance.now();
  await until(`operator ${name} answering /healthz`, async () => {
    if (child.exitCode !== null) throw new Error(`operator bench: the operator exited (${child.exitCode})`);
    return fetch(`http://127.0.0.1:${port}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
  });
  return { child, port, started };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await within('the operator stopping', 30_000, exited);
}

/** Secrets for the `clientSecretRef` identity and 200 NextcloudMcp resources over 10 namespaces. */
async function createTenants(config: KubeConfig): Promise<void> {
  const core = config.makeApiClient(CoreV1Api);
  const custom = config.makeApiClient(CustomObjectsApi);
  for (let n = 0; n < NAMESPACES; n++) {
    await core.createNamespacedSecret({
      namespace: `tenants-${n}`,
      body: { metadata: { name: 'client' }, stringData: { clientId: 'byo', clientSecret: 'byo-secret' } },
    });
  }
  for (let i = 0; i < TENANTS; i++) {
    await custom.createNamespacedCustomObject({
      group: CRD_GROUP,
      version: CRD_VERSION,
      plural: CRD_PLURAL,
      namespace: `tenants-${i % NAMESPACES}`,
      body: {
        apiVersion: `${CRD_GROUP}/${CRD_VERSION}`,
        kind: 'NextcloudMcp',
        metadata: { name: `t${i}` },
        spec: {
          nextcloud: { url: 'https://cloud.example' },
          publicUrl: `https://t${i}.mcp.example`,
          identity: { issuerUrl: 'https://sso.example/realms/bench', clientSecretRef: { name: 'client' } },
        },
      },
    });
  }
}

/**
 * The operator against the Kubernetes stand-in (its own process): time for 200 tenants to be
 * Ready, API requests per reconcile, writes when a fresh operator resyncs them all, and RSS.
 */
export async function benchOperator(): Promise<Row[]> {
  const children: ChildProcess[] = [];
  // A bench that throws or is interrupted leaves no operator or stand-in behind.
  const killAll = () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  const directory = mkdtempSync(join(tmpdir(), 'bench-operator-'));
  try {
    const standin = fork('bench/kubernetes-process.ts', {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    children.push(standin);
    const url = await within(
      'the Kubernetes stand-in starting',
      30_000,
      new Promise<string>((resolve, reject) => {
        standin.stdout?.once('data', (chunk) => resolve(String(chunk).trim()));
        standin.once('exit', (code) => reject(new Error(`the Kubernetes stand-in exited (${code})`)));
      }),
    );
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: 'standin', server: url, skipTLSVerify: true }],
      users: [{ name: 'bench' }],
      contexts: [{ name: 'standin', cluster: 'standin', user: 'bench' }],
      currentContext: 'standin',
    });
    const kubeconfig = join(directory, 'kubeconfig');
    writeFileSync(kubeconfig, config.exportConfig());
    await within('creating the tenants', DEADLINE_MS, createTenants(config));

    const before = await counters(standin);
    const first = await startOperator(kubeconfig, 'bench-one');
    children.push(first.child);
    await until(`${TENANTS} Ready tenants`, async () => (await counters(standin)).ready === TENANTS);
    const toReady = performance.now() - first.started;
    await quiet(standin);
    const created = await counters(standin);
    const firstReconciles = await reconciles(first.port);
    const requests = created.requests - before.requests;
    const writes = created.writes - before.writes;

    // A fresh operator lists everything and reconciles every Ready tenant: that must write nothing.
    await stop(first.child);
    const beforeResync = await counters(standin);
    const second = await startOperator(kubeconfig, 'bench-two');
    children.push(second.child);
    // Without /metrics the quiet API server alone says the resync is over.
    if ((await reconciles(second.port)) !== undefined)
      await until('a full resync', async () => ((await reconciles(second.port)) ?? 0) >= TENANTS);
    await quiet(standin);
    const after = await counters(standin);
    const leaseWrites = (after.writesTo.leases ?? 0) - (beforeResync.writesTo.leases ?? 0);
    const resyncWrites = after.writes - beforeResync.writes - leaseWrites;
    const resynced = (await reconciles(second.port)) ?? Number.NaN;
    const rss = rssMiB(second.child.pid);
    const writtenTo = Object.entries(after.writesTo)
      .map(([plural, count]) => [plural, count - (beforeResync.writesTo[plural] ?? 0)] as const)
      .filter(([plural, count]) => plural !== 'leases' && count > 0)
      .map(([plural, count]) => `${count} ${plural}`);

    return [
      {
        metric: `operator: time for ${TENANTS} tenants to be Ready (from operator start, stand-ins)`,
        value: `${(toReady / 1000).toFixed(1)} s`,
      },
      firstReconciles === undefined
        ? {
            metric: 'operator: API requests per resource to Ready (no reconcile counter)',
            value: `${(requests / TENANTS).toFixed(1)} (${requests} requests, ${writes} writes / ${TENANTS})`,
          }
        : {
            metric: 'operator: API requests per reconcile (creating to Ready)',
            value: `${(requests / firstReconciles).toFixed(1)} (${requests} requests, ${writes} writes / ${firstReconciles} reconciles; ${(requests / TENANTS).toFixed(1)} per resource)`,
          },
      {
        metric: `operator: writes in a steady-state resync of ${TENANTS} (fresh operator)`,
        value: `${resyncWrites}${writtenTo.length ? ` (${writtenTo.join(', ')})` : ''} (+${leaseWrites} Lease writes; ${resynced} reconciles, ${after.requests - beforeResync.requests} requests)`,
        target: '0',
      },
      {
        metric: `operator: RSS with ${TENANTS} tenants (pod Node flags)`,
        value: `${rss.toFixed(1)} MiB`,
        target: '≤ 150 MB',
      },
    ];
  } finally {
    for (const child of children.slice(1).reverse()) await stop(child).catch(() => undefined);
    killAll();
    process.removeListener('exit', killAll);
    rmSync(directory, { recursive: true, force: true });
  }
}

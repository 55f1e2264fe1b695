import { type ChildProcess, fork, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import {
  CRD_GROUP,
  CRD_PLURAL,
  CRD_VERSION,
  type NextcloudMcp,
  RUNTIME_NODE_OPTIONS,
} from '../contract/index.js';
import { rssMiB } from './processes.js';
import type { Row } from './server.js';

const TENANTS = 200;
const NAMESPACES = 10;
const DEADLINE_MS = 120_000;

interface Counters {
  requests: number;
  writes: number;
  writesTo: Record<string, number>;
}

/** The stand-in's counters (the operator's share), asked over IPC. */
function counters(standin: ChildProcess): Promise<Counters> {
  return new Promise((resolve) => {
    standin.once('message', (message) => resolve(message as Counters));
    standin.send('counters');
  });
}

async function readyCount(custom: CustomObjectsApi): Promise<number> {
  const list = (await custom.listClusterCustomObject({
    group: CRD_GROUP,
    version: CRD_VERSION,
    plural: CRD_PLURAL,
  })) as {
    items: NextcloudMcp[];
  };
  return list.items.filter((item) =>
    item.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  ).length;
}

/** Sum of `nextcloud_mcp_operator_reconciles_total` from the operator's /metrics. */
async function reconciles(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return [...text.matchAll(/^nextcloud_mcp_operator_reconciles_total\{[^}]*\} (\d+)/gm)].reduce(
    (sum, m) => sum + Number(m[1]),
    0,
  );
}

/** Starts `node dist/operator/main.js` with the pods' Node flags; resolves with its probe port. */
async function startOperator(
  kubeconfig: string,
  name: string,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['dist/operator/main.js'], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_OPTIONS: RUNTIME_NODE_OPTIONS,
      KUBECONFIG: kubeconfig,
      OPERATOR_IMAGE: 'registry.example/nextcloud-mcp:bench',
      POD_NAMESPACE: 'operators',
      POD_NAME: name,
      HTTP_PORT: '0',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += String(chunk);
      const match = /"port":(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`the operator exited (${code}) before listening`)));
  });
  return { child, port };
}

async function until(what: string, check: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > DEADLINE_MS)
      throw new Error(`operator bench: ${what} not reached in ${DEADLINE_MS / 1000} s`);
    await sleep(100);
  }
  return performance.now() - started;
}

/** Waits until the stand-in has seen no request from the operator for `quietMs`. */
async function quiet(standin: ChildProcess, quietMs = 2000): Promise<void> {
  let last = (await counters(standin)).requests;
  let since = performance.now();
  await until('a quiet API server', async () => {
    const now = (await counters(standin)).requests;
    if (now !== last) {
      last = now;
      since = performance.now();
    }
    return performance.now() - since >= quietMs;
  });
}

/**
 * The operator against the Kubernetes stand-in (its own process): time for 200 tenants to be
 * Ready, API requests per reconcile, writes when a fresh operator resyncs them all, and RSS.
 */
export async function benchOperator(): Promise<Row[]> {
  const standin = fork('bench/kubernetes-process.ts', {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const operators: ChildProcess[] = [];
  try {
    const url = await new Promise<string>((resolve) =>
      standin.stdout?.once('data', (chunk) => resolve(String(chunk).trim())),
    );
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: 'standin', server: url, skipTLSVerify: true }],
      users: [{ name: 'bench' }],
      contexts: [{ name: 'standin', cluster: 'standin', user: 'bench' }],
      currentContext: 'standin',
    });
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'bench-operator-')), 'kubeconfig');
    writeFileSync(kubeconfig, config.exportConfig());
    // The CRD as kubectl sends it (typed clients would drop its schema keywords).
    await fetch(`${url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions?fieldManager=bench`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(parse(readFileSync('crds/nextcloudmcps.nextcloud-mcp.io.yaml', 'utf8'))),
    });
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

    const before = await counters(standin);
    const first = await startOperator(kubeconfig, 'bench-one');
    operators.push(first.child);
    const toReady = await until('200 Ready tenants', async () => (await readyCount(custom)) === TENANTS);
    await quiet(standin);
    const created = await counters(standin);
    const firstReconciles = await reconciles(first.port);
    const requestsPerReconcile = (created.requests - before.requests) / firstReconciles;

    // A fresh operator lists everything and reconciles every Ready tenant: that must write nothing.
    first.child.kill('SIGTERM');
    await new Promise((resolve) => first.child.once('exit', resolve));
    const beforeResync = await counters(standin);
    const second = await startOperator(kubeconfig, 'bench-two');
    operators.push(second.child);
    await until('a full resync', async () => (await reconciles(second.port)) >= TENANTS);
    await quiet(standin);
    const after = await counters(standin);
    const leaseWrites = (after.writesTo.leases ?? 0) - (beforeResync.writesTo.leases ?? 0);
    const resyncWrites = after.writes - beforeResync.writes - leaseWrites;
    const rss = rssMiB(second.child.pid);

    return [
      {
        metric: `operator: time for ${TENANTS} tenants to be Ready (stand-ins)`,
        value: `${(toReady / 1000).toFixed(1)} s`,
      },
      {
        metric: 'operator: API requests per reconcile (to Ready)',
        value: `${requestsPerReconcile.toFixed(1)} (${created.requests - before.requests} requests / ${firstReconciles} reconciles)`,
      },
      {
        metric: `operator: writes in a steady-state resync of ${TENANTS}`,
        value: `${resyncWrites} (+${leaseWrites} Lease renewals)`,
        target: '0',
      },
      {
        metric: `operator: RSS with ${TENANTS} tenants (pod Node flags)`,
        value: `${rss.toFixed(1)} MiB`,
        target: '≤ 150 MB',
      },
    ];
  } finally {
    for (const child of operators) if (child.exitCode === null) child.kill('SIGKILL');
    standin.kill('SIGTERM');
  }
}

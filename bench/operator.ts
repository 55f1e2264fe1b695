import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { retryPeriodMs } from '../operator/leader.js';
import { apiserverWrites } from '../peers/control-plane.js';
import { AuditTail, type RequestCounts } from './audit.js';
import { createTenants, OPERATOR_USER, startBenchCluster } from './operator-cluster.js';
import { callsSince, type KeycloakCalls, startBenchKeycloak } from './operator-keycloak.js';
import {
  LEASE_DURATION_SECONDS,
  leads,
  type OperatorProcess,
  reconciles,
  startOperator,
  until,
} from './operator-process.js';
import { rssMiB } from './processes.js';
import type { Row } from './server.js';

const TENANTS = 200;
const NAMESPACES = Array.from({ length: 10 }, (_, n) => `tenants-${n}`);
const KEYCLOAK_TENANTS = 5;
const KEYCLOAK_NAMESPACE = 'keycloak-tenants';
const MODELLED = 1000;
/**
 * How long the audit log must show no request of the operator's (Leases aside) for it to count as
 * settled: longer than the 10 s after which it requeues a resource still waiting for its pods
 * (operator/reconcile.ts), which fires even once the resource is Ready, so those reconciles are
 * counted in their own phase. A resync of Ready resources requeues nothing.
 */
const SETTLE_MS = 11_000;
const RESYNC_QUIET_MS = 2000;

/** Waits until the operator has made no request but Lease renewals for `ms`. */
async function quiet(audit: AuditTail, ms: number): Promise<void> {
  let last = audit.nonLease();
  let since = performance.now();
  await until('the operator going quiet', () => {
    const now = audit.nonLease();
    if (now !== last) {
      last = now;
      since = performance.now();
    }
    return performance.now() - since >= ms;
  });
}

/** Both promises' values; when either fails, what the other started is stopped before rethrowing. */
async function both<A extends { stop(): Promise<void> }, B extends { stop(): Promise<void> }>(
  a: Promise<A>,
  b: Promise<B>,
): Promise<[A, B]> {
  const [left, right] = await Promise.allSettled([a, b]);
  if (left.status === 'fulfilled' && right.status === 'fulfilled') return [left.value, right.value];
  for (const settled of [left, right])
    if (settled.status === 'fulfilled') await settled.value.stop().catch(() => undefined);
  throw left.status === 'rejected' ? left.reason : (right as PromiseRejectedResult).reason;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mib = (value: number) => `${value.toFixed(1)} MiB = ${((value * 2 ** 20) / 1e6).toFixed(1)} MB`;
const perReconcile = (count: number, reconciled: number) => (count / reconciled).toFixed(1);
const breakdown = (writes: Record<string, number>) =>
  Object.entries(writes)
    .filter(([, count]) => count > 0)
    .map(([what, count]) => `${count} ${what}`)
    .join(', ');
const described = (counts: RequestCounts) =>
  `${counts.requests} requests: ${counts.gets} GETs, ${counts.listWatches} lists/watches, ${counts.discovery} discovery, ${counts.writes} writes`;
const keycloakDescribed = (calls: KeycloakCalls) =>
  `${calls.admin} admin calls incl. ${calls.writes} writes, + ${calls.signIns} sign-ins`;

/** The operator's own count of its Keycloak requests (`/metrics`). */
async function keycloakCounter(operator: OperatorProcess): Promise<string> {
  const count = (kind: string) =>
    operator.metric('nextcloud_mcp_operator_keycloak_requests_total', `kind="${kind}"`);
  return `${await count('sign-in')} sign-ins, ${await count('read')} reads, ${await count('write')} writes`;
}

/**
 * The operator (`node dist/operator/main.js`, as its ServiceAccount) against a control plane of
 * the bench's own and a real Keycloak: 200 tenants to Ready, API requests per reconcile (audit
 * log), Keycloak calls, writes when a standby takes over and resyncs everything (target 0), RSS,
 * and how long a standby takes to lead after the leader is stopped or killed.
 */
export async function benchOperator(): Promise<Row[]> {
  const directory = mkdtempSync(join(tmpdir(), 'bench-operator-'));
  const operators: OperatorProcess[] = [];
  const pids: number[] = [];
  // A bench that exits mid-section leaves no operator, control plane or Keycloak behind.
  const killAll = () => {
    for (const operator of operators) operator.child.kill('SIGKILL');
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  };
  process.once('exit', killAll);
  const [cluster, keycloak] = await both(
    startBenchCluster(directory),
    startBenchKeycloak(directory, KEYCLOAK_TENANTS),
  ).catch((error: unknown) => {
    process.removeListener('exit', killAll);
    rmSync(directory, { recursive: true, force: true });
    throw error;
  });
  pids.push(...cluster.peer.pids, ...keycloak.pids);
  const launch = async (name: string) => {
    const operator = await startOperator(cluster.kubeconfig, name);
    operators.push(operator);
    return operator;
  };
  const ready = (prefix: string) => [...cluster.readyAt.keys()].filter((key) => key.startsWith(prefix));
  try {
    const { config } = cluster;
    const audit = new AuditTail(cluster.peer.auditLog, OPERATOR_USER);

    // 1, 2: 200 tenants bringing their own client, from operator start to Ready.
    await createTenants(config, {
      namespaces: NAMESPACES,
      count: TENANTS,
      secrets: { client: { clientId: 'byo', clientSecret: 'byo-secret' } },
      spec: () => ({
        identity: { issuerUrl: 'https://sso.example/realms/bench', clientSecretRef: { name: 'client' } },
      }),
    });
    const beforeFirst = audit.mark();
    const first = await launch('bench-a');
    await until(`${TENANTS} Ready tenants`, () => ready('tenants-').length >= TENANTS);
    const readyTimes = ready('tenants-').map((key) => (cluster.readyAt.get(key) ?? 0) - first.started);
    const [firstReady, toReady] = [Math.min(...readyTimes), Math.max(...readyTimes)];
    await quiet(audit, SETTLE_MS);
    const created = audit.since(beforeFirst);
    const createReconciles = await reconciles(first);
    const rss = rssMiB(first.child.pid);

    // 4: tenants in keycloak mode, reconciled through the counting proxy.
    const beforeKeycloak = keycloak.calls();
    await createTenants(config, {
      namespaces: [KEYCLOAK_NAMESPACE],
      count: KEYCLOAK_TENANTS,
      secrets: { 'kc-admin': keycloak.adminSecret },
      spec: (index) => ({ identity: keycloak.identity(index, 'kc-admin') }),
    });
    await until(
      `${KEYCLOAK_TENANTS} Ready Keycloak tenants`,
      () => ready(KEYCLOAK_NAMESPACE).length >= KEYCLOAK_TENANTS,
    );
    await quiet(audit, SETTLE_MS);
    const keycloakCreate = callsSince(beforeKeycloak, keycloak.calls());
    const keycloakReconciles = (await reconciles(first)) - createReconciles;
    const keycloakCreateCounter = await keycloakCounter(first);

    // 3, 6: a standby whose controller has never run takes over when the leader stops (it releases
    // the Lease), then lists everything and reconciles every Ready tenant: that must write nothing.
    const second = await launch('bench-b');
    const beforeResync = audit.mark();
    const writesBefore = await apiserverWrites(config);
    const keycloakBefore = keycloak.calls();
    const stopping = performance.now();
    const exited = first.stop('SIGTERM').then(() => performance.now() - stopping);
    const released = await until('the standby leading after SIGTERM', () => leads(second), 60_000);
    const leaderExit = await exited;
    const all = TENANTS + KEYCLOAK_TENANTS;
    await until('a full resync', async () => (await reconciles(second)) >= all);
    await quiet(audit, RESYNC_QUIET_MS);
    const resync = audit.since(beforeResync);
    const writesAfter = await apiserverWrites(config);
    const apiserverWritten = Object.fromEntries(
      Object.entries(writesAfter).map(([key, count]) => [key, count - (writesBefore[key] ?? 0)]),
    );
    const apiserverTotal = Object.values(apiserverWritten).reduce((sum, count) => sum + count, 0);
    const keycloakResync = callsSince(keycloakBefore, keycloak.calls());
    const resynced = await reconciles(second);
    const resyncedRss = rssMiB(second.child.pid);
    const keycloakResyncCounter = await keycloakCounter(second);

    // 6: the leader killed, so nothing releases the Lease: the standby waits for it to expire.
    const third = await launch('bench-c');
    await second.stop('SIGKILL');
    const expired = await until('the standby leading after SIGKILL', () => leads(third), 60_000);

    return [
      {
        metric: `operator: time for ${TENANTS} tenants to be Ready (from operator start; real control plane, bench as kubelet)`,
        value: `${seconds(toReady)} (the first Ready at ${seconds(firstReady)})`,
      },
      {
        // The queue is FIFO: one pass creates every tenant's objects before their Deployments'
        // events bring them back, so the first Ready waits on that pass and nothing is a fixed cost.
        metric: `operator: modelled time for ${MODELLED.toLocaleString('en')} tenants to be Ready`,
        value: `${seconds((toReady * MODELLED) / TENANTS)} (proportional to the measured ${TENANTS}: assumes the reconciles per tenant and their cost stay as measured)`,
      },
      {
        metric: 'operator: API requests per reconcile (creating to Ready, audit log, Leases apart)',
        value: `${perReconcile(created.requests, createReconciles)} (${described(created)} [${breakdown(created.writesTo)}] / ${createReconciles} reconciles; ${perReconcile(created.requests, TENANTS)} per tenant)`,
      },
      {
        metric: 'operator: GETs of single objects per steady-state reconcile (audit log)',
        value: `${perReconcile(resync.gets, resynced)} (${described(resync)} / ${resynced} reconciles; GETs of ${breakdown(resync.getsOf)})`,
        target: '0: reads from informer caches',
      },
      {
        metric: `operator: writes in a steady-state resync of ${all} (standby taking over; audit log)`,
        value: `${resync.writes}${resync.writes ? ` (${breakdown(resync.writesTo)})` : ''} (+${resync.leaseWrites} Lease writes of ${resync.leaseRequests} Lease requests, both replicas)`,
        target: '0',
      },
      {
        metric: 'operator: writes in that resync (apiserver_request_total, every user, Leases apart)',
        value: `${apiserverTotal}${apiserverTotal ? ` (${breakdown(apiserverWritten)})` : ''}`,
        target: '0',
      },
      {
        metric: `operator: Keycloak calls per reconcile (${KEYCLOAK_TENANTS} keycloak-mode tenants, a realm each; creating to Ready)`,
        value: `${perReconcile(keycloakCreate.admin + keycloakCreate.signIns, keycloakReconciles)} (${keycloakDescribed(keycloakCreate)} / ${keycloakReconciles} reconciles; the operator's counter: ${keycloakCreateCounter})`,
      },
      {
        metric: `operator: Keycloak writes in that steady-state resync (${KEYCLOAK_TENANTS} keycloak-mode tenants)`,
        value: `${keycloakResync.writes} (${keycloakDescribed(keycloakResync)}; ${perReconcile(keycloakResync.admin + keycloakResync.signIns, KEYCLOAK_TENANTS)} per tenant; the counter of the replica that resynced: ${keycloakResyncCounter})`,
        target: '0',
      },
      {
        metric: `operator: RSS with ${TENANTS} tenants (pod Node flags; the replica that resynced ${all})`,
        value: `${mib(resyncedRss)} (the replica that created the ${TENANTS}: ${mib(rss)})`,
        target: '≤ 150 MB',
      },
      {
        metric: 'operator: standby leading after SIGTERM of the leader (it releases the Lease)',
        value: `${seconds(released)} (the leader exited ${Math.round(leaderExit)} ms after SIGTERM; signalled just after the standby's first try, so a whole retry period of ${retryPeriodMs(LEASE_DURATION_SECONDS) / 1000} s: the worst case)`,
      },
      {
        metric: `operator: standby leading after SIGKILL of the leader (Lease of ${LEASE_DURATION_SECONDS} s expires)`,
        value: `${seconds(expired)} (the standby tries every ${retryPeriodMs(LEASE_DURATION_SECONDS) / 1000} s, so ${LEASE_DURATION_SECONDS}-${LEASE_DURATION_SECONDS + retryPeriodMs(LEASE_DURATION_SECONDS) / 1000} s)`,
      },
    ];
  } finally {
    for (const operator of operators) await operator.stop().catch(() => undefined);
    await keycloak.stop().catch(() => undefined);
    await cluster.stop().catch(() => undefined);
    process.removeListener('exit', killAll);
    rmSync(directory, { recursive: true, force: true });
  }
}

import { CoordinationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaderElector } from '../../operator/leader.js';
import { startClusterWithCrd, type TestCluster, testNamespace } from './cluster.js';

describe('leader election on a Lease', () => {
  let api: TestCluster;
  let namespace = 'operators';
  let leases: CoordinationV1Api;
  let clock = new Date('2026-11-23T00:00:00Z');
  const elector = (identity: string, name = 'nextcloud-mcp-operator') =>
    new LeaderElector({
      leases,
      namespace,
      name,
      identity,
      leaseDurationSeconds: 15,
      now: () => clock,
    });

  beforeAll(async () => {
    const cluster = await startClusterWithCrd();
    api = cluster.api;
    namespace = await testNamespace(cluster.config, 'operators');
    leases = cluster.config.makeApiClient(CoordinationV1Api);
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('lets one replica lead while it renews, and another take over once it stops', async () => {
    const [a, b] = [elector('replica-a'), elector('replica-b')];
    expect(await a.tryAcquireOrRenew()).toBe(true);
    expect(await b.tryAcquireOrRenew()).toBe(false);
    clock = new Date(clock.getTime() + 10_000);
    expect(await a.tryAcquireOrRenew()).toBe(true);
    clock = new Date(clock.getTime() + 10_000);
    expect(await b.tryAcquireOrRenew()).toBe(false);
    clock = new Date(clock.getTime() + 20_000);
    expect(await b.tryAcquireOrRenew()).toBe(true);
    expect(await a.tryAcquireOrRenew()).toBe(false);
    const lease = await leases.readNamespacedLease({
      name: 'nextcloud-mcp-operator',
      namespace,
    });
    expect(lease.spec?.holderIdentity).toBe('replica-b');
    expect(lease.spec?.leaseTransitions).toBe(1);
  });

  it('never lets two replicas racing for a new lease both win', async () => {
    const results = await Promise.all([
      elector('replica-a', 'raced').tryAcquireOrRenew(),
      elector('replica-b', 'raced').tryAcquireOrRenew(),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('hands the lease to a standby at its next round once the leader releases it', async () => {
    const [a, b] = [elector('replica-a', 'released'), elector('replica-b', 'released')];
    expect(await a.tryAcquireOrRenew()).toBe(true);
    await a.release();
    clock = new Date(clock.getTime() + 2_000);
    expect(await b.tryAcquireOrRenew()).toBe(true);
    const lease = await leases.readNamespacedLease({ name: 'released', namespace });
    expect(lease.spec?.holderIdentity).toBe('replica-b');
  });
});

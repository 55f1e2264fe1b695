import {
  ApiException,
  type CoordinationV1Api,
  type V1Lease,
  type V1LeaseSpec,
} from '@kubernetes/client-node';

/**
 * How often every replica tries to acquire or renew: client-go's retry period (2 s), or a third
 * of a shorter lease, so a leader renews well within it and a released lease is taken up at once.
 */
export const retryPeriodMs = (leaseDurationSeconds: number) =>
  Math.min(2000, (leaseDurationSeconds * 1000) / 3);

export interface LeaderOptions {
  readonly leases: CoordinationV1Api;
  readonly namespace: string;
  readonly name: string;
  /** This replica's identity (pod name). */
  readonly identity: string;
  readonly leaseDurationSeconds: number;
  readonly now?: () => Date;
}

/**
 * A Lease's times are MicroTimes: RFC 3339 with exactly six fractional digits. kube-apiserver
 * refuses the three that `Date.toISOString` writes, which is how the client serializes a Date.
 */
class MicroTime extends Date {
  override toISOString(): string {
    return super.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
  }
}

/** The spec as the apiserver accepts it back: times read from a Lease come back as plain Dates. */
function writable(spec: V1LeaseSpec): V1LeaseSpec {
  return {
    ...spec,
    ...(spec.acquireTime ? { acquireTime: new MicroTime(spec.acquireTime) } : {}),
    ...(spec.renewTime ? { renewTime: new MicroTime(spec.renewTime) } : {}),
  };
}

/**
 * Leader election on a `coordination.k8s.io` Lease, as client-go's: a replica holds the lease
 * while it renews it; another takes it only once it has not been renewed for its duration.
 * Writes go through resourceVersion, so two replicas racing for it cannot both win.
 */
export class LeaderElector {
  constructor(private readonly options: LeaderOptions) {}

  /** Tries to acquire or renew the lease once; true when this replica leads afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { leases, namespace, name, identity, leaseDurationSeconds } = this.options;
    const now = (this.options.now ?? (() => new Date()))();
    let lease: V1Lease | undefined;
    try {
      lease = await leases.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (!(error instanceof ApiException && error.code === 404)) throw error;
    }
    const spec = { holderIdentity: identity, leaseDurationSeconds, renewTime: now };
    try {
      if (!lease) {
        await leases.createNamespacedLease({
          namespace,
          body: {
            metadata: { name, namespace },
            spec: writable({ ...spec, acquireTime: spec.renewTime, leaseTransitions: 0 }),
          },
        });
        return true;
      }
      const holder = lease.spec?.holderIdentity;
      const renewed = lease.spec?.renewTime ? new Date(lease.spec.renewTime).getTime() : 0;
      const expired =
        renewed + (lease.spec?.leaseDurationSeconds ?? leaseDurationSeconds) * 1000 < now.getTime();
      if (holder !== identity && !expired) return false;
      await leases.replaceNamespacedLease({
        name,
        namespace,
        body: {
          ...lease,
          spec: writable({
            ...lease.spec,
            ...spec,
            ...(holder === identity
              ? {}
              : { acquireTime: spec.renewTime, leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + 1 }),
          }),
        },
      });
      return true;
    } catch (error) {
      // Another replica wrote first (409): it leads this round.
      if (error instanceof ApiException && error.code === 409) return false;
      throw error;
    }
  }

  /**
   * Gives the lease up on shutdown (as client-go's ReleaseOnCancel), so a standby replica takes
   * over at its next round instead of waiting for the lease to expire.
   */
  async release(): Promise<void> {
    const { leases, namespace, name, identity } = this.options;
    const lease = await leases.readNamespacedLease({ name, namespace });
    if (lease.spec?.holderIdentity !== identity) return;
    await leases.replaceNamespacedLease({
      name,
      namespace,
      body: { ...lease, spec: writable({ ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 }) },
    });
  }
}

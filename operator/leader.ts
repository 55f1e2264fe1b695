import type { CoordinationV1Api, V1Lease, V1LeaseSpec } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { describeFailure } from '../config/failure.js';
import { fromKubernetes, KubernetesConflict, KubernetesNotFound } from './errors.js';

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
      const failure = fromKubernetes(error);
      if (!(failure instanceof KubernetesNotFound)) throw failure;
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
      // Another replica wrote first: it leads this round.
      const failure = fromKubernetes(error);
      if (failure instanceof KubernetesConflict) return false;
      throw failure;
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

/** What runs only while this replica leads: started on winning the lease, stopped on losing it. */
export interface LeaderWork {
  stop(): Promise<void>;
}

export interface LeadershipOptions {
  readonly elector: Pick<LeaderElector, 'tryAcquireOrRenew' | 'release'>;
  readonly retryPeriodMs: number;
  readonly log: Logger;
  readonly start: () => Promise<LeaderWork>;
  /** Told after each round whether this replica leads (the leader gauge). */
  readonly onRound?: (leading: boolean) => void;
}

/**
 * Runs `start`'s work only while this replica holds the Lease, trying every retry period; the
 * probes read `apiReachable` (a replica standing by is ready too, as long as it reaches the API).
 */
export class Leadership {
  /** Whether the last round reached the API server; undefined before the first. */
  private reachable: boolean | undefined;
  private work: LeaderWork | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: LeadershipOptions) {}

  apiReachable(): boolean {
    return this.reachable === true;
  }

  /** The first round, awaited; the next ones on a timer. */
  async start(): Promise<void> {
    await this.round();
    this.timer = setInterval(() => void this.round(), this.options.retryPeriodMs);
  }

  /** Work in flight finishes first; then the lease goes to a standby replica at once. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    const { work } = this;
    if (!work) return;
    await work.stop();
    this.work = undefined;
    await this.options.elector
      .release()
      .catch((error: unknown) => this.options.log.warn({ err: error }, 'could not release the lease'));
  }

  private async round(): Promise<void> {
    const { elector, log } = this.options;
    // An outage is told once when it starts and once when it ends, not every round.
    const leading = await elector.tryAcquireOrRenew().then(
      (won) => {
        if (this.reachable === false) log.info('leader election works again');
        this.reachable = true;
        return won;
      },
      (error: unknown) => {
        if (this.reachable === false) log.debug({ err: error }, 'leader election still failing');
        else log.warn(`leader election failed: ${describeFailure(error)}; not leading until it works again`);
        this.reachable = false;
        return false;
      },
    );
    this.options.onRound?.(leading);
    if (leading && !this.work) {
      log.info('leading: starting the controller');
      this.work = await this.options.start();
    } else if (!leading && this.work) {
      log.warn('lost the lease: stopping the controller');
      await this.work.stop();
      this.work = undefined;
    }
  }
}

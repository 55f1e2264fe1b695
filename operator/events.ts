import { randomBytes } from 'node:crypto';
import type { CoreV1Api } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Condition, NextcloudMcp } from '../contract/index.js';

export const EVENT_SOURCE = 'nextcloud-mcp-operator';

/** Kubernetes Events on a NextcloudMcp, for the transitions a person running `kubectl describe` wants. */
export interface EventRecorder {
  record(resource: NextcloudMcp, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
}

/**
 * Writes core/v1 Events. An Event that cannot be written is logged, not retried: events are
 * advisory and must never fail or repeat a reconcile.
 */
export function createEventRecorder(core: CoreV1Api, log: Logger, instance: string): EventRecorder {
  return {
    async record(resource, type, reason, message) {
      const now = new Date().toISOString();
      const { name, namespace } = resource.metadata;
      try {
        await core.createNamespacedEvent({
          namespace,
          body: {
            // Unique per event, as client-go's recorder names them: <object>.<hex>.
            metadata: {
              name: `${name}.${Date.now().toString(16)}${randomBytes(3).toString('hex')}`,
              namespace,
            },
            involvedObject: {
              apiVersion: resource.apiVersion,
              kind: resource.kind,
              name,
              namespace,
              ...(resource.metadata.uid ? { uid: resource.metadata.uid } : {}),
              ...(resource.metadata.resourceVersion
                ? { resourceVersion: resource.metadata.resourceVersion }
                : {}),
            },
            type,
            reason,
            message: message.slice(0, 1024),
            count: 1,
            firstTimestamp: new Date(now),
            lastTimestamp: new Date(now),
            source: { component: EVENT_SOURCE },
            reportingComponent: EVENT_SOURCE,
            reportingInstance: instance,
          },
        });
      } catch (error) {
        log.warn({ err: error, namespace, name, reason }, 'could not record an event');
      }
    },
  };
}

/** An Event to record on the resource. */
export interface ResourceEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

/**
 * The Events a status change deserves, from the conditions before and after it: Ready turning
 * either way, and a cleanup failure whenever it says something new (retrying says the same thing
 * once). A resource just created waits for its pods: that is progress, not a warning worth an
 * Event; and while deleting, Ready turns for the cleanup failure, which already has its own.
 */
export function transitionEvents(
  before: readonly Condition[] | undefined,
  after: readonly Condition[],
): ResourceEvent[] {
  const find = (conditions: readonly Condition[] | undefined, type: Condition['type']) =>
    conditions?.find((condition) => condition.type === type);
  const events: ResourceEvent[] = [];
  const [identityBefore, identity] = [find(before, 'IdentityConfigured'), find(after, 'IdentityConfigured')];
  if (
    identity?.reason === 'CleanupFailed' &&
    (identityBefore?.reason !== identity.reason || identityBefore.message !== identity.message)
  )
    events.push({ type: 'Warning', reason: identity.reason, message: identity.message });
  const [readyBefore, ready] = [find(before, 'Ready'), find(after, 'Ready')];
  const justCreated = !readyBefore && ready?.reason === 'ReplicasUnavailable';
  if (ready && ready.status !== readyBefore?.status && ready.reason !== 'CleanupFailed' && !justCreated)
    events.push({
      type: ready.status === 'True' ? 'Normal' : 'Warning',
      reason: ready.reason,
      message: ready.message,
    });
  return events;
}

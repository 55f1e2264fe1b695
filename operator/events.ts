import { randomBytes } from 'node:crypto';
import type { CoreV1Api } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { NextcloudMcp } from '../contract/index.js';

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

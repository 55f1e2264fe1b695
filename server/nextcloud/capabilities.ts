import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import type { App } from '../../contract/index.js';
import type { NextcloudClient } from './client.js';

/**
 * The capability each app publishes in `ocs/v2.php/cloud/capabilities` when it is installed and
 * enabled for the user. Apps not listed here (files, sharing, the DAV apps, Cookbook, Mail) publish no
 * reliable signal, so their tools are never hidden on this ground.
 */
const CAPABILITY: Partial<Record<App, string>> = {
  notes: 'notes',
  deck: 'deck',
  tables: 'tables',
  talk: 'spreed',
};

/** Capabilities per credential (hashed) for a few minutes: apps are enabled per user and group. */
const cache = new LRUCache<string, ReadonlySet<string>>({ max: 1000, ttl: 5 * 60_000 });

/**
 * The apps among `apps` whose tools can work for this caller: those without a capability signal,
 * and those whose capability Nextcloud reports. When the capabilities cannot be read, nothing is
 * hidden (the tools then say what went wrong themselves).
 */
export async function availableApps(
  nc: NextcloudClient,
  apps: ReadonlySet<App>,
  log: Logger,
): Promise<ReadonlySet<App>> {
  const key = createHash('sha256').update(nc.credentials.authorization).digest('hex');
  let reported = cache.get(key);
  if (!reported) {
    try {
      const data = await nc.ocs<{ capabilities?: Record<string, unknown> }>({
        method: 'GET',
        path: '/ocs/v2.php/cloud/capabilities',
        what: 'The capabilities',
      });
      reported = new Set(Object.keys(data.capabilities ?? {}));
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'capabilities unavailable; no tool hidden');
      return apps;
    }
    cache.set(key, reported);
  }
  const present = reported;
  return new Set(
    [...apps].filter((app) => {
      const capability = CAPABILITY[app];
      return capability === undefined || present.has(capability);
    }),
  );
}

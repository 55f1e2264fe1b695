import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { z } from 'zod';
import { APP_ROUTES, type App } from '../../contract/index.js';
import type { NextcloudClient } from './client.js';

/**
 * How Nextcloud tells a user which of the tenant's apps it has for them. Apps that publish a
 * capability in `ocs/v2.php/cloud/capabilities` are known by it; apps that publish none (Cookbook,
 * Mail, News, Collectives) by their entry in the user's app navigation
 * (`ocs/v2.php/core/navigation/apps`, which lists only apps enabled for that user). Files,
 * sharing and the DAV apps are part of every Nextcloud and are never hidden.
 */
const SIGNAL: Partial<Record<App, { capability: string } | { navigation: string }>> = {
  notes: { capability: 'notes' },
  deck: { capability: 'deck' },
  tables: { capability: 'tables' },
  talk: { capability: 'spreed' },
  cookbook: { navigation: 'cookbook' },
  mail: { navigation: 'mail' },
  news: { navigation: 'news' },
  collectives: { navigation: 'collectives' },
};

/** What Nextcloud reported; `undefined` where it could not be read (then nothing is hidden on that ground). */
interface Reported {
  readonly capabilities?: ReadonlySet<string>;
  readonly navigation?: ReadonlySet<string>;
  readonly version?: number;
}

/** The apps whose tools can work for a caller, and the apps whose REST routes refuse it, and why. */
export interface Availability {
  readonly present: ReadonlySet<App>;
  readonly refused: ReadonlyMap<App, string>;
}

/**
 * A bearer token (the proxy's exchanged token; standalone mode uses app passwords) passes the
 * apps' own REST routes only from Nextcloud 31, with `OCS-APIRequest` (nextcloud/server #46760).
 */
function refusedRoutes(bearer: boolean, version: number | undefined, apps: ReadonlySet<App>) {
  const refused = new Map<App, string>();
  if (!bearer || version === undefined || version >= 31) return refused;
  for (const app of apps) {
    const api = APP_ROUTES[app]?.api;
    if (api)
      refused.set(
        app,
        `needs Nextcloud 31 or later for bearer tokens on ${api}; this Nextcloud is ${version} (an app password works, or ask an administrator to upgrade)`,
      );
  }
  return refused;
}

/** Per credential (hashed) for a few minutes: apps are enabled per user and group. */
const cache = new LRUCache<string, Reported>({ max: 1000, ttl: 5 * 60_000 });

/**
 * The apps among `apps` whose tools can work for this caller: those without a signal, and those
 * Nextcloud reports; and, of those, the apps whose REST routes refuse this caller's credential.
 * What cannot be read hides nothing (the tools then say what went wrong).
 */
export async function availableApps(
  nc: NextcloudClient,
  apps: ReadonlySet<App>,
  log: Logger,
): Promise<Availability> {
  const key = nc.cacheKey;
  const bearer = nc.credentials.authorization.startsWith('Bearer ');
  let reported = cache.get(key);
  if (!reported) {
    const wants = (kind: 'capability' | 'navigation') =>
      [...apps].some((app) => {
        const signal = SIGNAL[app];
        return signal !== undefined && kind in signal;
      }) ||
      // The version, for a bearer token on apps with REST routes.
      (kind === 'capability' && bearer && [...apps].some((app) => app in APP_ROUTES));
    const [reading, navigation] = await Promise.all([
      wants('capability') ? readCapabilities(nc, log) : undefined,
      wants('navigation') ? navigationIds(nc, log) : undefined,
    ]);
    reported = { ...reading, ...(navigation ? { navigation } : {}) };
    // A signal that could not be read is asked for again next time rather than remembered as absent.
    if ((reading || !wants('capability')) && (navigation || !wants('navigation'))) cache.set(key, reported);
  }
  const { capabilities, navigation, version } = reported;
  const present = new Set(
    [...apps].filter((app) => {
      const signal = SIGNAL[app];
      if (!signal) return true;
      if ('capability' in signal) return !capabilities || capabilities.has(signal.capability);
      return !navigation || navigation.has(signal.navigation);
    }),
  );
  return { present, refused: refusedRoutes(bearer, version, present) };
}

/**
 * `cloud/capabilities`: the server version and what each app publishes. PHP sends an empty map as
 * `[]`, and which keys an app publishes is its own business, so only the envelope is checked.
 */
const Capabilities = z.looseObject({
  version: z.looseObject({ major: z.number() }).optional(),
  capabilities: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
});

/** One reading per credential (hashed) for a few minutes, shared by tool hiding, Deck and the resource. */
const answers = new LRUCache<string, z.output<typeof Capabilities>>({ max: 1000, ttl: 5 * 60_000 });

/** `cloud/capabilities` for this caller; a failed reading is not remembered. */
export async function capabilities(nc: NextcloudClient): Promise<z.output<typeof Capabilities>> {
  const cached = answers.get(nc.cacheKey);
  if (cached) return cached;
  const answer = await nc.ocs({
    method: 'GET',
    path: '/ocs/v2.php/cloud/capabilities',
    what: 'The capabilities',
    schema: Capabilities,
  });
  answers.set(nc.cacheKey, answer);
  return answer;
}

async function readCapabilities(
  nc: NextcloudClient,
  log: Logger,
): Promise<Pick<Reported, 'capabilities' | 'version'> | undefined> {
  try {
    const data = await capabilities(nc);
    return {
      capabilities: new Set(Object.keys(data.capabilities ?? {})),
      ...(data.version ? { version: data.version.major } : {}),
    };
  } catch (error) {
    log.warn({ err: (error as Error).message }, 'capabilities unavailable; no tool hidden on their ground');
    return undefined;
  }
}

/** The user's app navigation; only the app ids are read. */
const Navigation = z.array(z.looseObject({ id: z.union([z.string(), z.number()]) }));

async function navigationIds(nc: NextcloudClient, log: Logger): Promise<ReadonlySet<string> | undefined> {
  try {
    const entries = await nc.ocs({
      method: 'GET',
      path: '/ocs/v2.php/core/navigation/apps',
      query: { absolute: 'false' },
      what: 'The app navigation',
      schema: Navigation,
    });
    return new Set(entries.map((entry) => String(entry.id)));
  } catch (error) {
    log.warn({ err: (error as Error).message }, 'app navigation unavailable; no tool hidden on its ground');
    return undefined;
  }
}

import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import { z } from 'zod';
import { type App, decodeUserId, HEADERS, parseScopes, type Scope } from '../contract/index.js';
import type { ServerConfig } from './config.js';
import { availableApps } from './nextcloud/capabilities.js';
import { createHttpSettings, type HttpSettings, NextcloudClient } from './nextcloud/client.js';
import { UserFiles } from './nextcloud/files.js';
import type { Caller } from './registry.js';

/** The contract headers, as the proxy sets them. Parsed once per request, at the edge. */
const TrustedHeaders = z.object({
  [HEADERS.authorization]: z
    .string()
    .max(16_384)
    .regex(/^(Bearer|Basic) [\x21-\x7e]+$/, 'must be "Bearer <token>" or "Basic <credentials>"'),
  [HEADERS.user]: z
    .string()
    // A UTF-16 unit of the id takes at most 9 characters percent-encoded (3 UTF-8 bytes).
    .max(9 * 256)
    .transform((value, ctx) => {
      const user = decodeUserId(value);
      if (user === undefined) ctx.addIssue({ code: 'custom', message: 'must be percent-encoded UTF-8' });
      return user ?? '';
    })
    .pipe(
      z
        .string()
        .min(1)
        .max(256)
        .regex(/^[^/\\\0\r\n]+$/, 'must be a Nextcloud user id'),
    ),
  [HEADERS.scopes]: z.string().max(4096).default(''),
});

export class CallerHeaderError extends Error {}

/** True for peers on the loopback interface, the only ones whose contract headers count. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address);
}

/**
 * True for an `Origin` naming a loopback host: only a browser on this host could send one, and
 * then only for a page it loaded from here. The proxy drops the client's Origin after checking it.
 */
export function isLoopbackOrigin(origin: string): boolean {
  if (!URL.canParse(origin)) return false;
  const host = new URL(origin).hostname.replace(/^\[(.*)\]$/, '$1');
  return host === 'localhost' || isLoopback(host);
}

export interface CallerDeps {
  readonly http: HttpSettings;
  readonly apps: ReadonlySet<App>;
  readonly readMaxBytes: number;
  /** System tag names whose files no tool shows or touches (`EXCLUDED_TAGS`). */
  readonly excludedTags: readonly string[];
  readonly log: Logger;
}

/** What every caller of this process shares, from the configuration: the one wiring, for main.ts and the suites. */
export function callerDeps(config: ServerConfig, log: Logger): CallerDeps {
  return {
    http: createHttpSettings(config.NEXTCLOUD_URL, config.NEXTCLOUD_TIMEOUT_MS, config.ANSWER_MAX_BYTES),
    apps: new Set(config.APPS),
    readMaxBytes: config.READ_MAX_BYTES,
    excludedTags: config.EXCLUDED_TAGS,
    log,
  };
}

/** A caller from the proxy's headers; throws {@link CallerHeaderError} naming the bad header. */
export function callerFromHeaders(headers: IncomingHttpHeaders, deps: CallerDeps): Caller {
  const parsed = TrustedHeaders.safeParse(headers);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CallerHeaderError(`header ${String(issue?.path[0])}: ${issue?.message}`);
  }
  const values = parsed.data;
  return makeCaller(
    { authorization: values[HEADERS.authorization], user: values[HEADERS.user] },
    parseScopes(values[HEADERS.scopes]),
    deps,
  );
}

/** A caller with fixed credentials and scopes (standalone mode, tests). */
export function makeCaller(
  credentials: { authorization: string; user: string },
  scopes: ReadonlySet<Scope>,
  deps: CallerDeps,
): Caller {
  const log = deps.log.child({ user: credentials.user });
  return {
    user: credentials.user,
    scopes,
    apps: deps.apps,
    context: (signal) => {
      const nc = new NextcloudClient(deps.http, credentials, signal);
      return {
        nc,
        log,
        limits: { readMaxBytes: deps.readMaxBytes },
        files: new UserFiles(nc, deps.excludedTags, { log, readMaxBytes: deps.readMaxBytes }),
        grants: { scopes, apps: deps.apps },
        signal,
      };
    },
    availableApps: (signal) =>
      availableApps(new NextcloudClient(deps.http, credentials, signal), deps.apps, log),
  };
}

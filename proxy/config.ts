import { z } from 'zod';
import { appList, commaList as list, loadEnv, logLevel } from '../config/env.js';

const int = (fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(fallback);
const httpUrl = z.url({ protocol: /^https?$/ });

const ConfigSchema = z
  .object({
    PUBLIC_URL: httpUrl.transform((value) => value.replace(/\/+$/, '')),
    ISSUER_URL: httpUrl,
    CLIENT_ID: z.string().min(1).optional(),
    CLIENT_SECRET: z.string().min(1).optional(),
    AUTH_MODE: z.enum(['exchange', 'passthrough']).default('exchange'),
    NEXTCLOUD_AUDIENCE: z.string().min(1).default('nextcloud'),
    ACCEPTED_AUDIENCES: list.default([]),
    /**
     * Browser origins that may call /mcp (others: 403) and read CORS answers; requests without
     * `Origin` (non-browser clients) pass. Defaults to PUBLIC_URL's own origin.
     */
    ALLOWED_ORIGINS: list.pipe(z.array(httpUrl.transform((value) => new URL(value).origin))).default([]),
    APPS: appList,
    UPSTREAM_URL: httpUrl.default('http://127.0.0.1:8081'),
    HOST: z.string().min(1).default('0.0.0.0'),
    PORT: int(8080, 0, 65535),
    METRICS_PORT: int(9090, 0, 65535),
    LOG_LEVEL: logLevel,
    /** Keys session ids to their subject; defaults to a key derived from CLIENT_SECRET. */
    SESSION_SECRET: z.string().min(16).optional(),
    /** JWS algorithms accepted on access tokens (never `none`, never HS*). */
    TOKEN_ALGORITHMS: list
      .refine(
        (algs) =>
          algs.length > 0 && algs.every((alg) => /^(RS|PS|ES)(256|384|512)$|^EdDSA$|^Ed25519$/.test(alg)),
        {
          message: 'asymmetric JWS algorithms only (RS*, PS*, ES*, EdDSA)',
        },
      )
      .default(['RS256', 'PS256', 'ES256', 'EdDSA']),
    /**
     * The largest tool argument (nc_webdav_write_file's 3,000,000 characters) plus its envelope.
     * Bodies wait off-heap (Buffers) and are parsed one at a time within JSON_LIMITS, so what a
     * body costs the heap is about its size, briefly: well inside the pods' 96 MiB.
     */
    MAX_BODY_BYTES: int(4 * 1024 * 1024),
    /**
     * The bodies of all subjects together (per subject they are MAX_CONCURRENT_PER_SUBJECT ×
     * MAX_BODY_BYTES): six at the limit, so the container (192 Mi with a 96 MiB heap) holds.
     */
    MAX_BODY_BYTES_IN_FLIGHT: int(24 * 1024 * 1024),
    MAX_HEADER_BYTES: int(16 * 1024, 1024),
    UPSTREAM_TIMEOUT_MS: int(120_000),
    IDP_TIMEOUT_MS: int(5_000),
    MAX_CONCURRENT_PER_SUBJECT: int(16),
    JWKS_COOLDOWN_MS: int(30_000),
    INTROSPECTION_CACHE_TTL_S: int(60),
    /** Introspection calls per second (cache misses only): unknown tokens cannot flood the IdP. */
    INTROSPECTIONS_PER_SECOND: int(20),
    EXCHANGE_CACHE_SIZE: int(10_000),
    EXCHANGE_MARGIN_S: int(30, 0),
    SHUTDOWN_GRACE_MS: int(20_000),
  })
  .superRefine((config, ctx) => {
    const needsClient = config.AUTH_MODE === 'exchange';
    if (needsClient && !(config.CLIENT_ID && config.CLIENT_SECRET)) {
      ctx.addIssue({
        code: 'custom',
        path: ['CLIENT_ID'],
        message: 'CLIENT_ID and CLIENT_SECRET (or CLIENT_SECRET_FILE) are required in exchange mode',
      });
    }
    if (!config.SESSION_SECRET && !config.CLIENT_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['SESSION_SECRET'],
        message: 'required when there is no CLIENT_SECRET',
      });
    }
  });

/** The proxy's configuration, parsed once at start. */
export type ProxyConfig = z.output<typeof ConfigSchema> & {
  /** The protected resource: `PUBLIC_URL + "/mcp"`. */
  readonly resource: string;
  /** Every `aud` value a token may carry to be for us. */
  readonly audiences: readonly string[];
  /** `ALLOWED_ORIGINS`, or PUBLIC_URL's origin when none are set. */
  readonly origins: readonly string[];
};

/** Parses the environment once; see `config/env.ts` for `*_FILE` secrets and the error's shape. */
export function loadProxyConfig(env: NodeJS.ProcessEnv): ProxyConfig {
  const config = loadEnv(ConfigSchema, env, ['CLIENT_SECRET', 'SESSION_SECRET']);
  const resource = `${config.PUBLIC_URL}/mcp`;
  const audiences = [resource, ...(config.CLIENT_ID ? [config.CLIENT_ID] : []), ...config.ACCEPTED_AUDIENCES];
  const origins =
    config.ALLOWED_ORIGINS.length > 0 ? config.ALLOWED_ORIGINS : [new URL(config.PUBLIC_URL).origin];
  return { ...config, resource, audiences, origins };
}

import { z } from 'zod';
import type { Program } from '../config/cli.js';
import { appList, everyProblem, commaList as list, loadEnv, logLevel } from '../config/env.js';

const int = (fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(fallback);
const httpUrl = z.url({ protocol: /^https?$/ });

const ConfigSchema = z
  .object({
    PUBLIC_URL: httpUrl
      .transform((value) => value.replace(/\/+$/, ''))
      .describe('the URL clients reach this proxy at; its /mcp is the protected resource'),
    ISSUER_URL: httpUrl.describe('the OpenID issuer (e.g. a Keycloak realm); discovered at start'),
    CLIENT_ID: z
      .string()
      .min(1)
      .optional()
      .describe("the proxy's own client at the issuer; required in exchange mode"),
    CLIENT_SECRET: z.string().min(1).optional().describe("that client's secret; required in exchange mode"),
    AUTH_MODE: z
      .enum(['exchange', 'passthrough'])
      .default('exchange')
      .describe(
        "exchange: swap the client's token for a Nextcloud one; passthrough: the issuer is Nextcloud",
      ),
    NEXTCLOUD_AUDIENCE: z
      .string()
      .min(1)
      .default('nextcloud')
      .describe('the audience an exchanged token is asked for'),
    ACCEPTED_AUDIENCES: list
      .default([])
      .describe('more token audiences accepted besides PUBLIC_URL/mcp and CLIENT_ID, comma-separated'),
    // Requests without `Origin` (non-browser clients) pass.
    ALLOWED_ORIGINS: list
      .pipe(z.array(httpUrl.transform((value) => new URL(value).origin)))
      .default([])
      .describe("browser origins that may call /mcp, comma-separated; none means PUBLIC_URL's own"),
    APPS: appList,
    UPSTREAM_URL: httpUrl.default('http://127.0.0.1:8081').describe('the MCP server requests go on to'),
    HOST: z.string().min(1).default('0.0.0.0').describe('address to listen on'),
    PORT: int(8080, 0, 65535).describe('port of /mcp and the OAuth metadata; 0 picks one'),
    METRICS_PORT: int(9090, 0, 65535).describe('port of Prometheus /metrics; 0 picks one'),
    LOG_LEVEL: logLevel,
    SESSION_SECRET: z
      .string()
      .min(16)
      .optional()
      .describe('keys session ids to their subject, 16+ characters; derived from CLIENT_SECRET when unset'),
    // Never `none`, never HS*: a shared secret would let anyone holding it mint tokens.
    TOKEN_ALGORITHMS: list
      .refine(
        (algs) =>
          algs.length > 0 && algs.every((alg) => /^(RS|PS|ES)(256|384|512)$|^EdDSA$|^Ed25519$/.test(alg)),
        {
          message: 'asymmetric JWS algorithms only (RS*, PS*, ES*, EdDSA)',
        },
      )
      .default(['RS256', 'PS256', 'ES256', 'EdDSA'])
      .describe('JWS algorithms accepted on access tokens, comma-separated'),
    /**
     * The largest tool argument (nc_webdav_write_file's 3,000,000 characters) plus its envelope.
     * Bodies wait off-heap (Buffers) and are parsed one at a time within JSON_LIMITS, so what a
     * body costs the heap is about its size, briefly: well inside the pods' 96 MiB.
     */
    MAX_BODY_BYTES: int(4 * 1024 * 1024).describe('largest request body; larger ones get 413'),
    /**
     * The bodies of all subjects together (per subject they are MAX_CONCURRENT_PER_SUBJECT ×
     * MAX_BODY_BYTES): six at the limit, so the container (192 Mi with a 96 MiB heap) holds.
     */
    MAX_BODY_BYTES_IN_FLIGHT: int(24 * 1024 * 1024).describe(
      'request bytes of all subjects held at once; beyond, 503 with Retry-After',
    ),
    MAX_HEADER_BYTES: int(16 * 1024, 1024).describe('largest request head (431 beyond)'),
    UPSTREAM_TIMEOUT_MS: int(120_000).describe('deadline of one request to the MCP server, ms'),
    IDP_TIMEOUT_MS: int(5_000).describe('deadline of one call to the issuer (discovery, JWKS, exchange), ms'),
    MAX_CONCURRENT_PER_SUBJECT: int(16).describe("one subject's requests in flight at once; beyond, 429"),
    JWKS_COOLDOWN_MS: int(30_000).describe(
      'least time between two JWKS fetches (an unknown key triggers one), ms',
    ),
    INTROSPECTION_CACHE_TTL_S: int(60).describe("how long an opaque token's introspection is trusted, s"),
    // Unknown tokens cannot flood the IdP.
    INTROSPECTIONS_PER_SECOND: int(20).describe('introspection calls per second, cache misses only'),
    EXCHANGE_CACHE_SIZE: int(10_000).describe('exchanged tokens kept for reuse'),
    EXCHANGE_MARGIN_S: int(30, 0).describe('an exchanged token is replaced this long before it expires, s'),
    SHUTDOWN_GRACE_MS: int(20_000).describe('on SIGTERM, how long requests in flight may finish, ms'),
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
  }, everyProblem);

const PROXY_ENV = { schema: ConfigSchema, secretFiles: ['CLIENT_SECRET', 'SESSION_SECRET'] } as const;

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
  const config = loadEnv(PROXY_ENV, env);
  const resource = `${config.PUBLIC_URL}/mcp`;
  const audiences = [resource, ...(config.CLIENT_ID ? [config.CLIENT_ID] : []), ...config.ACCEPTED_AUDIENCES];
  const origins =
    config.ALLOWED_ORIGINS.length > 0 ? config.ALLOWED_ORIGINS : [new URL(config.PUBLIC_URL).origin];
  return { ...config, resource, audiences, origins };
}

export const PROXY_PROGRAM: Program<ProxyConfig> = {
  name: 'nextcloud-mcp-proxy',
  summary:
    "the OAuth sidecar in front of the MCP server: checks each client's token, exchanges it for a Nextcloud token, forwards /mcp",
  entry: 'proxy/main',
  env: PROXY_ENV,
  load: loadProxyConfig,
};

import { randomUUID } from 'node:crypto';
import cors from 'cors';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import { HEADERS, scopesForApps } from '../contract/index.js';
import type { ProxyConfig } from './config.js';
import { MissingTokenError, NotReadyError, TooManyRequestsError, UnknownSessionError } from './errors.js';
import { forward, upstreamHeaders } from './forward.js';
import { type Challenge, errorMiddleware } from './http-errors.js';
import { checkScopes, type RpcSummary, summarize } from './mcp-request.js';
import type { Metrics } from './metrics.js';
import type { SessionBinder } from './session.js';
import type { TokenExchanger } from './token-exchange.js';
import { hashToken, type Principal, type TokenValidator } from './token-validation.js';

/** What the app needs once the issuer is known; until then every /mcp request is "not ready". */
export interface Security {
  readonly validator: TokenValidator;
  /** Absent in passthrough mode: the client's token goes to Nextcloud as it is. */
  readonly exchanger: TokenExchanger | undefined;
}

export interface AppDeps {
  readonly config: ProxyConfig;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly sessions: SessionBinder;
  readonly dispatcher: Dispatcher;
  readonly security: () => Security | undefined;
}

const METADATA_PATH = '/.well-known/oauth-protected-resource';

/** The proxy's public HTTP face. */
export function createProxyApp(deps: AppDeps): express.Express {
  const { config, log, metrics } = deps;
  const tenantScopes = scopesForApps(config.APPS);
  const challenge: Challenge = {
    resourceMetadata: `${config.PUBLIC_URL}${METADATA_PATH}/mcp`,
    scopes: tenantScopes,
  };
  const active = new Map<string, number>();
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use((req, res, next) => {
    const route = routeOf(req.path);
    const stop = metrics.latency.startTimer({ route });
    res.once('close', () => {
      stop();
      metrics.requests.inc({ route, status: String(res.statusCode) });
    });
    next();
  });

  const metadata = {
    resource: config.resource,
    authorization_servers: [config.ISSUER_URL],
    scopes_supported: tenantScopes,
    bearer_methods_supported: ['header'],
    resource_name: 'Nextcloud MCP',
  };
  // Browser-based MCP clients (MCP Inspector) read the metadata and call /mcp cross-origin; bearer
  // tokens, not cookies, authenticate, so any origin may ask and no credentials are allowed.
  const crossOrigin = cors({
    origin: '*',
    allowedHeaders: [
      'authorization',
      'content-type',
      'mcp-session-id',
      'mcp-protocol-version',
      'last-event-id',
    ],
    exposedHeaders: ['mcp-session-id', 'www-authenticate', 'retry-after'],
    maxAge: 600,
  });
  app.use([METADATA_PATH, '/mcp'], crossOrigin);
  app.get([METADATA_PATH, `${METADATA_PATH}/mcp`], (_req, res) => {
    res.setHeader('cache-control', 'public, max-age=300');
    res.json(metadata);
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    res.status(deps.security() ? 200 : 503).json({ ready: Boolean(deps.security()) });
  });

  const rawBody = express.raw({ type: () => true, limit: config.MAX_BODY_BYTES });
  app.all('/mcp', async (req: Request, res: Response, next: NextFunction) => {
    const started = performance.now();
    const requestId = randomUUID();
    let principal: Principal | undefined;
    let tokenHash: string | undefined;
    let rpc: RpcSummary | undefined;
    // Registered first so the one audit event is written however the request ends.
    res.once('close', () =>
      log.info(
        {
          audit: true,
          requestId,
          subject: principal?.subject,
          clientId: principal?.clientId,
          token: tokenHash,
          method: rpc?.method ?? req.method,
          tool: rpc?.tools[0],
          status: res.statusCode,
          durationMs: Math.round(performance.now() - started),
        },
        'mcp request',
      ),
    );
    try {
      const security = deps.security();
      if (!security) throw new NotReadyError('issuer not discovered yet');
      const token = bearerToken(req.headers.authorization);
      tokenHash = hashToken(token).slice(0, 12);
      principal = await security.validator.validate(token);
      checkScopes(undefined, principal.scopes, config.APPS);
      if (req.method === 'POST') {
        await new Promise<void>((resolve, reject) =>
          rawBody(req, res, (error) => (error ? reject(error) : resolve())),
        );
        rpc = summarize(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
        checkScopes(rpc, principal.scopes, config.APPS);
      }
      const presented = req.headers['mcp-session-id'];
      const upstreamSession =
        typeof presented === 'string' ? deps.sessions.open(principal.subject, presented) : undefined;
      const count = active.get(principal.subject) ?? 0;
      if (count >= config.MAX_CONCURRENT_PER_SUBJECT) throw new TooManyRequestsError('per-subject limit');
      active.set(principal.subject, count + 1);
      try {
        const nextcloudToken = security.exchanger
          ? await security.exchanger.tokenFor(principal)
          : principal.token;
        const owner = principal;
        await forward(req, res, {
          upstream: new URL(config.UPSTREAM_URL),
          dispatcher: deps.dispatcher,
          body: req.method === 'POST' ? (req.body as Buffer) : undefined,
          headers: upstreamHeaders(req.headers, {
            [HEADERS.authorization]: `Bearer ${nextcloudToken}`,
            [HEADERS.user]: principal.username,
            [HEADERS.scopes]: [...principal.scopes].filter((scope) => tenantScopes.includes(scope)).join(' '),
            'x-request-id': requestId,
          }),
          sessionId: (upstreamId) => {
            if (typeof presented === 'string' && (upstreamId ?? '') === upstreamSession) return presented;
            return upstreamId !== undefined || rpc?.isInitialize
              ? deps.sessions.issue(owner.subject, upstreamId)
              : undefined;
          },
        });
      } finally {
        const left = (active.get(principal.subject) ?? 1) - 1;
        if (left > 0) active.set(principal.subject, left);
        else active.delete(principal.subject);
      }
    } catch (error) {
      logRefusal(log, { requestId, subject: principal?.subject, token: tokenHash }, error);
      next(error);
    }
  });

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  app.use(errorMiddleware(challenge, log));
  return app;
}

function bearerToken(header: string | undefined): string {
  const match = /^Bearer[ ]+([\x21-\x7e]+)[ ]*$/i.exec(header ?? '');
  if (!match?.[1]) throw new MissingTokenError('no bearer token');
  return match[1];
}

function routeOf(path: string): string {
  if (path === '/mcp') return '/mcp';
  if (path.startsWith(METADATA_PATH)) return METADATA_PATH;
  if (path === '/healthz' || path === '/readyz') return path;
  return 'other';
}

/** The detail a client never sees: which check failed, for whom (token as a short hash only). */
function logRefusal(log: Logger, who: Record<string, string | undefined>, error: unknown): void {
  const detail = {
    ...who,
    code: (error as { code?: unknown }).code,
    reason: (error as { reason?: unknown }).reason,
    message: error instanceof Error ? error.message : String(error),
  };
  if (error instanceof UnknownSessionError || error instanceof MissingTokenError) log.info(detail, 'refused');
  else log.warn(detail, 'refused');
}

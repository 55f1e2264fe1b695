import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { type BodyBounds, BodyBudget, readBudgetedBody } from '../contract/body-budget.js';
import {
  type Era,
  encodeUserId,
  eraOfHeaders,
  HEADERS,
  MCP_REQUEST_HEADERS,
  scopesForApps,
} from '../contract/index.js';
import { type AppDeps, EXPOSED_HEADERS, resourceMetadataUrl } from './deps.js';
import {
  BadRequestError,
  BodiesInFlightError,
  BodyTooLargeError,
  ForbiddenOriginError,
  MissingTokenError,
  NotReadyError,
  TooManyRequestsError,
  UnknownSessionError,
} from './errors.js';
import { forward, upstreamHeaders } from './forward.js';
import { type Challenge, sendError } from './http-errors.js';
import {
  type RpcSummary,
  requireHeadersAgree,
  requireTenantScope,
  requireToolScopes,
  summarize,
} from './mcp-request.js';
import { observeResponse } from './metrics.js';
import { hashToken, type Principal } from './token-validation.js';

/** Headers browser-based clients may read on /mcp answers (the preflight is answered by the app). */
const EXPOSED = EXPOSED_HEADERS.join(', ');

/**
 * The hot path, `GET/POST/DELETE /mcp`, on plain node:http: token → scopes → session →
 * concurrency → body → headers agree with it → tool scopes → exchange → forward, with one audit
 * event and the request metrics per request. 2026-07-28 requests have no session: the
 * `Mcp-Session-Id` such a client may send is ignored (not checked, not forwarded) and none is
 * minted, so any replica serves them with nothing but the token; 2025 sessions stay subject-bound
 * by an HMAC any replica can check.
 */
export function createMcpHandler(deps: AppDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { config, log, metrics } = deps;
  const tenantScopes = scopesForApps(config.APPS);
  const tenantApps = new Set(config.APPS);
  const challenge: Challenge = { resourceMetadata: resourceMetadataUrl(config), scopes: tenantScopes };
  const upstream = new URL(config.UPSTREAM_URL);
  const active = new Map<string, number>();
  const origins = new Set(config.origins);
  const bodies = new BodyBudget(config.MAX_BODY_BYTES_IN_FLIGHT);

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    audit: Audit,
    headersSent: () => void,
  ): Promise<void> {
    // MCP's transport rules: a browser page of another origin is refused before anything else.
    if (req.headers.origin !== undefined && !origins.has(req.headers.origin))
      throw new ForbiddenOriginError(`origin ${req.headers.origin.slice(0, 100)} not allowed`);
    const security = deps.security();
    if (!security) throw new NotReadyError('issuer not discovered yet');
    const token = bearerToken(req.headers.authorization);
    audit.token = hashToken(token).slice(0, 12);
    const principal = await security.validator.validate(token);
    audit.principal = principal;
    const held = requireTenantScope(principal.scopes, tenantScopes);
    const presented = audit.era === 'legacy' ? req.headers['mcp-session-id'] : undefined;
    const upstreamSession =
      typeof presented === 'string' ? deps.sessions.open(principal.subject, presented) : undefined;
    // Taken before the body is read: one subject can hold at most this many bodies in memory.
    const release = admit(principal.subject);
    try {
      let body: Buffer | undefined;
      if (req.method === 'POST') {
        // Only now, the caller known and admitted and the body's length reserved, is a client that
        // expects 100-continue asked for its body.
        body = await readBody(req, res, {
          limit: config.MAX_BODY_BYTES,
          budget: bodies,
          answersContinue: true,
        });
        audit.rpc = summarize(body, req.headers);
        audit.era = audit.rpc.era;
        // Before scopes, exchange and forward: a header its body contradicts is never acted on.
        requireHeadersAgree(audit.rpc);
        requireToolScopes(audit.rpc, principal.scopes, tenantApps, held);
      }
      const nextcloudToken = security.exchanger
        ? await security.exchanger.tokenFor(principal)
        : principal.token;
      await forward(req, res, {
        upstream,
        dispatcher: deps.dispatcher,
        body,
        headersSent,
        headers: upstreamHeaders(req.headers, {
          [HEADERS.authorization]: `Bearer ${nextcloudToken}`,
          [HEADERS.user]: encodeUserId(principal.username),
          [HEADERS.scopes]: [...principal.scopes].filter((scope) => tenantScopes.includes(scope)).join(' '),
          'x-request-id': requestId,
          // The upstream's own session id, recovered from the bound one the client holds.
          ...(upstreamSession ? { 'mcp-session-id': upstreamSession } : {}),
        }),
        sessionId: (upstreamId) => {
          if (audit.era === 'modern') return undefined;
          if (typeof presented === 'string' && (upstreamId ?? '') === upstreamSession) return presented;
          return upstreamId !== undefined || audit.rpc?.isInitialize
            ? deps.sessions.issue(principal.subject, upstreamId)
            : undefined;
        },
      });
    } finally {
      release();
    }
  }

  /** Counts one more request of `subject` in flight, refusing it (429) past the limit. */
  function admit(subject: string): () => void {
    const count = active.get(subject) ?? 0;
    if (count >= config.MAX_CONCURRENT_PER_SUBJECT) throw new TooManyRequestsError('per-subject limit');
    active.set(subject, count + 1);
    return () => {
      const left = (active.get(subject) ?? 1) - 1;
      if (left > 0) active.set(subject, left);
      else active.delete(subject);
    };
  }

  return (req, res) => {
    const started = performance.now();
    const observed = observeResponse(metrics, '/mcp', res, req.method);
    const requestId = randomUUID();
    // Until the body is read, the headers tell the era (a 2026 client sends its version on every POST).
    const audit: Audit = { era: eraOfHeaders(req.headers[MCP_REQUEST_HEADERS.protocolVersion]) };
    const origin = req.headers.origin;
    if (origin !== undefined && origins.has(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-expose-headers', EXPOSED);
      res.setHeader('vary', 'Origin');
    }
    // Registered first so the one audit event is written however the request ends.
    res.once('close', () => {
      observed.closed();
      log.info(
        {
          audit: true,
          requestId,
          subject: audit.principal?.subject,
          clientId: audit.principal?.clientId,
          token: audit.token,
          method: audit.rpc?.method ?? req.method,
          tool: bounded(audit.rpc?.tools[0]),
          target: bounded(audit.rpc?.target),
          era: audit.era,
          status: res.statusCode,
          durationMs: Math.round(performance.now() - started),
        },
        'mcp request',
      );
    });
    handle(req, res, requestId, audit, observed.headersSent).catch((error: unknown) => {
      logRefusal(log, { requestId, subject: audit.principal?.subject, token: audit.token }, error);
      if (res.headersSent) res.destroy();
      else
        sendError(res, error, challenge, log.child({ requestId }), {
          era: audit.era,
          id: audit.rpc?.id ?? null,
        });
    });
  };
}

interface Audit {
  era: Era;
  principal?: Principal;
  token?: string;
  rpc?: RpcSummary;
}

/** A client-chosen name, cut short: one audit line per request must not carry a 4 MiB body's worth. */
function bounded(name: string | undefined): string | undefined {
  return name !== undefined && name.length > AUDIT_NAME_CHARS ? `${name.slice(0, AUDIT_NAME_CHARS)}…` : name;
}
const AUDIT_NAME_CHARS = 200;

function bearerToken(header: string | undefined): string {
  const match = /^Bearer[ ]+([\x21-\x7e]+)[ ]*$/i.exec(header ?? '');
  if (!match?.[1]) throw new MissingTokenError('no bearer token');
  return match[1];
}

/**
 * Reads a request body, refusing it (413) as soon as it passes its limit, and (503) when the
 * bodies of all subjects would pass the budget: per subject alone, many subjects could fill the pod.
 */
async function readBody(req: IncomingMessage, res: ServerResponse, options: BodyBounds): Promise<Buffer> {
  const read = await readBudgetedBody(req, res, options);
  if ('body' in read) return read.body;
  if (read.refused === 'busy')
    throw new BodiesInFlightError(`over ${options.budget.held} body bytes in flight`);
  if (read.refused === 'too large') throw new BodyTooLargeError('body over the limit');
  throw new BadRequestError('body could not be read');
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

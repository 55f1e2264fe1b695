import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, type McpHttpHandler } from '@modelcontextprotocol/server';
import { type BodyBounds, BodyBudget, type BodyRefusal, readBudgetedBody } from '../contract/body-budget.js';
import {
  eraOf,
  headerMismatch,
  MCP_REQUEST_HEADERS,
  mirroredHeaders,
  parseBoundedJson,
  RPC_CODES,
  rpcIdOf,
} from '../contract/index.js';
import {
  type CallerDeps,
  CallerHeaderError,
  callerFromHeaders,
  isLoopback,
  isLoopbackOrigin,
} from './caller.js';
import type { ServerConfig } from './config.js';
import { createMcpServer } from './mcp.js';
import type { AnyTool, Caller } from './registry.js';

/** What request bodies may cost this process: one (413 beyond), all at once (503 beyond). */
export type BodyLimits = Pick<ServerConfig, 'MAX_BODY_BYTES' | 'MAX_BODY_BYTES_IN_FLIGHT'>;

/**
 * The pod's HTTP face: `/mcp` (streamable HTTP, stateless so any replica can answer any
 * request) and `/healthz`. Only loopback peers (the proxy sidecar) get past the door.
 *
 * `/mcp` serves both eras through the SDK's entry: a request with the 2026-07-28 `_meta`
 * envelope is checked (version, standard headers, capabilities) and answered statelessly with
 * `server/discover` and stamped results; anything else goes to its stateless 2025 leg
 * (`initialize` included, no session minted). Either way a fresh server per request.
 */
export function createHttpServer(tools: readonly AnyTool[], deps: CallerDeps, limits: BodyLimits): Server {
  const bodies = { limit: limits.MAX_BODY_BYTES, budget: new BodyBudget(limits.MAX_BODY_BYTES_IN_FLIGHT) };
  // The factory sees only the Web request; `handleMcp` read its caller from the contract headers
  // (answering 401 without one) before handing it over, so a missing entry is a bug of ours.
  const callers = new WeakMap<Request, Caller>();
  const mcp = createMcpHandler(
    ({ requestInfo }) => {
      const caller = requestInfo && callers.get(requestInfo);
      if (!caller) throw new Error('MCP request without a caller');
      return createMcpServer(tools, caller);
    },
    {
      legacy: 'stateless',
      // Our bound already applied to the body it is handed; the same one, should it read again.
      maxRequestBodySize: limits.MAX_BODY_BYTES,
      // Envelope and header refusals (answered already) and failures of the server it built.
      onerror: (error) => deps.log.warn({ err: error }, 'MCP request refused or failed'),
    },
  );
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' && req.method === 'GET') return reply(res, 200, { status: 'ok' });
    if (path !== '/mcp') return reply(res, 404, { error: 'not found' });
    if (!isLoopback(req.socket.remoteAddress)) {
      deps.log.warn({ peer: req.socket.remoteAddress }, 'refused a non-loopback peer');
      return reply(res, 403, { error: 'forbidden' });
    }
    // MCP's transport rules against DNS rebinding: a page of another origin gets nothing.
    if (req.headers.origin !== undefined && !isLoopbackOrigin(req.headers.origin)) {
      deps.log.warn({ origin: req.headers.origin.slice(0, 100) }, 'refused a foreign origin');
      return reply(res, 403, { error: 'forbidden' });
    }
    handleMcp(req, res, { mcp, callers }, deps, bodies).catch((error: unknown) => {
      deps.log.error({ err: error }, 'MCP request failed');
      if (!res.headersSent) reply(res, 500, rpcError(RPC_CODES.internalError, 'internal error'));
      else res.destroy();
    });
  });
}

/** The SDK's entry, and where it finds the caller of each request it is handed. */
interface Entry {
  readonly mcp: McpHttpHandler;
  readonly callers: WeakMap<Request, Caller>;
}

async function handleMcp(
  req: IncomingMessage,
  res: ServerResponse,
  { mcp, callers }: Entry,
  deps: CallerDeps,
  bodies: BodyBounds,
): Promise<void> {
  let caller: ReturnType<typeof callerFromHeaders>;
  try {
    caller = callerFromHeaders(req.headers, deps);
  } catch (error) {
    if (!(error instanceof CallerHeaderError)) throw error;
    deps.log.warn({ reason: error.message }, 'request without valid contract headers');
    return reply(res, 401, rpcError(RPC_CODES.invalidRequest, `unauthorized: ${error.message}`));
  }
  let body: unknown;
  if (req.method === 'POST') {
    const read = await readJson(req, res, bodies);
    if ('status' in read) {
      if (read.status === 503) {
        deps.log.warn({ bytesInFlight: bodies.budget.held }, 'refused a body: too many bytes in flight');
        res.setHeader('retry-after', '1');
        return reply(res, 503, rpcError(RPC_CODES.internalError, read.reason));
      }
      deps.log.warn({ reason: read.reason }, 'refused a request body');
      return reply(res, read.status, rpcError(RPC_CODES.parseError, read.reason));
    }
    body = read.value;
    // The proxy checked this too; a header the body contradicts is still never acted on here.
    // Ours, not only the SDK's: that one checks enveloped (2026) requests alone, this also a
    // 2025 request with a header its body contradicts, by the proxy's very rule.
    const mismatch = headerMismatch(
      body,
      mirroredHeaders(req.headers),
      eraOf(body, req.headers[MCP_REQUEST_HEADERS.protocolVersion]),
    );
    if (mismatch) {
      deps.log.warn({ reason: mismatch }, 'refused routing headers that disagree with the body');
      return reply(
        res,
        400,
        rpcError(RPC_CODES.headerMismatch, `header mismatch: ${mismatch}`, rpcIdOf(body)),
      );
    }
  }
  const handle = toNodeHandler({
    fetch: (request, options) => {
      callers.set(request, caller);
      return mcp.fetch(request, options);
    },
  });
  await handle(req, res, body);
}

/** Why a body was not read, as this server answers it. */
const REFUSED: Record<BodyRefusal, { status: number; reason: string }> = {
  busy: { status: 503, reason: 'busy; retry later' },
  'too large': { status: 413, reason: 'body too large' },
  unreadable: { status: 400, reason: 'body could not be read' },
};

/** The body as JSON within the limits both programs apply (the SDK's own reading has none). */
async function readJson(
  req: IncomingMessage,
  res: ServerResponse,
  bodies: BodyBounds,
): Promise<{ value: unknown } | { status: number; reason: string }> {
  const read = await readBudgetedBody(req, res, bodies);
  if ('refused' in read) return REFUSED[read.refused];
  const parsed = parseBoundedJson(read.body);
  return 'refused' in parsed ? { status: 400, reason: `parse error: ${parsed.refused}` } : parsed;
}

function rpcError(code: number, message: string, id: string | number | null = null) {
  return { jsonrpc: '2.0', error: { code, message }, id };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

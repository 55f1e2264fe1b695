import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { type CallerDeps, CallerHeaderError, callerFromHeaders, isLoopback } from './caller.js';
import { createMcpServer } from './mcp.js';
import type { AnyTool } from './registry.js';

/**
 * The pod's HTTP face: `/mcp` (streamable HTTP, stateless so any replica can answer any
 * request) and `/healthz`. Only loopback peers (the proxy sidecar) get past the door.
 */
export function createHttpServer(tools: readonly AnyTool[], deps: CallerDeps): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' && req.method === 'GET') return reply(res, 200, { status: 'ok' });
    if (path !== '/mcp') return reply(res, 404, { error: 'not found' });
    if (!isLoopback(req.socket.remoteAddress)) {
      deps.log.warn({ peer: req.socket.remoteAddress }, 'refused a non-loopback peer');
      return reply(res, 403, { error: 'forbidden' });
    }
    handleMcp(req, res, tools, deps).catch((error: unknown) => {
      deps.log.error({ err: error }, 'MCP request failed');
      if (!res.headersSent) reply(res, 500, rpcError('internal error'));
      else res.destroy();
    });
  });
}

async function handleMcp(
  req: IncomingMessage,
  res: ServerResponse,
  tools: readonly AnyTool[],
  deps: CallerDeps,
): Promise<void> {
  let caller: ReturnType<typeof callerFromHeaders>;
  try {
    caller = callerFromHeaders(req.headers, deps);
  } catch (error) {
    if (!(error instanceof CallerHeaderError)) throw error;
    deps.log.warn({ reason: error.message }, 'request without valid contract headers');
    return reply(res, 401, rpcError(`unauthorized: ${error.message}`));
  }
  const server = createMcpServer(tools, caller);
  // Stateless and plain JSON: a tool call is one request and one answer, on any replica.
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res);
}

function rpcError(message: string) {
  return { jsonrpc: '2.0', error: { code: -32001, message }, id: null };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';
import express from 'express';
import { expectsContinue } from '../contract/body-budget.js';
import { scopesForApps } from '../contract/index.js';
import { type AppDeps, EXPOSED_HEADERS, METADATA_PATH, resourceMetadataUrl } from './deps.js';
import { sendError } from './http-errors.js';
import { createMcpHandler } from './mcp-handler.js';
import { observeResponse } from './metrics.js';

/**
 * The proxy's public HTTP face: MCP requests go straight to the lean `/mcp` handler (the hot
 * path), everything else (metadata, probes, CORS preflight) through a small express app.
 * It also serves `checkContinue`: a body announced with `Expect: 100-continue` is asked for only
 * once the request has passed the checks that come before reading it.
 */
export function createProxyHandler(deps: AppDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const app = createProxyApp(deps);
  const mcp = createMcpHandler(deps);
  return (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path === '/mcp' && req.method !== 'OPTIONS') return mcp(req, res);
    // No route here reads a body, so there is nothing to hold back.
    if (expectsContinue(req)) res.writeContinue();
    app(req, res);
  };
}

function createProxyApp(deps: AppDeps): express.Express {
  const { config, log, metrics } = deps;
  const tenantScopes = scopesForApps(config.APPS);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use((req, res, next) => {
    res.once('close', observeResponse(metrics, routeOf(req.path), res).closed);
    next();
  });

  const metadata = {
    resource: config.resource,
    authorization_servers: [config.ISSUER_URL],
    scopes_supported: tenantScopes,
    bearer_methods_supported: ['header'],
    resource_name: 'Nextcloud MCP',
  };
  // Browser-based MCP clients (MCP Inspector) read the metadata and call /mcp cross-origin: the
  // allowed origins get CORS answers (bearer tokens, never credentials), any other none.
  const crossOrigin = cors({
    origin: [...config.origins],
    allowedHeaders: [
      'authorization',
      'content-type',
      'mcp-session-id',
      'mcp-protocol-version',
      // MCP 2026-07-28's routing headers, sent on every POST.
      'mcp-method',
      'mcp-name',
      'last-event-id',
    ],
    exposedHeaders: EXPOSED_HEADERS,
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

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  const challenge = { resourceMetadata: resourceMetadataUrl(config), scopes: tenantScopes };
  app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    sendError(res, error, challenge, log);
  });
  return app;
}

/** The `route` label: bounded, any path but these is `other`, so no client can mint new series. */
function routeOf(path: string): string {
  if (path === '/mcp') return '/mcp';
  if (path.startsWith(METADATA_PATH)) return METADATA_PATH;
  if (path === '/healthz' || path === '/readyz') return path;
  return 'other';
}

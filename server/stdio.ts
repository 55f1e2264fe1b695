import { serveStdio as serveMcpStdio } from '@modelcontextprotocol/server/stdio';
import { ALL_SCOPES } from '../contract/index.js';
import { type CallerDeps, makeCaller } from './caller.js';
import { createMcpServer } from './mcp.js';
import type { AnyTool } from './registry.js';

/**
 * Standalone desktop mode: one person, one app password, every scope. Never used in the pod,
 * where credentials come per request from the proxy. The SDK pins each connection's era from its
 * opening: `initialize` (2025) or `server/discover` and enveloped requests (2026-07-28).
 */
export function serveStdio(
  tools: readonly AnyTool[],
  deps: CallerDeps,
  login: { user: string; appPassword: string },
): void {
  const authorization = `Basic ${Buffer.from(`${login.user}:${login.appPassword}`).toString('base64')}`;
  const caller = makeCaller({ authorization, user: login.user }, new Set(ALL_SCOPES), deps);
  serveMcpStdio(() => createMcpServer(tools, caller), {
    legacy: 'serve',
    onerror: (error) => deps.log.warn({ err: error }, 'stdio MCP error'),
  });
}

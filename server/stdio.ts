import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { ALL_SCOPES } from '../contract/index.js';
import { type CallerDeps, makeCaller } from './caller.js';
import { createMcpServer } from './mcp.js';
import type { AnyTool } from './registry.js';

/**
 * Standalone desktop mode: one person, one app password, every scope. Never used in the pod,
 * where credentials come per request from the proxy.
 */
export async function serveStdio(
  tools: readonly AnyTool[],
  deps: CallerDeps,
  login: { user: string; appPassword: string },
): Promise<void> {
  const authorization = `Basic ${Buffer.from(`${login.user}:${login.appPassword}`).toString('base64')}`;
  const caller = makeCaller({ authorization, user: login.user }, new Set(ALL_SCOPES), deps);
  await createMcpServer(tools, caller).connect(new StdioServerTransport());
}

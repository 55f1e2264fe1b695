import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, expect } from 'vitest';
import { ALL_SCOPES, HEADERS } from '../contract/index.js';
import { startServer } from '../dev/mcp-server.js';
import { basicAuth, startTarget, type Target } from '../dev/target.js';

export {
  basicAuth,
  groupwareAvailable,
  STANDIN_GROUPS,
  STANDIN_USERS,
  startTarget,
  type Target,
  webdavAvailable,
} from '../dev/target.js';

/** An MCP client that talks to the server as the proxy would: contract headers from loopback. */
export async function connectClient(
  serverUrl: string,
  target: Target,
  scopes: readonly string[] = ALL_SCOPES,
): Promise<Client> {
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(serverUrl), {
    requestInit: {
      headers: {
        [HEADERS.authorization]: basicAuth(target.user, target.appPassword),
        [HEADERS.user]: target.user,
        [HEADERS.scopes]: scopes.join(' '),
      },
    },
  });
  await client.connect(transport);
  return client;
}

/** Calls a tool and returns its result with the structured content typed loosely for assertions. */
export async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary structured fields
  return { ...result, data: result.structuredContent as any, text: textOf(result) };
}

/** A call that must succeed (the tool's own message says why it did not); its structured result. */
export async function callOk(client: Client, name: string, args: Record<string, unknown> = {}) {
  const result = await call(client, name, args);
  expect(result.isError, `${name}: ${result.text}`).toBeFalsy();
  return result.data;
}

export function textOf(result: CallToolResult): string {
  return result.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
}

/** A name unique to this run, so suites can share a real Nextcloud without colliding. */
export function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}

/**
 * Registers hooks that start a target, a server on it and a connected client before a suite,
 * and stop them after; the returned object holds them once `beforeAll` ran.
 */
export function useServer(
  options: {
    webdav?: boolean;
    groupware?: boolean;
    timeoutMs?: number;
    readMaxBytes?: number;
    excludedTags?: readonly string[];
  } = {},
) {
  const env = {} as { target: Target; server: Awaited<ReturnType<typeof startServer>>; client: Client };
  beforeAll(async () => {
    env.target = await startTarget({
      ...(options.webdav ? { webdav: true } : {}),
      ...(options.groupware ? { groupware: true } : {}),
    });
    env.server = await startServer(env.target, options);
    env.client = await connectClient(env.server.url, env.target);
  });
  afterAll(async () => {
    await env.client?.close();
    await env.server?.stop();
    await env.target?.stop();
  });
  return env;
}

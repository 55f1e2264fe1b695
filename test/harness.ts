import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll } from 'vitest';
import { ALL_SCOPES, HEADERS } from '../contract/index.js';
import { type ApacheWebdav, apacheAvailable, startApacheWebdav } from '../dev/apache-webdav.js';
import { startServer } from '../dev/mcp-server.js';
import { type NextcloudStandin, startNextcloudStandin } from '../dev/nextcloud/nextcloud.js';
import { radicaleAvailable, startRadicale } from './standins/radicale.js';

/**
 * The Nextcloud the suites run against: the real one when TEST_NEXTCLOUD_URL (+ user and app
 * password) is set, else the stand-in backed by a real WebDAV server (Apache mod_dav).
 */
export interface Target {
  readonly url: string;
  readonly user: string;
  readonly appPassword: string;
  /** Present only with the stand-in: fault injection and request log. */
  readonly standin?: NextcloudStandin;
  stop(): Promise<void>;
}

export const STANDIN_USERS = { alice: 'alice-app-password', bob: 'bob-app-password' };
export const STANDIN_GROUPS = { staff: ['alice', 'bob'] };

/** True when WebDAV-backed suites can run; in CI a missing server is a failure, not a skip. */
export function webdavAvailable(): boolean {
  if (process.env.TEST_NEXTCLOUD_URL || apacheAvailable()) return true;
  if (process.env.CI)
    throw new Error('CI needs apache2 (mod_dav) for the WebDAV suites; .ci/run installs it');
  console.warn(
    'apache2 with mod_dav is not installed: WebDAV-backed suites are skipped (apt-get install apache2)',
  );
  return false;
}

/** True when the CalDAV/CardDAV suites can run (Radicale here, or a real Nextcloud). */
export function groupwareAvailable(): boolean {
  return Boolean(process.env.TEST_NEXTCLOUD_URL) || radicaleAvailable();
}

export async function startTarget(options: { webdav?: boolean; groupware?: boolean } = {}): Promise<Target> {
  const real = process.env.TEST_NEXTCLOUD_URL;
  if (real) {
    const user = process.env.TEST_NEXTCLOUD_USER;
    const appPassword = process.env.TEST_NEXTCLOUD_APP_PASSWORD;
    if (!user || !appPassword)
      throw new Error('TEST_NEXTCLOUD_URL needs TEST_NEXTCLOUD_USER and TEST_NEXTCLOUD_APP_PASSWORD');
    return { url: real, user, appPassword, stop: async () => {} };
  }
  let apache: ApacheWebdav | undefined;
  if (options.webdav) apache = await startApacheWebdav(Object.keys(STANDIN_USERS));
  const radicale = options.groupware ? await startRadicale() : undefined;
  const standin = await startNextcloudStandin({
    users: STANDIN_USERS,
    groups: STANDIN_GROUPS,
    ...(apache ? { davUrl: apache.url } : {}),
    // The DAV principal differs from the login name, as for LDAP/OIDC users: clients must discover it.
    ...(radicale ? { groupwareUrl: radicale.url, davPrincipal: (user: string) => `principal-${user}` } : {}),
  });
  return {
    url: standin.url,
    user: 'alice',
    appPassword: STANDIN_USERS.alice,
    standin,
    async stop() {
      await standin.stop();
      await apache?.stop();
      await radicale?.stop();
    },
  };
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

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

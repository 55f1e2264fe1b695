import type { IncomingHttpHeaders } from 'node:http';
import type { OAuthClientProvider, OAuthDiscoveryState } from '@modelcontextprotocol/client';
import { afterAll, beforeAll } from 'vitest';
import { ALL_SCOPES, CATALOGUE, type Scope } from '../../contract/index.js';
import { DEMO_USER, type FullPath, OTHER_USER, startFullPath } from '../../dev/full-path.js';
import { authorize, connectWithOAuth, MemoryOAuthProvider } from '../oauth-client.js';

/** What the suites that drive an SDK client through the whole local path watch. */
export interface Journey {
  readonly path: FullPath;
  /** Headers of every request that reached the MCP server behind the proxy. */
  readonly reached: IncomingHttpHeaders[];
  /** Client ids the IdP registered dynamically (RFC 7591), in order. */
  readonly registered: string[];
  /** Status and challenge of every answer the proxy gave on /mcp to a client using `fetch`. */
  readonly answers: { status: number; challenge: string | null }[];
  /** The fetch to give SDK clients: records `answers`, and adds the headers `tampered` says. */
  readonly fetch: (url: string | URL, init?: RequestInit) => Promise<Response>;
  /** Runs `act` with `headers` set on every request to /mcp, as a buggy host or an intermediary would. */
  tampered<T>(headers: Record<string, string>, act: () => Promise<T>): Promise<T>;
}

/**
 * Registers hooks that start the whole path (IdP → proxy → server → Nextcloud stand-in) before a
 * suite and stop it after; `options` is read in `beforeAll`, so it may use what earlier hooks made.
 */
export function useFullPath(options: () => Parameters<typeof startFullPath>[0] = () => ({})): Journey {
  let added: Record<string, string> = {};
  const journey = {
    reached: [],
    registered: [],
    answers: [],
    async fetch(url: string | URL, init?: RequestInit) {
      const toMcp = String(url) === journey.path.mcpUrl;
      const headers = new Headers(init?.headers);
      if (toMcp) for (const [name, value] of Object.entries(added)) headers.set(name, value);
      const response = await fetch(url, { ...init, headers });
      if (toMcp) {
        journey.answers.push({
          status: response.status,
          challenge: response.headers.get('www-authenticate'),
        });
      }
      return response;
    },
    async tampered<T>(headers: Record<string, string>, act: () => Promise<T>) {
      added = headers;
      try {
        return await act();
      } finally {
        added = {};
      }
    },
  } as unknown as { -readonly [K in keyof Journey]: Journey[K] };
  beforeAll(async () => {
    journey.path = await startFullPath(options());
    journey.path.server.httpServer.prependListener('request', (req) => journey.reached.push(req.headers));
    journey.path.idp.provider.on('registration_create.success', (_ctx, client) => {
      journey.registered.push(client.clientId);
    });
  });
  afterAll(async () => {
    await journey.path?.stop();
  });
  return journey;
}

/**
 * The 2025 provider already fits the v2 interface; a v2 client also keeps what discovery found,
 * so it can check that the code is redeemed at the authorization server it was minted by.
 */
export class DiscoveringProvider extends MemoryOAuthProvider implements OAuthClientProvider {
  private discovered: OAuthDiscoveryState | undefined;
  saveDiscoveryState(state: OAuthDiscoveryState) {
    this.discovered = state;
  }
  discoveryState() {
    return this.discovered;
  }
}

/**
 * The demo user at the browser, granting `scope` when given instead of all the client asked for;
 * returns the callback URL (code and `iss`).
 */
export function consent(authorizationUrl: URL | undefined, scope?: string): Promise<URL> {
  const url = new URL(authorizationUrl ?? 'about:blank');
  if (scope) url.searchParams.set('scope', scope);
  return authorize(url, DEMO_USER.name, DEMO_USER.password);
}

/** The tool names a grant of `scope` alone lists: those needing that scope and nothing else. */
export function toolsGrantedBy(scope: Scope): string[] {
  return CATALOGUE.filter((row) => row.scope === scope && !row.alsoNeeds?.length)
    .map((row) => row.name)
    .sort();
}

/** A token of another subject (mallory) for the proxy, got by signing in with the v1 client. */
export async function otherSubjectToken(path: FullPath): Promise<string> {
  const { client, provider } = await connectWithOAuth(
    path.mcpUrl,
    OTHER_USER.name,
    OTHER_USER.password,
    ALL_SCOPES.join(' '),
  );
  await client.close();
  return provider.tokens()?.access_token ?? '';
}

/** Presents a 2025 `sessionId` with `token` on a tools/list, as a thief of the id would; the status. */
export async function replaySession(path: FullPath, sessionId: string, token: string): Promise<number> {
  const response = await fetch(path.mcpUrl, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-11-25',
      'mcp-session-id': sessionId,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
  });
  await response.body?.cancel();
  return response.status;
}

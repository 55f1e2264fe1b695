import {
  ALL_SCOPES,
  HEADERS,
  MODERN_PROTOCOL_VERSION,
  PROTOCOL_VERSION_META_KEY,
} from '../contract/index.js';
import { basicAuth, type Target } from './harness.js';

export interface ModernOptions {
  /** Override the mirrored headers; an undefined value leaves that header out. */
  readonly headers?: Record<string, string | undefined>;
  /** The version both header and `_meta` claim. */
  readonly version?: string;
  /** The client capabilities the request's `_meta` declares (none by default). */
  readonly capabilities?: Record<string, unknown>;
}

/**
 * Sends raw 2026-07-28 requests to the server as the proxy forwards them: no `initialize`, the
 * version and capabilities in every request's `_meta`, the routing headers mirroring the body,
 * each with a new JSON-RPC id (as an MRTR retry must have). Raw, so the wire itself is checked.
 */
export function modernRpc(env: { readonly server: { readonly url: string }; readonly target: Target }) {
  let nextId = 1;
  return async (method: string, params: Record<string, unknown>, options: ModernOptions = {}) => {
    const { headers = {}, version = MODERN_PROTOCOL_VERSION, capabilities = {} } = options;
    const id = nextId++;
    const target = typeof params.name === 'string' ? params.name : params.uri;
    const response = await postToServer(
      env,
      {
        jsonrpc: '2.0',
        id,
        method,
        params: {
          ...params,
          _meta: {
            [PROTOCOL_VERSION_META_KEY]: version,
            'io.modelcontextprotocol/clientCapabilities': capabilities,
            'io.modelcontextprotocol/clientInfo': { name: 'modern-test', version: '1.0.0' },
          },
        },
      },
      {
        'mcp-protocol-version': version,
        'mcp-method': method,
        ...(typeof target === 'string' ? { 'mcp-name': target } : {}),
        ...headers,
      },
    );
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary result fields
    const body = (await response.json()) as { id: number; result?: any; error?: { code: number } };
    return { status: response.status, session: response.headers.get('mcp-session-id'), sentId: id, ...body };
  };
}

/**
 * POSTs a JSON-RPC `body` to the server as the proxy forwards requests (the suite user's
 * credential and the contract headers); `headers` add to those or, undefined, leave one out.
 */
export function postToServer(
  env: { readonly server: { readonly url: string }; readonly target: Target },
  body: object,
  headers: Record<string, string | undefined> = {},
  scopes: string = ALL_SCOPES.join(' '),
): Promise<Response> {
  return fetch(env.server.url, {
    method: 'POST',
    headers: present({
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: basicAuth(env.target.user, env.target.appPassword),
      [HEADERS.user]: env.target.user,
      [HEADERS.scopes]: scopes,
      ...headers,
    }),
    body: JSON.stringify(body),
  });
}

function present(headers: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

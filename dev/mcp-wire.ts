import { type Era, MODERN_PROTOCOL_VERSION, PROTOCOL_VERSION_META_KEY } from '../contract/index.js';

/** The 2025 revision a legacy client negotiates with `initialize` and then names on every POST. */
export const LEGACY_PROTOCOL_VERSION = '2025-11-25';

/** A JSON-RPC request as it goes on the wire: its id, its body, and the MCP headers that go with it. */
export interface WireRequest {
  readonly id: number;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * The methods whose target a 2026 client mirrors into `Mcp-Name`, written from the client's side
 * (streamable-http.mdx, "Request Metadata") rather than taken from contract/, so that the suites
 * driving the proxy with these requests do not check its rule against itself.
 */
const TARGET_PARAM: Readonly<Record<string, 'name' | 'uri'>> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
};

/** Visible ASCII, no surrounding whitespace, not shaped like the sentinel: sent as it is. */
const PLAIN_VALUE = /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/;

/** A header value as a 2026 client sends it: plain when it can be, else `=?base64?…?=`. */
export function encodeHeaderValue(value: string): string {
  return PLAIN_VALUE.test(value) && !value.startsWith('=?base64?')
    ? value
    : `=?base64?${Buffer.from(value).toString('base64')}?=`;
}

/**
 * A request as a client of `era` sends it. A 2025 client sends the bare message, naming its
 * negotiated version in `MCP-Protocol-Version` after `initialize`; a 2026-07-28 client puts
 * version and capabilities in `params._meta` and mirrors method and target into headers.
 */
export function wireRequest(
  era: Era,
  method: string,
  params: Record<string, unknown> = {},
  id = 1,
): WireRequest {
  if (era === 'legacy') {
    return {
      id,
      body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
      headers: method === 'initialize' ? {} : { 'mcp-protocol-version': LEGACY_PROTOCOL_VERSION },
    };
  }
  const _meta = {
    [PROTOCOL_VERSION_META_KEY]: MODERN_PROTOCOL_VERSION,
    'io.modelcontextprotocol/clientCapabilities': {},
    'io.modelcontextprotocol/clientInfo': { name: 'nextcloud-mcp-dev', version: '1.0.0' },
  };
  const key = TARGET_PARAM[method];
  const target = key === undefined ? undefined : params[key];
  return {
    id,
    body: JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta } }),
    headers: {
      'mcp-protocol-version': MODERN_PROTOCOL_VERSION,
      'mcp-method': method,
      ...(typeof target === 'string' ? { 'mcp-name': encodeHeaderValue(target) } : {}),
    },
  };
}

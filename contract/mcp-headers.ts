/**
 * MCP 2026-07-28 on HTTP, the rule both programs apply: which era a request belongs to, and
 * whether the routing headers it carries agree with its body (streamable-http.mdx, "Request
 * Metadata", "Server Validation"). Pure: parsed bodies and header values in, a verdict out.
 */

/** The first revision that carries its version per request instead of an `initialize` handshake. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';
export const PROTOCOL_VERSION_META_KEY = 'io.modelcontextprotocol/protocolVersion';

/** Request headers mirrored from the body, lower-cased as Node exposes them. */
export const MCP_REQUEST_HEADERS = {
  protocolVersion: 'mcp-protocol-version',
  method: 'mcp-method',
  name: 'mcp-name',
} as const;

/** JSON-RPC codes a 2026 client reads as "this server is modern" (basic/index.mdx, Error Codes). */
export const RPC_CODES = {
  parseError: -32700,
  invalidRequest: -32600,
  internalError: -32603,
  headerMismatch: -32020,
} as const;

/** `legacy`: 2025-11-25 and earlier (initialize, sessions); `modern`: 2026-07-28 and later. */
export type Era = 'legacy' | 'modern';

/** A header as Node gives it: absent, one value, or (for some names) several. */
export type HeaderValue = string | readonly string[] | undefined;

export interface MirroredHeaders {
  readonly protocolVersion: HeaderValue;
  readonly method: HeaderValue;
  readonly name: HeaderValue;
}

/** The mirrored headers of a request, from its headers as Node exposes them. */
export function mirroredHeaders(headers: Readonly<Record<string, HeaderValue>>): MirroredHeaders {
  return {
    protocolVersion: headers[MCP_REQUEST_HEADERS.protocolVersion],
    method: headers[MCP_REQUEST_HEADERS.method],
    name: headers[MCP_REQUEST_HEADERS.name],
  };
}

/** The methods whose target is mirrored into `Mcp-Name`, and the param that names it. */
const NAMED: Readonly<Record<string, 'name' | 'uri'>> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
};

interface Message {
  readonly method?: unknown;
  readonly params?: { readonly name?: unknown; readonly uri?: unknown; readonly _meta?: unknown };
}

const DATE_VERSION = /^\d{4}-\d{2}-\d{2}$/;

function isModernVersion(version: unknown): boolean {
  return typeof version === 'string' && DATE_VERSION.test(version) && version >= MODERN_PROTOCOL_VERSION;
}

/** The `_meta` protocol version a message declares, if any. */
function metaVersion(message: unknown): unknown {
  const meta = (message as Message | null)?.params?._meta;
  return typeof meta === 'object' && meta !== null
    ? (meta as Record<string, unknown>)[PROTOCOL_VERSION_META_KEY]
    : undefined;
}

/**
 * The era as far as headers tell, before a body is read: a modern client sends its version on
 * every POST, so an older or absent header means a 2025 client (or a malformed modern one,
 * which the body check then refuses).
 */
export function eraOfHeaders(protocolVersion: HeaderValue): Era {
  return isModernVersion(protocolVersion) ? 'modern' : 'legacy';
}

/**
 * The era of a parsed body and its headers: modern when either claims a modern version. Either
 * claim is enough, so a request cannot dodge the modern checks by leaving one of them out.
 */
export function eraOf(body: unknown, protocolVersion: HeaderValue): Era {
  const messages = Array.isArray(body) ? body : [body];
  return eraOfHeaders(protocolVersion) === 'modern' || messages.some((m) => metaVersion(m) !== undefined)
    ? 'modern'
    : 'legacy';
}

/** The id of a single JSON-RPC request, for the error that answers it (null for a batch or none). */
export function rpcIdOf(body: unknown): string | number | null {
  const id = Array.isArray(body) ? undefined : (body as { id?: unknown } | null)?.id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

/** `params.name` or `params.uri` of the methods `Mcp-Name` mirrors; undefined for the others. */
export function targetOf(message: unknown): string | undefined {
  const { method, params } = (message ?? {}) as Message;
  const key = typeof method === 'string' ? NAMED[method] : undefined;
  const value = key ? params?.[key] : undefined;
  return typeof value === 'string' ? value : undefined;
}

const SENTINEL = /^=\?base64\?([A-Za-z0-9+/]*={0,2})\?=$/;
const PLAIN = /^[\x20-\x7e]*$/;

/**
 * A header value as the body would carry it: the `=?base64?…?=` form decoded (strict base64 of
 * valid UTF-8), a plain value as it is; undefined when it holds characters a header may not, or
 * is shaped like the sentinel around something that is not base64.
 */
export function decodeHeaderValue(value: string): string | undefined {
  if (!PLAIN.test(value)) return undefined;
  // Only a value both starting and ending like the sentinel is one (clients encode look-alikes).
  if (!value.startsWith('=?base64?') || !value.endsWith('?=')) return value;
  const encoded = SENTINEL.exec(value)?.[1];
  if (encoded === undefined || encoded.length % 4 !== 0) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(encoded, 'base64'));
  } catch {
    return undefined;
  }
}

/** Why `header` does not carry `expected` (a missing header counts only when `required`). */
function disagreement(label: string, header: HeaderValue, expected: unknown, required: boolean) {
  if (header === undefined) return required ? `${label} missing` : undefined;
  if (typeof header !== 'string') return `${label} repeated`;
  const decoded = decodeHeaderValue(header);
  if (decoded === undefined) return `${label} malformed`;
  return decoded === expected ? undefined : `${label} disagrees with the body`;
}

/**
 * Why the mirrored headers disagree with the body, or undefined when they agree. A modern request
 * must carry all of them (MCP-Protocol-Version equal to its `_meta` version); a legacy one need
 * not, but a header its body contradicts is refused too: whoever routes or logs on the header
 * would act on something other than what runs.
 */
export function headerMismatch(body: unknown, headers: MirroredHeaders, era: Era): string | undefined {
  const modern = era === 'modern';
  if (Array.isArray(body)) {
    // Batches are gone in 2026; a legacy batch is not one message a header could mirror.
    return headers.method !== undefined || headers.name !== undefined
      ? 'routing headers on a batch'
      : undefined;
  }
  const message = (body ?? {}) as Message;
  const target = targetOf(message);
  return (
    (modern
      ? disagreement('MCP-Protocol-Version', headers.protocolVersion, metaVersion(message), true)
      : undefined) ??
    disagreement('Mcp-Method', headers.method, message.method, modern) ??
    (typeof message.method === 'string' && NAMED[message.method]
      ? disagreement('Mcp-Name', headers.name, target ?? null, modern)
      : // A name on a method that takes none is a claim the body cannot back.
        headers.name !== undefined
        ? 'Mcp-Name on a method that names nothing'
        : undefined)
  );
}

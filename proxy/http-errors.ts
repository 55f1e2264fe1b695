import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { type Era, RPC_CODES } from '../contract/index.js';
import { BadRequestError, InsufficientScopeError, InternalError, ProxyError } from './errors.js';

/** How a refusal is presented: the challenge parameters every 401/403 carries. */
export interface Challenge {
  /** `<public>/.well-known/oauth-protected-resource/mcp` */
  readonly resourceMetadata: string;
  /** The tenant's tool scopes, offered on 401. */
  readonly scopes: readonly string[];
}

/** An RFC 9110 quoted-string: backslash and double quote escaped, control characters dropped. */
export function quote(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: dropping control characters is the point
  return `"${value.replace(/[\\"]/g, '\\$&').replace(/[\x00-\x1f\x7f]/g, '')}"`;
}

function bearer(params: Record<string, string | undefined>): string {
  const parts = Object.entries(params)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${quote(value ?? '')}`);
  return `Bearer ${parts.join(', ')}`;
}

const STATUS: Record<ProxyError['code'], number> = {
  MISSING_TOKEN: 401,
  INVALID_TOKEN: 401,
  INSUFFICIENT_SCOPE: 403,
  FORBIDDEN_ORIGIN: 403,
  UNKNOWN_SESSION: 404,
  BAD_REQUEST: 400,
  HEADER_MISMATCH: 400,
  BODY_TOO_LARGE: 413,
  BODIES_IN_FLIGHT: 503,
  TOO_MANY_REQUESTS: 429,
  IDP_UNAVAILABLE: 503,
  INTROSPECTION_LIMITED: 503,
  IDP_MISCONFIGURED: 500,
  UPSTREAM_TIMEOUT: 504,
  UPSTREAM_UNAVAILABLE: 502,
  NOT_READY: 503,
  INTERNAL_ERROR: 500,
};

/** What the client reads: the code's generic meaning, never the detail of a failed check. */
const DESCRIPTION: Record<ProxyError['code'], string> = {
  MISSING_TOKEN: 'authentication required',
  INVALID_TOKEN: 'the access token is not valid for this resource',
  INSUFFICIENT_SCOPE: 'the access token lacks a scope this request needs',
  FORBIDDEN_ORIGIN: 'requests from this origin are not allowed',
  UNKNOWN_SESSION: 'session not found; initialize a new session',
  BAD_REQUEST: 'malformed request',
  HEADER_MISMATCH: 'the Mcp-Method, Mcp-Name or MCP-Protocol-Version header disagrees with the body',
  BODY_TOO_LARGE: 'request body too large',
  BODIES_IN_FLIGHT: 'too many requests at once; retry later',
  TOO_MANY_REQUESTS: 'too many concurrent requests for this user',
  IDP_UNAVAILABLE: 'the identity provider is unavailable; retry later',
  INTROSPECTION_LIMITED: 'too many tokens to check at once; retry later',
  IDP_MISCONFIGURED: 'this MCP endpoint is misconfigured at the identity provider; tell its administrator',
  UPSTREAM_TIMEOUT: 'the MCP server did not answer in time',
  UPSTREAM_UNAVAILABLE: 'the MCP server is unavailable',
  NOT_READY: 'starting up; retry later',
  INTERNAL_ERROR: 'internal error',
};

/** Which era the refused request belongs to, and the JSON-RPC id a 2026 answer echoes. */
export interface Refused {
  readonly era: Era;
  readonly id: string | number | null;
}

/**
 * The one place an error becomes an HTTP answer. Ours are answered by their code; anything else
 * is a bug, logged in full and answered as a bare 500.
 */
export function sendError(
  res: ServerResponse,
  error: unknown,
  challenge: Challenge,
  log: Logger,
  refused: Refused = { era: 'legacy', id: null },
): void {
  if (error instanceof ProxyError) return sendProxyError(res, error, challenge, refused);
  log.error({ err: error }, 'unexpected error');
  sendProxyError(res, new InternalError('unexpected error', { cause: error }), challenge, refused);
}

/** The JSON-RPC code a 2026 client reads: the spec's own where there is one, else JSON-RPC's generic. */
function rpcCode(error: ProxyError, status: number): number {
  if (error.code === 'HEADER_MISMATCH') return RPC_CODES.headerMismatch;
  if (error instanceof BadRequestError && error.unparsed) return RPC_CODES.parseError;
  return status >= 500 ? RPC_CODES.internalError : RPC_CODES.invalidRequest;
}

/**
 * The body: 2025 clients get the OAuth-style `{error, error_description}`; a 2026 client gets a
 * JSON-RPC error on every status but 401/403 (those speak through WWW-Authenticate), because a
 * dual-era client that finds no JSON-RPC error in a 4xx falls back to the 2025 handshake.
 */
function errorBody(error: ProxyError, status: number, refused: Refused): string {
  const description = DESCRIPTION[error.code];
  if (refused.era === 'legacy' || status === 401 || status === 403) {
    return JSON.stringify({ error: error.code.toLowerCase(), error_description: description });
  }
  const rpcError = {
    code: rpcCode(error, status),
    message: description,
    data: { error: error.code.toLowerCase() },
  };
  return JSON.stringify({ jsonrpc: '2.0', id: refused.id, error: rpcError });
}

function sendProxyError(
  res: ServerResponse,
  error: ProxyError,
  challenge: Challenge,
  refused: Refused,
): void {
  const metadata = challenge.resourceMetadata;
  if (error.code === 'MISSING_TOKEN') {
    res.setHeader(
      'www-authenticate',
      bearer({ resource_metadata: metadata, scope: challenge.scopes.join(' ') }),
    );
  } else if (error.code === 'INVALID_TOKEN') {
    res.setHeader(
      'www-authenticate',
      bearer({ error: 'invalid_token', resource_metadata: metadata, scope: challenge.scopes.join(' ') }),
    );
  } else if (error instanceof InsufficientScopeError) {
    res.setHeader(
      'www-authenticate',
      bearer({ error: 'insufficient_scope', scope: error.scopes.join(' '), resource_metadata: metadata }),
    );
  }
  if ('retryAfterSeconds' in error) res.setHeader('retry-after', String(error.retryAfterSeconds));
  const status = STATUS[error.code];
  res.writeHead(status, { 'content-type': 'application/json' }).end(errorBody(error, status, refused));
}

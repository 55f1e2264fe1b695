import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { InsufficientScopeError, InternalError, ProxyError } from './errors.js';

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

/**
 * The one place an error becomes an HTTP answer. Ours are answered by their code; anything else
 * is a bug, logged in full and answered as a bare 500.
 */
export function sendError(res: ServerResponse, error: unknown, challenge: Challenge, log: Logger): void {
  if (error instanceof ProxyError) return sendProxyError(res, error, challenge);
  log.error({ err: error }, 'unexpected error');
  sendProxyError(res, new InternalError('unexpected error', { cause: error }), challenge);
}

function sendProxyError(res: ServerResponse, error: ProxyError, challenge: Challenge): void {
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
  res
    .writeHead(STATUS[error.code], { 'content-type': 'application/json' })
    .end(JSON.stringify({ error: error.code.toLowerCase(), error_description: DESCRIPTION[error.code] }));
}

import { describeFailure } from '../config/failure.js';

/** Every way the proxy refuses or fails a request, as a closed set. */
export type ProxyErrorCode =
  | 'MISSING_TOKEN'
  | 'INVALID_TOKEN'
  | 'INSUFFICIENT_SCOPE'
  | 'FORBIDDEN_ORIGIN'
  | 'UNKNOWN_SESSION'
  | 'BAD_REQUEST'
  | 'HEADER_MISMATCH'
  | 'BODY_TOO_LARGE'
  | 'BODIES_IN_FLIGHT'
  | 'TOO_MANY_REQUESTS'
  | 'IDP_UNAVAILABLE'
  | 'INTROSPECTION_LIMITED'
  | 'IDP_MISCONFIGURED'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_UNAVAILABLE'
  | 'NOT_READY'
  | 'INTERNAL_ERROR';

/** Why a token was refused: for logs and metrics only, never told to the client. */
export type InvalidTokenReason =
  | 'malformed'
  | 'algorithm'
  | 'unknown_key'
  | 'signature'
  | 'issuer'
  | 'expired'
  | 'not_yet_valid'
  | 'audience'
  | 'nextcloud_only'
  | 'claims'
  | 'inactive'
  | 'exchange_rejected';

/**
 * Base of the proxy's errors. The message is for the log; what a client sees is decided by
 * the one HTTP mapping in `http-errors.ts`.
 */
export abstract class ProxyError extends Error {
  abstract readonly code: ProxyErrorCode;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    // Logs see "InvalidTokenError", not "Error".
    this.name = new.target.name;
  }
}

export class MissingTokenError extends ProxyError {
  readonly code = 'MISSING_TOKEN';
}
export class InvalidTokenError extends ProxyError {
  readonly code = 'INVALID_TOKEN';
  constructor(
    readonly reason: InvalidTokenReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
export class InsufficientScopeError extends ProxyError {
  readonly code = 'INSUFFICIENT_SCOPE';
  /** The scopes to ask for: the ones missing plus those already granted that are still needed. */
  constructor(
    readonly scopes: readonly string[],
    message: string,
  ) {
    super(message);
  }
}
/** A browser page of an origin not in ALLOWED_ORIGINS (DNS rebinding, a hostile site). */
export class ForbiddenOriginError extends ProxyError {
  readonly code = 'FORBIDDEN_ORIGIN';
}
export class UnknownSessionError extends ProxyError {
  readonly code = 'UNKNOWN_SESSION';
}
export class BadRequestError extends ProxyError {
  readonly code = 'BAD_REQUEST';
  /** What a 2026 client is told: -32700 when the body is not JSON at all, else -32600. */
  constructor(
    message: string,
    readonly unparsed = false,
  ) {
    super(message);
  }
}
/** MCP 2026's routing headers (`Mcp-Method`, `Mcp-Name`, `MCP-Protocol-Version`) disagree with the body. */
export class HeaderMismatchError extends ProxyError {
  readonly code = 'HEADER_MISMATCH';
}
export class BodyTooLargeError extends ProxyError {
  readonly code = 'BODY_TOO_LARGE';
}
/** The bodies all subjects have in flight would pass MAX_BODY_BYTES_IN_FLIGHT: the pod's memory is spared. */
export class BodiesInFlightError extends ProxyError {
  readonly code = 'BODIES_IN_FLIGHT';
  readonly retryAfterSeconds = 1;
}
export class TooManyRequestsError extends ProxyError {
  readonly code = 'TOO_MANY_REQUESTS';
  readonly retryAfterSeconds = 1;
}
/**
 * The IdP could not be reached or answered unusably. The message tells the cause (connection
 * refused, DNS, TLS, a timeout, an HTTP status), where fetch alone says "fetch failed".
 */
export class IdpUnavailableError extends ProxyError {
  readonly code = 'IDP_UNAVAILABLE';
  readonly retryAfterSeconds = 5;
  constructor(message: string, options?: ErrorOptions) {
    super(options?.cause === undefined ? message : `${message}: ${describeFailure(options.cause)}`, options);
  }
}
/** More opaque tokens to introspect than INTROSPECTIONS_PER_SECOND allows: the IdP is spared. */
export class IntrospectionLimitedError extends ProxyError {
  readonly code = 'INTROSPECTION_LIMITED';
  constructor(readonly retryAfterSeconds: number) {
    super('introspection rate limit');
  }
}
/** The IdP refused the proxy itself (its client, secret or exchange permission): retrying cannot help. */
export class IdpMisconfiguredError extends ProxyError {
  readonly code = 'IDP_MISCONFIGURED';
}
export class UpstreamTimeoutError extends ProxyError {
  readonly code = 'UPSTREAM_TIMEOUT';
}
export class UpstreamUnavailableError extends ProxyError {
  readonly code = 'UPSTREAM_UNAVAILABLE';
}
export class NotReadyError extends ProxyError {
  readonly code = 'NOT_READY';
  readonly retryAfterSeconds = 2;
}
/** A bug of ours: the client learns nothing but that it happened. */
export class InternalError extends ProxyError {
  readonly code = 'INTERNAL_ERROR';
}

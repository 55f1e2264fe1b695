import { errors as undiciErrors } from 'undici';

/** Every way a tool call can fail, as a closed set. */
export type ServerErrorCode =
  | 'INVALID_INPUT'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PRECONDITION_FAILED'
  | 'LOCKED'
  | 'TOO_LARGE'
  | 'UNREACHABLE'
  | 'TIMEOUT'
  | 'UPSTREAM_FAILED'
  | 'ABORTED';

/**
 * Base of every error the server raises on purpose. Its message is written for the person
 * (or model) using the tool: it never holds a token, a URL with credentials or a stack.
 */
export abstract class ServerError extends Error {
  abstract readonly code: ServerErrorCode;
  /**
   * Whether the same call may well succeed later without anyone changing anything (Nextcloud
   * unreachable, too slow, a 502/503/504 from it or its proxy). Only such errors say "try again later".
   */
  readonly transient: boolean;
  constructor(message: string, options?: ErrorOptions & { transient?: boolean }) {
    super(message, options);
    // Logs and `instanceof`-free consumers see "NotFoundError", not "Error".
    this.name = new.target.name;
    this.transient = options?.transient ?? false;
  }
}

export class InvalidInputError extends ServerError {
  readonly code = 'INVALID_INPUT';
}
export class UnauthorizedError extends ServerError {
  readonly code = 'UNAUTHORIZED';
}
export class ForbiddenError extends ServerError {
  readonly code = 'FORBIDDEN';
}
export class NotFoundError extends ServerError {
  readonly code = 'NOT_FOUND';
}
export class ConflictError extends ServerError {
  readonly code = 'CONFLICT';
}
export class PreconditionFailedError extends ServerError {
  readonly code = 'PRECONDITION_FAILED';
}
export class LockedError extends ServerError {
  readonly code = 'LOCKED';
}
export class TooLargeError extends ServerError {
  readonly code = 'TOO_LARGE';
}
export class UnreachableError extends ServerError {
  readonly code = 'UNREACHABLE';
  override readonly transient = true;
}
export class TimeoutError extends ServerError {
  readonly code = 'TIMEOUT';
  override readonly transient = true;
}
export class UpstreamFailedError extends ServerError {
  readonly code = 'UPSTREAM_FAILED';
}
export class AbortedError extends ServerError {
  readonly code = 'ABORTED';
}

/**
 * An app's own reading of a refusal, for what the status alone does not say (see
 * `NcRequest.explain`): a message a person can act on, from the app's own error body, and the status
 * whose meaning applies where the app uses one in a sense of its own (Talk's 412 is a closed lobby,
 * not an etag mismatch).
 */
export interface Explanation {
  /** Replaces the message the status would give. */
  readonly message?: string | undefined;
  /** The app's reason, where it keeps one outside the OCS message; appended to the status's message. */
  readonly detail?: string | undefined;
  /** The status whose error class applies instead. */
  readonly status?: number | undefined;
}

/**
 * What the mapping knows of the refused request, where a status means different things: a 412 to a
 * write guarded by If-Match is an etag mismatch, one to a create with If-None-Match an object already
 * there, any other Nextcloud's own refusal (Deck's "CSRF check failed"); a 401 to a bearer token is
 * not the same as one to an app password.
 */
export interface RefusedRequest {
  /** The precondition the request carried, if any. */
  readonly precondition?: 'if-match' | 'if-none-match' | undefined;
  /** How the caller authenticated: a bearer token (via the proxy) or an app password (standalone). */
  readonly credential?: 'bearer' | 'basic' | undefined;
}

/** A reason that only says again that the object is missing. */
const SAYS_MISSING = /\bnot found\b|could not be located/i;

/** `user_oidc`'s refusal of a bearer token on an app's REST route (Nextcloud ≤ 30, or no OCS-APIRequest). */
const BEARER_REFUSED = /CORS requires basic auth/i;

/**
 * The one table from a Nextcloud HTTP status to our error. `what` names the object ("Note 42",
 * "File /a.txt"), `detail` is Nextcloud's own reason where it gave one (see `nextcloudReason`),
 * `explanation` is the app's reading of the refusal, if it has one, and `request` what the mapping
 * knows of the refused request. Only 502/503/504 (and 429) are transient: only they say "try again
 * later"; a 500 or 501 will fail the same way again.
 */
export function errorForStatus(
  status: number,
  what: string,
  detail?: string,
  explanation: Explanation = {},
  request: RefusedRequest = {},
): ServerError {
  const suffix = detail ? `: ${detail}` : '';
  const say = (message: string) => explanation.message ?? message;
  const effective = explanation.status ?? status;
  switch (effective) {
    case 400:
    case 422:
      return new InvalidInputError(say(`Nextcloud refused the request for ${what}${suffix}`));
    case 401:
      return unauthorized(say, detail, request.credential);
    case 403:
      return new ForbiddenError(say(`Not allowed to access ${what}${suffix}`));
    case 404:
    case 410:
      // "Note not found", Sabre's "File with name /remote.php/dav/… could not be located": nothing to add.
      return new NotFoundError(say(`${what} not found${detail && SAYS_MISSING.test(detail) ? '' : suffix}`));
    case 405:
      return new InvalidInputError(say(`Nextcloud does not allow this on ${what}${suffix}`));
    case 409:
      return new ConflictError(say(`${what} conflicts with the current state${suffix}`));
    case 412:
      if (request.precondition === 'if-match')
        return new PreconditionFailedError(
          say(`${what} changed since you read it (etag mismatch): read it again and retry`),
        );
      if (request.precondition === 'if-none-match')
        return new ConflictError(say(`${what} already exists${suffix}`));
      return new PreconditionFailedError(say(`Nextcloud refused the request for ${what}${suffix}`));
    case 413:
    case 507:
      return new TooLargeError(say(`${what} is too large for Nextcloud to accept${suffix}`));
    case 423:
      return new LockedError(say(`${what} is locked${suffix}; try again once it is unlocked`));
    case 429:
      return new UpstreamFailedError(
        say(`Nextcloud is throttling requests for ${what}${suffix}; try again later`),
        { transient: true },
      );
    case 500:
      return new UpstreamFailedError(
        say(`Nextcloud failed with an internal error (HTTP 500) on ${what}${suffix}; its log tells why`),
      );
    case 501:
      return new UpstreamFailedError(say(`Nextcloud does not support this on ${what} (HTTP 501)${suffix}`));
    case 502:
    case 503:
    case 504:
      return new UpstreamFailedError(
        say(`Nextcloud failed with HTTP ${status} on ${what}${suffix}; try again later`),
        { transient: true },
      );
    default:
      return effective < 500
        ? new InvalidInputError(say(`Nextcloud refused the request for ${what} (HTTP ${status})${suffix}`))
        : new UpstreamFailedError(say(`Nextcloud failed with HTTP ${status} on ${what}${suffix}`));
  }
}

/** A 401: what is wrong depends on the credential, and on whether Nextcloud refused its kind. */
function unauthorized(
  say: (message: string) => string,
  detail: string | undefined,
  credential: RefusedRequest['credential'],
): ServerError {
  if (credential === 'bearer' && detail && BEARER_REFUSED.test(detail))
    return new ForbiddenError(
      say(
        `This Nextcloud refuses bearer tokens on this app's API ("${detail}"): it needs Nextcloud 31 or ` +
          'later, which accepts them with the OCS-APIRequest header; see docs/nextcloud.md',
      ),
    );
  if (credential === 'bearer')
    return new UnauthorizedError(say('Nextcloud did not accept the access token; sign in again'));
  if (credential === 'basic')
    return new UnauthorizedError(
      say(
        'Nextcloud did not accept the user name or app password (NEXTCLOUD_USER, NEXTCLOUD_APP_PASSWORD): ' +
          'check the user id, or create a new app password in Nextcloud under Settings → Security → ' +
          'Devices & sessions',
      ),
    );
  return new UnauthorizedError(say('Nextcloud did not accept the credentials; sign in again'));
}

/**
 * The one place that turns transport failures (undici, aborts, DNS, refused connections)
 * into our errors. Errors that are already ours pass through unchanged.
 */
export function toServerError(error: unknown, what: string, timeoutMs: number): ServerError {
  if (error instanceof ServerError) return error;
  if (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    error instanceof undiciErrors.ConnectTimeoutError ||
    (error instanceof DOMException && error.name === 'TimeoutError')
  ) {
    return new TimeoutError(
      `Nextcloud did not answer within ${timeoutMs / 1000} s for ${what}; try again later`,
      { cause: error },
    );
  }
  if (
    error instanceof undiciErrors.RequestAbortedError ||
    (error instanceof DOMException && error.name === 'AbortError')
  ) {
    return new AbortedError(`The request for ${what} was cancelled`, { cause: error });
  }
  return new UnreachableError('Nextcloud is unreachable; try again later', { cause: error });
}

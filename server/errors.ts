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
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    // Logs and `instanceof`-free consumers see "NotFoundError", not "Error".
    this.name = new.target.name;
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
}
export class TimeoutError extends ServerError {
  readonly code = 'TIMEOUT';
}
export class UpstreamFailedError extends ServerError {
  readonly code = 'UPSTREAM_FAILED';
}
export class AbortedError extends ServerError {
  readonly code = 'ABORTED';
}

/**
 * Maps a Nextcloud HTTP status to our error. `what` names the object ("Note 42",
 * "File /a.txt") and `detail` is Nextcloud's own message where it gave one.
 */
export function errorForStatus(status: number, what: string, detail?: string): ServerError {
  const suffix = detail ? `: ${detail}` : '';
  switch (status) {
    case 400:
    case 422:
      return new InvalidInputError(`Nextcloud refused the request for ${what}${suffix}`);
    case 401:
      return new UnauthorizedError('Nextcloud did not accept the credentials; sign in again');
    case 403:
      return new ForbiddenError(`Not allowed to access ${what}${suffix}`);
    case 404:
      return new NotFoundError(`${what} not found${suffix}`);
    case 409:
      return new ConflictError(`${what} conflicts with the current state${suffix}`);
    case 412:
      return new PreconditionFailedError(
        `${what} changed since you read it (etag mismatch): read it again and retry`,
      );
    case 413:
    case 507:
      return new TooLargeError(`${what} is too large for Nextcloud to accept${suffix}`);
    case 423:
      return new LockedError(`${what} is locked; try again later`);
    default:
      return new UpstreamFailedError(`Nextcloud failed with HTTP ${status} on ${what}; try again later`);
  }
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
      {
        cause: error,
      },
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

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
 * The one table from a Nextcloud HTTP status to our error. `what` names the object ("Note 42",
 * "File /a.txt"), `detail` is Nextcloud's own message where it gave one, and `explanation` is the
 * app's reading of the refusal, if it has one.
 */
export function errorForStatus(
  status: number,
  what: string,
  detail?: string,
  explanation: Explanation = {},
): ServerError {
  const suffix = detail ? `: ${detail}` : '';
  const say = (message: string) => explanation.message ?? message;
  switch (explanation.status ?? status) {
    case 400:
    case 422:
      return new InvalidInputError(say(`Nextcloud refused the request for ${what}${suffix}`));
    case 401:
      return new UnauthorizedError(say('Nextcloud did not accept the credentials; sign in again'));
    case 403:
      return new ForbiddenError(say(`Not allowed to access ${what}${suffix}`));
    case 404:
      return new NotFoundError(say(`${what} not found${suffix}`));
    case 409:
      return new ConflictError(say(`${what} conflicts with the current state${suffix}`));
    case 412:
      return new PreconditionFailedError(
        say(`${what} changed since you read it (etag mismatch): read it again and retry`),
      );
    case 413:
    case 507:
      return new TooLargeError(say(`${what} is too large for Nextcloud to accept${suffix}`));
    case 423:
      return new LockedError(say(`${what} is locked; try again later`));
    default:
      return new UpstreamFailedError(say(`Nextcloud failed with HTTP ${status} on ${what}; try again later`));
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

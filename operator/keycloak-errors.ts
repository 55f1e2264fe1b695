import { NetworkError } from '@keycloak/keycloak-admin-client';
import { z } from 'zod';

/** Keycloak failed in a way that may pass (down, 5xx, timeout): retry with backoff. */
export class KeycloakUnavailableError extends Error {}
/** Keycloak refused (wrong admin credentials, missing permissions, bad realm): say so, do not hammer. */
export class KeycloakRejectedError extends Error {}

/** Parses what Keycloak answered; an answer of another shape is a refusal, not something to retry. */
export function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new KeycloakRejectedError(
    `Keycloak answered an unexpected ${what}: ${z.prettifyError(result.error)}`,
  );
}

/** The one place Keycloak client failures become ours: 5xx, 429, network and timeouts may pass; 4xx will not. */
export function classify(error: unknown, context: string): Error {
  if (error instanceof KeycloakUnavailableError || error instanceof KeycloakRejectedError) return error;
  if (error instanceof NetworkError) {
    const status = error.response.status;
    const Kind = status >= 500 || status === 429 ? KeycloakUnavailableError : KeycloakRejectedError;
    return new Kind(`${context}: ${describe(error)}`, { cause: error });
  }
  return new KeycloakUnavailableError(`${context}: ${describe(error)}`, { cause: error });
}

/** Keycloak's own words when it gives some (`errorMessage`, `error_description`), with the status. */
function describe(error: unknown): string {
  if (!(error instanceof NetworkError)) return error instanceof Error ? error.message : String(error);
  const data = error.responseData as { errorMessage?: unknown; error_description?: unknown } | undefined;
  const said = data?.errorMessage ?? data?.error_description;
  return `HTTP ${error.response.status}${typeof said === 'string' ? ` (${said})` : ''}`;
}

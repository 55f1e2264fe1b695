import { NetworkError } from '@keycloak/keycloak-admin-client';
import { z } from 'zod';
import { IdentityProviderRejected, IdentityProviderUnavailable, messageOf, OperatorError } from './errors.js';

/** Parses what Keycloak answered; an answer of another shape is a refusal, not something to retry. */
export function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new IdentityProviderRejected(
    `Keycloak answered an unexpected ${what}: ${z.prettifyError(result.error)}`,
  );
}

/**
 * The one place the Keycloak admin client's failures become ours: 5xx, 429, network and timeouts
 * may pass; a 4xx will not.
 */
export function fromKeycloak(error: unknown, context: string): OperatorError {
  if (error instanceof OperatorError) return error;
  if (error instanceof NetworkError) {
    const status = error.response.status;
    const Kind = status >= 500 || status === 429 ? IdentityProviderUnavailable : IdentityProviderRejected;
    return new Kind(`${context}: ${describe(error)}`, { cause: error });
  }
  return new IdentityProviderUnavailable(`${context}: ${messageOf(error)}`, { cause: error });
}

/**
 * Keycloak's own words when it gives some (`errorMessage`, `error_description`), with the status
 * and the path asked for (which tells what was refused; query strings are left out).
 */
function describe(error: NetworkError): string {
  const data = error.responseData as { errorMessage?: unknown; error_description?: unknown } | undefined;
  const said = data?.errorMessage ?? data?.error_description;
  const path = URL.parse(error.response.url)?.pathname;
  return `HTTP ${error.response.status}${path ? ` at ${path}` : ''}${typeof said === 'string' ? ` (${said})` : ''}`;
}

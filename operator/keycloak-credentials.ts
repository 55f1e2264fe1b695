import KeycloakAdminClient from '@keycloak/keycloak-admin-client';
import { decodeJwt } from 'jose';
import { z } from 'zod';
import { SecretKeyMissing } from './errors.js';
import { fromKeycloak } from './keycloak-errors.js';

/**
 * Whom the operator signs in to Keycloak's admin API as, from the keys of the tenant's admin
 * Secret: a confidential client of the tenant's realm with a service account (client credentials
 * grant), or a user (password grant through the realm's `admin-cli`) of `realm`, by default
 * `master`. Either of the narrow ones needs no more than `ADMIN_ROLES` in the tenant's realm.
 */
export type KeycloakCredentials =
  | { readonly clientId: string; readonly clientSecret: string }
  | { readonly username: string; readonly password: string; readonly realm?: string };

/**
 * The `realm-management` client roles every admin call of the automation (keycloak.ts,
 * keycloak-cimd.ts) needs, and no fewer: client scopes, mappers, clients and their secrets fall
 * under `manage-clients`; registration policies (components), client profiles and policies, and
 * the realm's default optional scopes under `manage-realm`. Checked against a real Keycloak,
 * one role left out at a time (test/operator/keycloak-least-privilege.test.ts).
 */
export const ADMIN_ROLES = ['manage-clients', 'manage-realm'] as const;

const Value = z.string().min(1);
const ClientKeys = z.object({ clientId: Value, clientSecret: Value });
const UserKeys = z.object({ username: Value, password: Value, realm: Value.optional() });

/**
 * The credentials a Secret's `data` holds. A service account's keys win over a user's when both
 * are there: it is the narrower of the two. Empty values count as missing. Errors name keys only.
 */
export function credentialsFromSecret(
  name: string,
  data: Record<string, string> | undefined,
): KeycloakCredentials {
  const keys = Object.fromEntries(
    Object.entries(data ?? {})
      .map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')])
      .filter(([, value]) => value),
  );
  const asClient = 'clientId' in keys || 'clientSecret' in keys;
  const parsed = (asClient ? ClientKeys : UserKeys).safeParse(keys);
  if (!parsed.success) {
    const missing = parsed.error.issues.map((issue) => `"${issue.path.join('.')}"`).join(', ');
    throw new SecretKeyMissing(
      asClient
        ? `Secret ${name} has no key ${missing}: a service account needs "clientId" and "clientSecret"`
        : `Secret ${name} has no key ${missing}: it needs "clientId" and "clientSecret" (a service account of the tenant's realm), or "username" and "password" (and "realm" when the user is not of master)`,
    );
  }
  const value = parsed.data;
  if ('clientId' in value) return { clientId: value.clientId, clientSecret: value.clientSecret };
  return {
    username: value.username,
    password: value.password,
    ...(value.realm ? { realm: value.realm } : {}),
  };
}

/** Signs in and points the client at `realm`; `until` is when to sign in again. */
export async function signIn(
  options: { baseUrl: string; realm: string; timeout: number; requestOptions?: RequestInit },
  credentials: KeycloakCredentials,
): Promise<{ kc: KeycloakAdminClient; until: number }> {
  const { realm, requestOptions, ...connection } = options;
  const kc = new KeycloakAdminClient({
    ...connection,
    // The token comes from the realm the credentials belong to, and serves only that realm's admins.
    realmName: 'clientId' in credentials ? realm : (credentials.realm ?? 'master'),
    ...(requestOptions ? { requestOptions } : {}),
  });
  try {
    await kc.auth(
      'clientId' in credentials
        ? { grantType: 'client_credentials', ...credentials }
        : {
            grantType: 'password',
            clientId: 'admin-cli',
            username: credentials.username,
            password: credentials.password,
          },
    );
  } catch (error) {
    throw fromKeycloak(error, "cannot sign in to Keycloak's admin API");
  }
  // setConfig replaces the request options too (dropping the dispatcher) unless given again.
  kc.setConfig({ realmName: realm, ...(requestOptions ? { requestOptions } : {}) });
  const expires = (decodeJwt(kc.accessToken ?? '').exp ?? 0) * 1000;
  return { kc, until: expires - options.timeout };
}

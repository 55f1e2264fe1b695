import type KeycloakAdminClient from '@keycloak/keycloak-admin-client';
import { ALL_SCOPES } from '../contract/index.js';
import { DEMO_USER } from '../dev/full-path.js';
import { KeycloakAutomation, type KeycloakTenant } from '../operator/keycloak.js';
import { admin, createRealm, createUser, keycloakAdmin } from '../peers/keycloak-realms.js';

/** The real Keycloak of the suites (peers/), when one is running. */
export const keycloakUrl = process.env.TEST_KEYCLOAK_URL;

export interface TenantRealm {
  readonly name: string;
  readonly issuer: string;
  readonly tenant: KeycloakTenant;
  /** The proxy's confidential client as the operator's automation made it. */
  readonly proxyClient: { readonly id: string; readonly secret: string };
  /** The admin API, signed in, pointed at this realm. */
  admin(): Promise<KeycloakAdminClient>;
  delete(): Promise<void>;
}

/**
 * A realm set up as a tenant's would be, and by nothing but the operator: a fresh realm with the
 * `nextcloud` client and the demo user, then the operator's automation for one tenant whose
 * resource is `resource` (scopes, mappers, the exchange client, loopback registration).
 */
export async function createTenantRealm(prefix: string, resource: string): Promise<TenantRealm> {
  const realm = await createRealm(prefix);
  await createUser(realm.name, { username: DEMO_USER.name, password: DEMO_USER.password });
  const tenant: KeycloakTenant = {
    key: realm.name,
    proxyClientId: `mcp-${realm.name}`,
    resource,
    nextcloudAudience: 'nextcloud',
    scopes: [...ALL_SCOPES],
  };
  const automation = new KeycloakAutomation({
    baseUrl: keycloakUrl ?? '',
    realm: realm.name,
    admin: keycloakAdmin(),
  });
  const proxy = await automation.ensure(tenant);
  return {
    name: realm.name,
    issuer: realm.issuer,
    tenant,
    proxyClient: { id: proxy.clientId, secret: proxy.clientSecret },
    admin: () => admin(realm.name),
    delete: () => realm.delete(),
  };
}

import { readFileSync } from 'node:fs';
import KeycloakAdminClient from '@keycloak/keycloak-admin-client';
import type RealmRepresentation from '@keycloak/keycloak-admin-client/lib/defs/realmRepresentation.js';
import { ALL_SCOPES } from '../contract/index.js';
import { KeycloakAutomation, type KeycloakTenant } from '../operator/keycloak.js';
import { unique } from './harness.js';

/** The real Keycloak of the suites (test/peers), when one is running. */
export const keycloakUrl = process.env.TEST_KEYCLOAK_URL;

const admin = () => ({
  username: process.env.TEST_KEYCLOAK_ADMIN ?? 'admin',
  password: process.env.TEST_KEYCLOAK_ADMIN_PASSWORD ?? '',
});

export interface TestRealm {
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
 * A realm of its own on the shared Keycloak, set up as a tenant's would be: the local realm file
 * (demo user, `nextcloud` client, anonymous registration from loopback with consent) under a
 * unique name, then the operator's own automation for one tenant whose resource is `resource`.
 */
export async function createTestRealm(prefix: string, resource: string): Promise<TestRealm> {
  if (!keycloakUrl) throw new Error('TEST_KEYCLOAK_URL is not set');
  const name = unique(prefix);
  const file = JSON.parse(readFileSync('keycloak/realm-nextcloud-mcp.json', 'utf8')) as RealmRepresentation;
  const signIn = async () => {
    const kc = new KeycloakAdminClient({ baseUrl: keycloakUrl, realmName: 'master' });
    await kc.auth({ grantType: 'password', clientId: 'admin-cli', ...admin() });
    return kc;
  };
  await (await signIn()).realms.create({ ...file, realm: name, displayName: name });
  const tenant: KeycloakTenant = {
    key: name,
    proxyClientId: `mcp-${name}`,
    resource,
    nextcloudAudience: 'nextcloud',
    scopes: [...ALL_SCOPES],
  };
  const automation = new KeycloakAutomation({ baseUrl: keycloakUrl, realm: name, admin: admin() });
  const proxy = await automation.ensure(tenant);
  return {
    name,
    issuer: `${keycloakUrl}/realms/${name}`,
    tenant,
    proxyClient: { id: proxy.clientId, secret: proxy.clientSecret },
    async admin() {
      const kc = await signIn();
      kc.setConfig({ realmName: name });
      return kc;
    },
    async delete() {
      await (await signIn()).realms.del({ realm: name });
    },
  };
}

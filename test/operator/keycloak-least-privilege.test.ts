import { afterAll, describe, expect, it } from 'vitest';
import { scopesForApps } from '../../contract/index.js';
import { IdentityProviderRejected } from '../../operator/errors.js';
import { KeycloakAutomation, type KeycloakTenant } from '../../operator/keycloak.js';
import { ADMIN_ROLES, type KeycloakCredentials } from '../../operator/keycloak-credentials.js';
import { createRealm, keycloakUrl, realmExport, type TestRealm } from '../../peers/keycloak-realms.js';
import { realmUser, serviceAccount } from './keycloak-accounts.js';

/** A tenant using everything the automation configures: tool scopes, the exchange client, CIMD. */
const tenant = (name: string): KeycloakTenant => ({
  key: `ns.${name}`,
  proxyClientId: `mcp-ns.${name}`,
  resource: `https://${name}.mcp.example/mcp`,
  nextcloudAudience: 'nextcloud',
  scopes: scopesForApps(['notes', 'files']),
  cimd: { trustedDomains: ['mcp-clients.example', 'localhost'], allowHttp: false },
});

describe('the operator with only the realm-management roles it needs', () => {
  const realms: TestRealm[] = [];
  const realm = async () => {
    const created = await createRealm('operator-least');
    realms.push(created);
    return created;
  };
  const automation = (realmName: string, credentials: KeycloakCredentials) =>
    new KeycloakAutomation({ baseUrl: keycloakUrl(), realm: realmName, admin: credentials });
  afterAll(async () => {
    await Promise.all(realms.map((created) => created.delete()));
  }, 120_000);

  it.each([
    ['a service account of the tenant realm', serviceAccount],
    ['a user of the tenant realm', realmUser],
  ])(`does everything as %s holding ${ADMIN_ROLES.join(' and ')} alone`, async (_, account) => {
    const own = await realm();
    const credentials = await account(own.name, ADMIN_ROLES);
    const before = await realmExport(own.name);
    const operator = automation(own.name, credentials);
    const first = await operator.ensure(tenant('one'));
    expect(await operator.otherTenants(tenant('two'))).toEqual(['ns.one']);
    const rotated = await operator.ensure({ ...tenant('one'), rotateSecret: true });
    expect(rotated.clientSecret).not.toBe(first.clientSecret);
    await operator.remove(tenant('one'));
    expect(await realmExport(own.name)).toEqual(before);
  });

  it.each(ADMIN_ROLES.map((role) => [role]))('is refused, readably, without %s', async (left) => {
    const own = await realm();
    const credentials = await serviceAccount(
      own.name,
      ADMIN_ROLES.filter((role) => role !== left),
    );
    const refused = await automation(own.name, credentials)
      .ensure(tenant('one'))
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(IdentityProviderRejected);
    expect((refused as Error).message).toMatch(
      new RegExp(
        `refused the operator's account, which needs manage-clients and manage-realm over realm ${own.name} .*: HTTP 403 at /admin/realms/${own.name}/`,
      ),
    );
  });

  it("signs in to the tenant's realm only: its account administers no other realm", async () => {
    const own = await realm();
    const other = await realm();
    const user = await realmUser(own.name, ADMIN_ROLES);
    const client = await serviceAccount(own.name, ADMIN_ROLES);
    for (const credentials of [user, client]) {
      const refused = await automation(other.name, credentials)
        .ensure(tenant('one'))
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(IdentityProviderRejected);
    }
  });
});

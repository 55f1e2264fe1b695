/** Accounts of a tenant's own realm holding only some of its `realm-management` roles. */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { KeycloakCredentials } from '../../operator/keycloak-credentials.js';
import { admin } from '../../peers/keycloak-realms.js';

/** The roles of the tenant realm's `realm-management` client named `names`, as role mappings take them. */
async function managementRoles(realm: string, names: readonly string[]) {
  const kc = await admin(realm);
  const [management] = await kc.clients.find({ clientId: 'realm-management' });
  const roles = await kc.clients.listRoles({ id: management?.id ?? '' });
  const picked = roles.filter((role) => names.includes(role.name ?? ''));
  expect(picked.map((role) => role.name).sort()).toEqual([...names].sort());
  return {
    kc,
    managementId: management?.id ?? '',
    roles: picked.map(({ id, name }) => ({ id: id ?? '', name: name ?? '' })),
  };
}

/** A confidential client of the tenant's realm whose service account holds exactly `roles`. */
export async function serviceAccount(realm: string, roles: readonly string[]): Promise<KeycloakCredentials> {
  const { kc, managementId, roles: picked } = await managementRoles(realm, roles);
  const clientId = `operator-${randomBytes(3).toString('hex')}`;
  const { id } = await kc.clients.create({
    clientId,
    publicClient: false,
    serviceAccountsEnabled: true,
    standardFlowEnabled: false,
    directAccessGrantsEnabled: false,
  });
  const user = await kc.clients.getServiceAccountUser({ id });
  await kc.users.addClientRoleMappings({ id: user.id ?? '', clientUniqueId: managementId, roles: picked });
  const { value } = await kc.clients.getClientSecret({ id });
  return { clientId, clientSecret: value ?? '' };
}

/** A user of the tenant's realm holding exactly `roles`. */
export async function realmUser(realm: string, roles: readonly string[]): Promise<KeycloakCredentials> {
  const { kc, managementId, roles: picked } = await managementRoles(realm, roles);
  const username = `operator-${randomBytes(3).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  const { id } = await kc.users.create({
    username,
    enabled: true,
    emailVerified: true,
    firstName: 'Operator',
    lastName: 'Account',
    email: `${username}@example.org`,
    credentials: [{ type: 'password', value: password, temporary: false }],
  });
  await kc.users.addClientRoleMappings({ id, clientUniqueId: managementId, roles: picked });
  return { username, password, realm };
}

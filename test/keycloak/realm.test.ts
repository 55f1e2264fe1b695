import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALL_SCOPES } from '../../contract/index.js';
import { DEMO_USER } from '../../dev/full-path.js';

interface Credential {
  type: string;
  value: string;
  temporary: boolean;
}
interface User {
  username: string;
  enabled: boolean;
  email?: string;
  firstName?: string;
  lastName?: string;
  credentials?: Credential[];
  realmRoles?: string[];
  clientRoles?: Record<string, string[]>;
}
interface Client {
  clientId: string;
  enabled?: boolean;
  publicClient?: boolean;
  bearerOnly?: boolean;
  secret?: string;
  standardFlowEnabled?: boolean;
  implicitFlowEnabled?: boolean;
  directAccessGrantsEnabled?: boolean;
  serviceAccountsEnabled?: boolean;
  redirectUris?: string[];
  defaultClientScopes?: string[];
  optionalClientScopes?: string[];
}
interface Policy {
  providerId: string;
  subType: string;
  config: Record<string, string[]>;
}
interface Realm {
  realm: string;
  enabled: boolean;
  sslRequired: string;
  registrationAllowed: boolean;
  users: User[];
  clients: Client[];
  clientScopes?: { name: string }[];
  defaultDefaultClientScopes?: string[];
  defaultOptionalClientScopes?: string[];
  components: Record<string, Policy[]>;
}

const realm = JSON.parse(readFileSync('keycloak/realm-nextcloud-mcp.json', 'utf8')) as Realm;
const readme = readFileSync('keycloak/README.md', 'utf8');
const policies =
  realm.components['org.keycloak.services.clientregistration.policy.ClientRegistrationPolicy'] ?? [];
const policy = (providerId: string, subType: string) =>
  policies.find((p) => p.providerId === providerId && p.subType === subType);

/** Keycloak's own client scopes, which it creates itself when the file lists none. */
const KEYCLOAK_BUILT_IN_SCOPES = [
  'acr',
  'address',
  'basic',
  'email',
  'microprofile-jwt',
  'offline_access',
  'organization',
  'phone',
  'profile',
  'roles',
  'web-origins',
];

/** Every string in the file stored under a key that holds a credential, with where it is. */
function secretsIn(value: unknown, path = ''): { path: string; value: string }[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => secretsIn(item, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => {
    const here = `${path}.${key}`;
    if (typeof inner === 'string' && /secret|password|^value$|token|hashedSaltedValue/i.test(key))
      return [{ path: here, value: inner }];
    return secretsIn(inner, here);
  });
}

/** The local realm promises what keycloak/README.md says, and opens nothing beyond it. */
describe('the local Keycloak realm', () => {
  it('is the enabled nextcloud-mcp realm', () => {
    expect(realm.realm).toBe('nextcloud-mcp');
    expect(realm.enabled).toBe(true);
  });

  it('has the demo user, enabled, with a name, an email and a permanent password', () => {
    const demo = realm.users.find((user) => user.username === DEMO_USER.name);
    expect(demo?.enabled).toBe(true);
    expect(demo?.email).toMatch(/^[^@\s]+@[^@\s]+$/);
    expect(demo?.firstName).toBeTruthy();
    expect(demo?.lastName).toBeTruthy();
    expect(demo?.credentials).toEqual([{ type: 'password', value: DEMO_USER.password, temporary: false }]);
  });

  it('has no other user, and no user with roles (no admin account lives in this realm)', () => {
    expect(realm.users.map((user) => user.username)).toEqual([DEMO_USER.name]);
    expect(realm.users.filter((user) => user.realmRoles?.length || user.clientRoles)).toEqual([]);
  });

  it('has the Nextcloud client: confidential, standard flow for the login, the exchange audience', () => {
    const nextcloud = realm.clients.find((client) => client.clientId === 'nextcloud');
    expect(nextcloud?.enabled).toBe(true);
    expect(nextcloud?.publicClient).toBe(false);
    expect(nextcloud?.bearerOnly ?? false).toBe(false);
    expect(nextcloud?.standardFlowEnabled).toBe(true);
    expect(nextcloud?.redirectUris?.length).toBeGreaterThan(0);
    expect(
      nextcloud?.redirectUris?.filter((uri) => !/^http:\/\/(localhost|[a-z.]+\.localhost)[:/]/.test(uri)),
    ).toEqual([]);
  });

  it('holds no secret but the local-only ones keycloak/README.md documents', () => {
    const secrets = secretsIn(realm);
    expect(secrets.map((secret) => secret.value).sort()).toEqual(
      [DEMO_USER.password, 'nextcloud-local-only-secret'].sort(),
    );
    expect(secrets.filter((secret) => !readme.includes(`\`${secret.value}\``))).toEqual([]);
  });

  it('names no client scope that is neither a tool scope of contract/scopes.ts nor a Keycloak built-in', () => {
    const named = [
      ...(realm.clientScopes ?? []).map((scope) => scope.name),
      ...(realm.defaultDefaultClientScopes ?? []),
      ...(realm.defaultOptionalClientScopes ?? []),
      ...realm.clients.flatMap((client) => [
        ...(client.defaultClientScopes ?? []),
        ...(client.optionalClientScopes ?? []),
      ]),
      ...policies.flatMap((p) => p.config['allowed-client-scopes'] ?? []),
    ];
    const known = new Set<string>([...ALL_SCOPES, ...KEYCLOAK_BUILT_IN_SCOPES]);
    expect(named.filter((name) => !known.has(name))).toEqual([]);
  });

  it('lists no client scopes, so Keycloak creates its built-in ones (basic carries sub, profile preferred_username); the operator adds the tool scopes', () => {
    expect(realm.clientScopes).toBeUndefined();
  });

  it('lets MCP clients register themselves only with redirect URIs on this machine, with consent and no full scope', () => {
    const trusted = policy('trusted-hosts', 'anonymous');
    expect(trusted?.config['trusted-hosts']).toEqual(['localhost', '127.0.0.1']);
    expect(trusted?.config['client-uris-must-match']).toEqual(['true']);
    expect(policy('consent-required', 'anonymous')).toBeDefined();
    expect(policy('scope', 'anonymous')).toBeDefined();
    expect(Number(policy('max-clients', 'anonymous')?.config['max-clients']?.[0])).toBeGreaterThan(0);
  });

  it('keeps the allowed-scopes policies the operator extends with the tool scopes, for both kinds of registration', () => {
    for (const subType of ['anonymous', 'authenticated']) {
      expect(policy('allowed-client-templates', subType)?.config['allow-default-scopes']).toEqual(['true']);
    }
  });

  it('lets no registered client bring a mapper that could forge an audience or a claim', () => {
    const forging = ['oidc-audience-mapper', 'oidc-hardcoded-claim-mapper', 'oidc-hardcoded-role-mapper'];
    for (const subType of ['anonymous', 'authenticated']) {
      const allowed = policy('allowed-protocol-mappers', subType)?.config['allowed-protocol-mapper-types'];
      expect(allowed?.length).toBeGreaterThan(0);
      expect(
        allowed?.filter((type) => forging.includes(type) || /audience|hardcoded|script/.test(type)),
      ).toEqual([]);
    }
  });

  it('opens nothing dangerous: no self-registration, TLS off private networks, no password or implicit grant, no public client', () => {
    expect(realm.registrationAllowed).toBe(false);
    expect(['external', 'all']).toContain(realm.sslRequired);
    expect(realm.clients.filter((client) => client.publicClient !== false)).toEqual([]);
    expect(realm.clients.filter((client) => client.directAccessGrantsEnabled !== false)).toEqual([]);
    expect(realm.clients.filter((client) => client.implicitFlowEnabled === true)).toEqual([]);
    expect(realm.clients.filter((client) => client.serviceAccountsEnabled === true)).toEqual([]);
  });
});

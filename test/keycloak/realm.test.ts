import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEMO_USER } from '../full-path.js';

interface Realm {
  realm: string;
  enabled: boolean;
  sslRequired: string;
  registrationAllowed: boolean;
  users: {
    username: string;
    enabled: boolean;
    credentials: { type: string; value: string; temporary: boolean }[];
  }[];
  clients: {
    clientId: string;
    publicClient: boolean;
    secret?: string;
    directAccessGrantsEnabled?: boolean;
    redirectUris?: string[];
  }[];
  clientScopes?: unknown[];
  components: Record<string, { providerId: string; subType: string; config: Record<string, string[]> }[]>;
}

const realm = JSON.parse(readFileSync('keycloak/realm-nextcloud-mcp.json', 'utf8')) as Realm;
const policies =
  realm.components['org.keycloak.services.clientregistration.policy.ClientRegistrationPolicy'] ?? [];

/** The local realm promises what keycloak/README.md says, and opens nothing beyond it. */
describe('the local Keycloak realm', () => {
  it('is the nextcloud-mcp realm with the demo user and a permanent password', () => {
    expect(realm.realm).toBe('nextcloud-mcp');
    expect(realm.enabled).toBe(true);
    const demo = realm.users.find((user) => user.username === DEMO_USER.name);
    expect(demo?.enabled).toBe(true);
    expect(demo?.credentials).toEqual([{ type: 'password', value: DEMO_USER.password, temporary: false }]);
  });

  it('has the Nextcloud client, confidential, as the exchange audience', () => {
    const nextcloud = realm.clients.find((client) => client.clientId === 'nextcloud');
    expect(nextcloud?.publicClient).toBe(false);
    expect(nextcloud?.secret).toMatch(/local-only/);
    expect(
      nextcloud?.redirectUris?.every((uri) => /^http:\/\/(localhost|[a-z.]+\.localhost)[:/]/.test(uri)),
    ).toBe(true);
  });

  it('leaves the tool scopes to the operator, which creates them per tenant', () => {
    expect(realm.clientScopes ?? []).toEqual([]);
  });

  it('lets MCP clients register themselves only from this machine, with consent and no full scope', () => {
    const anonymous = policies
      .filter((policy) => policy.subType === 'anonymous')
      .map((policy) => policy.providerId);
    expect(anonymous).toEqual(
      expect.arrayContaining([
        'trusted-hosts',
        'consent-required',
        'scope',
        'max-clients',
        'allowed-client-templates',
      ]),
    );
    const trusted = policies.find((policy) => policy.providerId === 'trusted-hosts');
    expect(trusted?.config['trusted-hosts']).toEqual(['localhost', '127.0.0.1']);
    expect(trusted?.config['client-uris-must-match']).toEqual(['true']);
  });

  it('opens nothing dangerous: no self-registration, TLS for external requests, no password grant on any client', () => {
    expect(realm.registrationAllowed).toBe(false);
    expect(realm.sslRequired).not.toBe('none');
    expect(realm.clients.filter((client) => client.directAccessGrantsEnabled !== false)).toEqual([]);
  });
});

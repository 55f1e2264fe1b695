import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scopesForApps } from '../../contract/index.js';
import {
  KeycloakAutomation,
  KeycloakRejectedError,
  type KeycloakTenant,
  KeycloakUnavailableError,
} from '../../operator/keycloak.js';
import { type KeycloakStandin, startKeycloakStandin } from '../standins/keycloak.js';

/** Runs against the stand-in, or a real Keycloak when TEST_KEYCLOAK_URL (+ _ADMIN, _PASSWORD) is set. */
const real = process.env.TEST_KEYCLOAK_URL;
const REALM = process.env.TEST_KEYCLOAK_REALM ?? 'acme';

describe('Keycloak automation', () => {
  let standin: KeycloakStandin | undefined;
  let automation: KeycloakAutomation;
  const tenant = (
    name: string,
    apps: Parameters<typeof scopesForApps>[0] = ['notes', 'files'],
  ): KeycloakTenant => ({
    key: `tenant-${name}`,
    proxyClientId: `mcp-tenant-${name}`,
    resource: `https://${name}.mcp.example/mcp`,
    nextcloudAudience: 'nextcloud',
    scopes: scopesForApps(apps),
  });

  beforeAll(async () => {
    standin = real ? undefined : await startKeycloakStandin();
    automation = new KeycloakAutomation({
      baseUrl: real ?? standin?.url ?? '',
      realm: REALM,
      admin: real
        ? {
            username: process.env.TEST_KEYCLOAK_ADMIN ?? 'admin',
            password: process.env.TEST_KEYCLOAK_PASSWORD ?? '',
          }
        : (standin?.admin ?? { username: '', password: '' }),
    });
  });
  afterAll(async () => {
    await automation?.remove(tenant('one'));
    await automation?.remove(tenant('two'));
    await standin?.stop();
  });

  it('creates the scopes, audience mappers, exchange client and registration policy, then writes nothing', async () => {
    const first = await automation.ensure(tenant('one'));
    expect(first.clientId).toBe('mcp-tenant-one');
    expect(first.clientSecret.length).toBeGreaterThan(10);
    if (standin) {
      const realm = standin.realm(REALM);
      const names = [...realm.scopes.values()].map((scope) => scope.name).sort();
      expect(names).toEqual([
        'files:read',
        'files:write',
        'mcp-tenant-one-nextcloud-audience',
        'notes:read',
        'notes:write',
      ]);
      const notesRead = [...realm.scopes.values()].find((scope) => scope.name === 'notes:read');
      expect(notesRead?.protocolMappers[0]?.config).toMatchObject({
        'included.client.audience': 'mcp-tenant-one',
        'included.custom.audience': 'https://one.mcp.example/mcp',
      });
      const client = [...realm.clients.values()][0];
      expect(client?.attributes).toMatchObject({ 'standard.token.exchange.enabled': 'true' });
      expect(client?.defaultScopes.size).toBe(1);
      expect(client?.optionalScopes.size).toBe(4);
      for (const policy of realm.components.values()) {
        expect(policy.config['allowed-client-scopes']).toEqual(scopesForApps(['notes', 'files']));
      }
      const writes = standin.writes;
      const again = await automation.ensure(tenant('one'));
      expect(standin.writes).toBe(writes);
      expect(again.clientSecret).toBe(first.clientSecret);
    }
  });

  it.skipIf(Boolean(real))('repairs drift with the fewest writes', async () => {
    const realm = standin?.realm(REALM);
    const scope = [...(realm?.scopes.values() ?? [])].find((candidate) => candidate.name === 'notes:write');
    const mapper = scope?.protocolMappers[0];
    if (!mapper || !standin) throw new Error('expected the mapper');
    mapper.config['included.custom.audience'] = 'https://evil.example/mcp';
    const writes = standin.writes;
    await automation.ensure(tenant('one'));
    expect(standin.writes - writes).toBe(1);
    expect(scope?.protocolMappers[0]?.config['included.custom.audience']).toBe('https://one.mcp.example/mcp');
  });

  it('rotates the client secret on request', async () => {
    const before = await automation.ensure(tenant('one'));
    const after = await automation.ensure({ ...tenant('one'), rotateSecret: true });
    expect(after.clientSecret).not.toBe(before.clientSecret);
  });

  it.skipIf(Boolean(real))(
    'removes only what it created, keeping scopes another tenant still uses',
    async () => {
      await automation.ensure(tenant('two', ['notes']));
      await automation.remove(tenant('one'));
      const realm = standin?.realm(REALM);
      const names = [...(realm?.scopes.values() ?? [])].map((scope) => scope.name).sort();
      expect(names).toEqual(['mcp-tenant-two-nextcloud-audience', 'notes:read', 'notes:write']);
      const notesRead = [...(realm?.scopes.values() ?? [])].find((scope) => scope.name === 'notes:read');
      expect(notesRead?.protocolMappers.map((mapper) => mapper.name)).toEqual(['mcp-audience-tenant-two']);
      expect([...(realm?.clients.values() ?? [])].map((client) => client.clientId)).toEqual([
        'mcp-tenant-two',
      ]);
      await automation.remove(tenant('two'));
      expect(realm?.scopes.size).toBe(0);
      expect(realm?.clients.size).toBe(0);
    },
  );

  it.skipIf(Boolean(real))('tells a Keycloak that is down from one that refuses', async () => {
    standin?.fail({ status: 503, times: 1 });
    await expect(automation.ensure(tenant('three'))).rejects.toBeInstanceOf(KeycloakUnavailableError);
    const wrong = new KeycloakAutomation({
      baseUrl: standin?.url ?? '',
      realm: REALM,
      admin: { username: 'admin', password: 'wrong' },
    });
    await expect(wrong.ensure(tenant('three'))).rejects.toBeInstanceOf(KeycloakRejectedError);
    const gone = new KeycloakAutomation({
      baseUrl: 'http://127.0.0.1:9',
      realm: REALM,
      admin: { username: 'a', password: 'b' },
    });
    await expect(gone.ensure(tenant('three'))).rejects.toBeInstanceOf(KeycloakUnavailableError);
    await automation.remove(tenant('three'));
  });

  it.runIf(!real)("creates each app's own levels: mail's separate send scope, news's read only", async () => {
    await automation.ensure(tenant('three', ['mail', 'news']));
    const names = [...(standin?.realm(REALM).scopes.values() ?? [])].map((scope) => scope.name);
    expect(names).toEqual(expect.arrayContaining(['mail:read', 'mail:write', 'mail:send', 'news:read']));
    expect(names).not.toContain('news:write');
    await automation.remove(tenant('three', ['mail', 'news']));
  });
});

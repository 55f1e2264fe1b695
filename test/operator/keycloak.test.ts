import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, scopesForApps } from '../../contract/index.js';
import { IdentityProviderRejected, IdentityProviderUnavailable } from '../../operator/errors.js';
import { KeycloakAutomation, type KeycloakTenant } from '../../operator/keycloak.js';
import { countingDispatcher } from '../../operator/keycloak-requests.js';
import {
  admin,
  adminWrites,
  createRealm,
  type KeycloakProxy,
  keycloakAdmin,
  realmExport,
  startKeycloakProxy,
  type TestRealm,
} from '../../peers/keycloak-realms.js';

const tenant = (name: string, apps: App[] = ['notes', 'files']): KeycloakTenant => ({
  key: `ns.${name}`,
  proxyClientId: `mcp-ns.${name}`,
  resource: `https://${name}.mcp.example/mcp`,
  nextcloudAudience: 'nextcloud',
  scopes: scopesForApps(apps),
});

/** The Python nextcloud-mcp-server's setup makes the tool scopes itself, before any operator. */
async function createToolScopesAsPythonSetup(realm: string, names: string[]) {
  const kc = await admin(realm);
  for (const name of names) {
    await kc.clientScopes.create({
      name,
      protocol: 'openid-connect',
      description: `Nextcloud MCP ${name}`,
      attributes: { 'include.in.token.scope': 'true', 'display.on.consent.screen': 'true' },
    });
  }
}

describe('Keycloak automation against a real Keycloak', () => {
  let proxy: KeycloakProxy;
  const realms: TestRealm[] = [];
  let calls = { signIns: 0, reads: 0, writes: 0 };
  const automationFor = (realm: TestRealm, baseUrl = proxy.url) =>
    new KeycloakAutomation(
      { baseUrl, realm: realm.name, admin: keycloakAdmin() },
      countingDispatcher((kind) => {
        if (kind === 'sign-in') calls.signIns++;
        else if (kind === 'write') calls.writes++;
        else calls.reads++;
      }),
    );
  const realm = async (options?: Parameters<typeof createRealm>[1]) => {
    const created = await createRealm('operator-kc', options);
    realms.push(created);
    return created;
  };

  beforeAll(async () => {
    proxy = await startKeycloakProxy();
  });
  // Several realms go at once; Keycloak takes seconds per realm on a busy machine.
  afterAll(async () => {
    await Promise.all(realms.map((created) => created.delete()));
    await proxy?.stop();
  }, 120_000);

  it('configures a fresh realm, writes nothing the second time, and removal leaves it as it was', async () => {
    const fresh = await realm();
    const before = await realmExport(fresh.name);
    const automation = automationFor(fresh);
    const first = await automation.ensure(tenant('one'));
    expect(first.clientId).toBe('mcp-ns.one');
    expect(first.clientSecret.length).toBeGreaterThan(10);

    const kc = await admin(fresh.name);
    const scopes = await kc.clientScopes.find();
    const notesRead = scopes.find((scope) => scope.name === 'notes:read');
    expect(notesRead?.protocolMappers?.map((mapper) => mapper.config)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ 'included.client.audience': 'mcp-ns.one' }),
        expect.objectContaining({ 'included.custom.audience': 'https://one.mcp.example/mcp' }),
      ]),
    );
    const [client] = await kc.clients.find({ clientId: 'mcp-ns.one' });
    expect(client).toMatchObject({
      publicClient: false,
      standardFlowEnabled: false,
      directAccessGrantsEnabled: false,
    });
    expect(client?.attributes).toMatchObject({ 'standard.token.exchange.enabled': 'true' });
    const optional = await kc.clients.listOptionalClientScopes({ id: client?.id ?? '' });
    expect(optional.map((scope) => scope.name)).toEqual(
      expect.arrayContaining(scopesForApps(['notes', 'files'])),
    );
    const defaults = await kc.clients.listDefaultClientScopes({ id: client?.id ?? '' });
    expect(defaults.map((scope) => scope.name)).toContain('mcp-ns.one-nextcloud-audience');

    // Steady state: counted at the proxy, in Keycloak's admin events, and by the automation itself.
    const writes = proxy.counts.writes;
    const requests = proxy.counts.requests;
    const events = (await adminWrites(fresh.name)).length;
    calls = { signIns: 0, reads: 0, writes: 0 };
    const again = await automationFor(fresh).ensure(tenant('one'));
    expect(again.clientSecret).toBe(first.clientSecret);
    expect(proxy.counts.writes - writes).toBe(0);
    expect(await adminWrites(fresh.name)).toHaveLength(events);
    // The sign-in is a POST outside /admin, counted apart; every admin call is counted by both.
    expect(calls.reads).toBe(proxy.counts.requests - requests);
    expect(calls.writes).toBe(0);
    expect(calls.signIns).toBe(1);
    expect(calls.reads).toBeLessThanOrEqual(8);

    await automation.remove(tenant('one'));
    expect(await realmExport(fresh.name)).toEqual(before);
  });

  it('uses tool scopes the realm already has, and leaves them exactly as they were', async () => {
    const existing = await realm();
    await createToolScopesAsPythonSetup(existing.name, ['notes:read', 'notes:write', 'files:write']);
    const before = await realmExport(existing.name);
    const automation = automationFor(existing);
    await automation.ensure(tenant('one'));
    const scopes = await (await admin(existing.name)).clientScopes.find();
    expect(scopes.filter((scope) => scope.name === 'notes:read')).toHaveLength(1);
    const mappers = scopes.find((scope) => scope.name === 'files:write')?.protocolMappers;
    expect(mappers?.map((mapper) => mapper.name).sort()).toEqual([
      'mcp-audience-ns.one',
      'mcp-resource-ns.one',
    ]);
    await automation.remove(tenant('one'));
    expect(await realmExport(existing.name)).toEqual(before);
  });

  it('configures the local realm file (keycloak/), which already trusts loopback, and restores it', async () => {
    const file = JSON.parse(readFileSync('keycloak/realm-nextcloud-mcp.json', 'utf8')) as { realm: string };
    const local = { ...file, realm: `operator-kc-file-${Date.now().toString(36)}`, adminEventsEnabled: true };
    await (await admin()).realms.create(local);
    const imported: TestRealm = {
      name: local.realm,
      issuer: '',
      delete: async () => (await admin()).realms.del({ realm: local.realm }),
    };
    realms.push(imported);
    const before = await realmExport(imported.name);
    const automation = automationFor(imported);
    await automation.ensure(tenant('one'));
    const [client] = await (await admin(imported.name)).clients.find({ clientId: 'mcp-ns.one' });
    // Only the tool scopes were missing from its policies: nothing recorded about Trusted Hosts.
    expect(client?.attributes?.['nextcloud-mcp.io/registration-policy']).not.toContain('trusted-hosts');
    await automation.remove(tenant('one'));
    expect(await realmExport(imported.name)).toEqual(before);
  });

  it('keeps one tenant whole when another in the same realm goes', async () => {
    const shared = await realm();
    const before = await realmExport(shared.name);
    const automation = automationFor(shared);
    await automation.ensure(tenant('one', ['notes', 'files']));
    await automation.ensure(tenant('two', ['notes', 'calendar']));
    expect(await automation.otherTenants(tenant('two', ['notes', 'calendar']))).toEqual(['ns.one']);
    await automation.remove(tenant('one'));

    const kc = await admin(shared.name);
    const names = (await kc.clientScopes.find()).map((scope) => scope.name);
    expect(names).toEqual(
      expect.arrayContaining(['notes:read', 'calendar:read', 'mcp-ns.two-nextcloud-audience']),
    );
    expect(names).not.toContain('files:read');
    expect(names).not.toContain('mcp-ns.one-nextcloud-audience');
    expect(await kc.clients.find({ clientId: 'mcp-ns.one' })).toEqual([]);
    const [policy] = (
      await kc.components.find({
        type: 'org.keycloak.services.clientregistration.policy.ClientRegistrationPolicy',
      })
    ).filter((component) => component.providerId === 'allowed-client-templates');
    expect(policy?.config?.['allowed-client-scopes']).toEqual(
      expect.arrayContaining(['notes:read', 'calendar:write']),
    );
    expect(policy?.config?.['allowed-client-scopes']).not.toContain('files:read');

    const writes = proxy.counts.writes;
    await automation.ensure(tenant('two', ['notes', 'calendar']));
    expect(proxy.counts.writes).toBe(writes);
    await automation.remove(tenant('two', ['notes', 'calendar']));
    expect(await realmExport(shared.name)).toEqual(before);
  });

  it('repairs drift with one write, and rotates the secret on request', async () => {
    const drift = await realm();
    const automation = automationFor(drift);
    const before = await automation.ensure(tenant('one'));
    const kc = await admin(drift.name);
    const [client] = await kc.clients.find({ clientId: 'mcp-ns.one' });
    await kc.clients.update(
      { id: client?.id ?? '' },
      { ...client, attributes: { ...client?.attributes, 'standard.token.exchange.enabled': 'false' } },
    );
    const writes = proxy.counts.writes;
    await automation.ensure(tenant('one'));
    expect(proxy.counts.writes - writes).toBe(1);
    const [repaired] = await kc.clients.find({ clientId: 'mcp-ns.one' });
    expect(repaired?.attributes?.['standard.token.exchange.enabled']).toBe('true');
    const after = await automation.ensure({ ...tenant('one'), rotateSecret: true });
    expect(after.clientSecret).not.toBe(before.clientSecret);
    expect((await kc.clients.getClientSecret({ id: client?.id ?? '' })).value).toBe(after.clientSecret);
  });

  it("creates each app's own levels: mail's separate send scope, news's read only", async () => {
    const apps = await realm();
    await automationFor(apps).ensure(tenant('three', ['mail', 'news']));
    const names = (await (await admin(apps.name)).clientScopes.find()).map((scope) => scope.name);
    expect(names).toEqual(expect.arrayContaining(['mail:read', 'mail:write', 'mail:send', 'news:read']));
    expect(names).not.toContain('news:write');
  });

  it('refuses, before writing anything, a realm without the Nextcloud audience client', async () => {
    const bare = await realm({ nextcloud: false });
    const before = await realmExport(bare.name);
    const refused = await automationFor(bare)
      .ensure(tenant('one'))
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(IdentityProviderRejected);
    expect((refused as Error).message).toMatch(/no enabled client "nextcloud".*Audience not found/);
    expect(await realmExport(bare.name)).toEqual(before);
  });

  it('will not take over a client of the same name it did not create', async () => {
    const taken = await realm();
    await (await admin(taken.name)).clients.create({ clientId: 'mcp-ns.one', publicClient: false });
    await expect(automationFor(taken).ensure(tenant('one'))).rejects.toThrow(/did not create/);
  });

  it('tells a Keycloak that is down from one that refuses, and recovers when it is back', async () => {
    const faults = await realm();
    const automation = automationFor(faults);
    await proxy.cut();
    const down = await automation.ensure(tenant('one')).catch((error: unknown) => error);
    await proxy.restore();
    expect(down).toBeInstanceOf(IdentityProviderUnavailable);
    await expect(automation.ensure(tenant('one'))).resolves.toMatchObject({ clientId: 'mcp-ns.one' });
    const wrong = new KeycloakAutomation({
      baseUrl: proxy.url,
      realm: faults.name,
      admin: { username: keycloakAdmin().username, password: 'wrong' },
    });
    await expect(wrong.ensure(tenant('one'))).rejects.toBeInstanceOf(IdentityProviderRejected);
    const missing = automationFor({ ...faults, name: `${faults.name}-missing` });
    await expect(missing.ensure(tenant('one'))).rejects.toBeInstanceOf(IdentityProviderRejected);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import KeycloakAdminClient from '@keycloak/keycloak-admin-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scopesForApps } from '../../contract/index.js';
import { ClientIdMetadataDocumentsUnsupported } from '../../operator/errors.js';
import { KeycloakAutomation } from '../../operator/keycloak.js';
import { type KeycloakPeer, startKeycloak } from '../../peers/keycloak.js';

describe('a Keycloak started without --features=cimd', () => {
  let keycloak: KeycloakPeer;
  const dir = mkdtempSync(join(tmpdir(), 'keycloak-no-cimd-'));

  beforeAll(async () => {
    keycloak = await startKeycloak(dir, { features: [] });
    const kc = new KeycloakAdminClient({ baseUrl: keycloak.url, realmName: 'master' });
    await kc.auth({
      grantType: 'password',
      clientId: 'admin-cli',
      username: keycloak.admin,
      password: keycloak.adminPassword,
    });
    await kc.realms.create({ realm: 'tenant', enabled: true });
    kc.setConfig({ realmName: 'tenant' });
    await kc.clients.create({ clientId: 'nextcloud', publicClient: false });
  }, 300_000);
  afterAll(async () => {
    await keycloak?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses the CIMD executor, which the tenant sees as ClientIdMetadataDocumentsUnsupported', async () => {
    const automation = new KeycloakAutomation({
      baseUrl: keycloak.url,
      realm: 'tenant',
      admin: { username: keycloak.admin, password: keycloak.adminPassword },
    });
    const tenant = {
      key: 'ns.acme',
      proxyClientId: 'mcp-ns.acme',
      resource: 'https://acme.mcp.example/mcp',
      nextcloudAudience: 'nextcloud',
      scopes: scopesForApps(['notes']),
    };
    const refused = await automation
      .ensure({ ...tenant, cimd: { trustedDomains: ['claude.ai'], allowHttp: false } })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ClientIdMetadataDocumentsUnsupported);
    expect(refused).toMatchObject({
      reason: 'ClientIdMetadataDocumentsUnsupported',
      transient: false,
      message: expect.stringMatching(/--features=cimd/),
    });
    // Without CIMD the same tenant is served as before, by dynamic registration.
    await expect(automation.ensure(tenant)).resolves.toMatchObject({ clientId: 'mcp-ns.acme' });
  });
});

import KeycloakAdminClient, { NetworkError } from '@keycloak/keycloak-admin-client';
import type { Scope } from '../contract/index.js';

/** Where and as whom the operator talks to Keycloak's admin API. */
export interface KeycloakTarget {
  readonly baseUrl: string;
  readonly realm: string;
  readonly admin: { readonly username: string; readonly password: string };
}

/** What one tenant needs in the realm. */
export interface KeycloakTenant {
  /** `<namespace>-<name>`: names every realm object the operator creates for the tenant. */
  readonly key: string;
  readonly proxyClientId: string;
  /** `<publicUrl>/mcp`, put into MCP clients' tokens as an audience. */
  readonly resource: string;
  readonly nextcloudAudience: string;
  readonly scopes: readonly Scope[];
  /** Generate a new proxy client secret (the rotation annotation). */
  readonly rotateSecret?: boolean;
}

/** Keycloak failed in a way that may pass (down, 5xx, timeout): retry with backoff. */
export class KeycloakUnavailableError extends Error {}
/** Keycloak refused (wrong admin credentials, missing permissions, bad realm): say so, do not hammer. */
export class KeycloakRejectedError extends Error {}

/** Marks realm objects the operator created, so it never deletes what it did not create. */
const MANAGED = 'nextcloud-mcp.io/managed';
const AUDIENCE_MAPPER = 'oidc-audience-mapper';
const REGISTRATION_POLICY = 'org.keycloak.services.clientregistration.policy.ClientRegistrationPolicy';

type Mapper = { name: string; protocol: string; protocolMapper: string; config: Record<string, string> };

function audienceMapper(name: string, clientAudience: string, customAudience?: string): Mapper {
  return {
    name,
    protocol: 'openid-connect',
    protocolMapper: AUDIENCE_MAPPER,
    config: {
      'included.client.audience': clientAudience,
      ...(customAudience ? { 'included.custom.audience': customAudience } : {}),
      'access.token.claim': 'true',
      'id.token.claim': 'false',
      'introspection.token.claim': 'true',
    },
  };
}

const sameConfig = (a: Record<string, unknown> | undefined, b: Record<string, unknown>) =>
  JSON.stringify(Object.entries(a ?? {}).sort()) === JSON.stringify(Object.entries(b).sort());

/**
 * Keycloak automation for one realm, idempotent and write-free when nothing changed: the tool
 * client scopes with a per-tenant audience mapper (proxy client id + resource URL, since Keycloak
 * ignores RFC 8707 `resource`), the proxy's confidential client with standard token exchange (V2),
 * a default scope putting the Nextcloud audience within the exchange's reach, the tool scopes as
 * the client's optional scopes, and the registration policy allowing DCR clients those scopes.
 */
export class KeycloakAutomation {
  constructor(private readonly target: KeycloakTarget) {}

  private async client(): Promise<KeycloakAdminClient> {
    const kc = new KeycloakAdminClient({ baseUrl: this.target.baseUrl, realmName: 'master' });
    try {
      await kc.auth({ grantType: 'password', clientId: 'admin-cli', ...this.target.admin });
    } catch (error) {
      throw classify(error, "cannot sign in to Keycloak's admin API");
    }
    kc.setConfig({ realmName: this.target.realm });
    return kc;
  }

  /** Makes the realm match the tenant; returns the proxy client's id and secret. */
  async ensure(tenant: KeycloakTenant): Promise<{ clientId: string; clientSecret: string }> {
    return this.guard(async () => {
      const kc = await this.client();
      const mapperName = `mcp-audience-${tenant.key}`;
      const scopeIds: string[] = [];
      for (const name of tenant.scopes) {
        const scope = await this.ensureScope(kc, name);
        await this.ensureMapper(kc, scope, audienceMapper(mapperName, tenant.proxyClientId, tenant.resource));
        scopeIds.push(scope);
      }
      const audienceScope = await this.ensureScope(kc, `mcp-${tenant.key}-nextcloud-audience`);
      await this.ensureMapper(
        kc,
        audienceScope,
        audienceMapper('nextcloud-audience', tenant.nextcloudAudience),
      );
      const clientUuid = await this.ensureProxyClient(kc, tenant.proxyClientId);
      await this.ensureClientScopes(kc, clientUuid, 'default', [audienceScope]);
      await this.ensureClientScopes(kc, clientUuid, 'optional', scopeIds);
      await this.ensureRegistrationPolicy(kc, tenant.scopes);
      const secret = tenant.rotateSecret
        ? await kc.clients.generateNewClientSecret({ id: clientUuid })
        : await kc.clients.getClientSecret({ id: clientUuid });
      return { clientId: tenant.proxyClientId, clientSecret: secret.value ?? '' };
    });
  }

  /**
   * The other tenants whose audience mappers sit on this realm's tool scopes. Tokens carrying a
   * tool scope get every such tenant's audience, so tenants sharing a realm accept each other's
   * tokens: the provisioner refuses that unless it is explicitly allowed.
   */
  async otherTenants(tenant: KeycloakTenant): Promise<string[]> {
    return this.guard(async () => {
      const kc = await this.client();
      const keys = new Set<string>();
      for (const scope of await kc.clientScopes.find()) {
        if (!tenant.scopes.includes(scope.name as Scope)) continue;
        for (const mapper of scope.protocolMappers ?? []) {
          const key = mapper.name?.startsWith('mcp-audience-')
            ? mapper.name.slice('mcp-audience-'.length)
            : undefined;
          if (key && key !== tenant.key) keys.add(key);
        }
      }
      return [...keys].sort();
    });
  }

  /** Removes what `ensure` created for the tenant, and nothing else. */
  async remove(tenant: KeycloakTenant): Promise<void> {
    await this.guard(async () => {
      const kc = await this.client();
      const [client] = await kc.clients.find({ clientId: tenant.proxyClientId });
      if (client?.id && client.attributes?.[MANAGED] === 'true') await kc.clients.del({ id: client.id });
      const scopes = await kc.clientScopes.find();
      for (const scope of scopes) {
        if (!scope.id || scope.attributes?.[MANAGED] !== 'true') continue;
        if (scope.name === `mcp-${tenant.key}-nextcloud-audience`) {
          await kc.clientScopes.del({ id: scope.id });
          continue;
        }
        const mine = (scope.protocolMappers ?? []).find(
          (mapper) => mapper.name === `mcp-audience-${tenant.key}`,
        );
        if (mine?.id) await kc.clientScopes.delProtocolMapper({ id: scope.id, mapperId: mine.id });
        // A tool scope another tenant still maps stays; the last tenant's removal deletes it.
        const others = (scope.protocolMappers ?? []).filter((mapper) => mapper.name !== mine?.name);
        if (mine && others.length === 0) await kc.clientScopes.del({ id: scope.id });
      }
    });
  }

  private async ensureScope(kc: KeycloakAdminClient, name: string): Promise<string> {
    const existing = await kc.clientScopes.findOneByName({ name });
    if (existing?.id) return existing.id;
    const { id } = await kc.clientScopes.create({
      name,
      protocol: 'openid-connect',
      attributes: {
        'include.in.token.scope': 'true',
        'display.on.consent.screen': 'true',
        [MANAGED]: 'true',
      },
    });
    return id;
  }

  private async ensureMapper(kc: KeycloakAdminClient, scopeId: string, wanted: Mapper): Promise<void> {
    const mappers = await kc.clientScopes.listProtocolMappers({ id: scopeId });
    const current = mappers.find((mapper) => mapper.name === wanted.name);
    if (!current) {
      await kc.clientScopes.addProtocolMapper({ id: scopeId }, wanted);
    } else if (
      current.id &&
      (current.protocolMapper !== wanted.protocolMapper || !sameConfig(current.config, wanted.config))
    ) {
      await kc.clientScopes.updateProtocolMapper(
        { id: scopeId, mapperId: current.id },
        { ...wanted, id: current.id },
      );
    }
  }

  private async ensureProxyClient(kc: KeycloakAdminClient, clientId: string): Promise<string> {
    const wanted = {
      clientId,
      enabled: true,
      publicClient: false,
      clientAuthenticatorType: 'client-secret',
      standardFlowEnabled: false,
      directAccessGrantsEnabled: false,
      serviceAccountsEnabled: false,
      attributes: { 'standard.token.exchange.enabled': 'true', [MANAGED]: 'true' },
    };
    const [existing] = await kc.clients.find({ clientId });
    if (!existing?.id) return (await kc.clients.create(wanted)).id;
    const drifted =
      existing.enabled !== true ||
      existing.publicClient !== false ||
      existing.attributes?.['standard.token.exchange.enabled'] !== 'true';
    if (drifted) {
      await kc.clients.update(
        { id: existing.id },
        { ...existing, ...wanted, attributes: { ...existing.attributes, ...wanted.attributes } },
      );
    }
    return existing.id;
  }

  private async ensureClientScopes(
    kc: KeycloakAdminClient,
    id: string,
    kind: 'default' | 'optional',
    wanted: readonly string[],
  ): Promise<void> {
    const current = new Set(
      (kind === 'default'
        ? await kc.clients.listDefaultClientScopes({ id })
        : await kc.clients.listOptionalClientScopes({ id })
      ).map((scope) => scope.id),
    );
    for (const clientScopeId of wanted) {
      if (current.has(clientScopeId)) continue;
      if (kind === 'default') await kc.clients.addDefaultClientScope({ id, clientScopeId });
      else await kc.clients.addOptionalClientScope({ id, clientScopeId });
    }
  }

  private async ensureRegistrationPolicy(kc: KeycloakAdminClient, scopes: readonly Scope[]): Promise<void> {
    const policies = await kc.components.find({ type: REGISTRATION_POLICY });
    for (const policy of policies.filter(
      (component) => component.providerId === 'allowed-client-templates',
    )) {
      const allowed = new Set(policy.config?.['allowed-client-scopes'] ?? []);
      const missing = scopes.filter((scope) => !allowed.has(scope));
      if (missing.length === 0 || !policy.id) continue;
      await kc.components.update(
        { id: policy.id },
        { ...policy, config: { ...policy.config, 'allowed-client-scopes': [...allowed, ...missing] } },
      );
    }
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw classify(error, "Keycloak's admin API failed");
    }
  }
}

/** The one place Keycloak client failures become ours: 5xx, 429, network and timeouts may pass; 4xx will not. */
function classify(error: unknown, context: string): Error {
  if (error instanceof KeycloakUnavailableError || error instanceof KeycloakRejectedError) return error;
  if (error instanceof NetworkError) {
    const status = error.response.status;
    const Kind = status >= 500 || status === 429 ? KeycloakUnavailableError : KeycloakRejectedError;
    return new Kind(`${context}: ${describe(error)}`, { cause: error });
  }
  return new KeycloakUnavailableError(`${context}: ${describe(error)}`, { cause: error });
}

function describe(error: unknown): string {
  if (error instanceof NetworkError) return `HTTP ${error.response.status}`;
  return error instanceof Error ? error.message : String(error);
}

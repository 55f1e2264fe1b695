import type KeycloakAdminClient from '@keycloak/keycloak-admin-client';
import { NetworkError } from '@keycloak/keycloak-admin-client';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import type { Scope } from '../contract/index.js';
import { satisfies } from './compare.js';
import { IdentityProviderRejected } from './errors.js';
import { type CimdSettings, reconcileCimd } from './keycloak-cimd.js';
import { ADMIN_ROLES, type KeycloakCredentials, signIn } from './keycloak-credentials.js';
import { fromKeycloak, parse } from './keycloak-errors.js';
import {
  ALLOWED_SCOPES,
  POLICY_RECORD,
  Policy,
  type PolicyChange,
  planPolicies,
  REGISTRATION_POLICY,
  recordOf,
  revertPolicies,
} from './keycloak-policy.js';
import { inTurn } from './realm-turns.js';

/** Where and as whom the operator talks to Keycloak's admin API. */
export interface KeycloakTarget {
  readonly baseUrl: string;
  readonly realm: string;
  readonly admin: KeycloakCredentials;
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
  /** Client ID Metadata Documents (keycloak-cimd.ts); absent when off. */
  readonly cimd?: CimdSettings;
  /** Generate a new proxy client secret (the rotation annotation). */
  readonly rotateSecret?: boolean;
}

/** Marks realm objects the operator created, so it never deletes what it did not create. */
const MANAGED = 'nextcloud-mcp.io/managed';
const MAPPER_PREFIX = 'mcp-audience-';
/** The tenant's mapper names on a tool scope: its proxy client's audience, then its resource URL's. */
const tenantMappers = (key: string) => [`${MAPPER_PREFIX}${key}`, `mcp-resource-${key}`];
const TIMEOUT_MS = 10_000;

const Attributes = z.record(z.string(), z.string()).optional();
const Mapper = z.object({
  id: z.string().optional(),
  name: z.string(),
  protocolMapper: z.string().optional(),
  config: z.record(z.string(), z.string()).optional(),
});
const ClientScope = z.object({
  id: z.string(),
  name: z.string(),
  attributes: Attributes,
  protocolMappers: z.array(Mapper).optional(),
});
type ClientScope = z.infer<typeof ClientScope>;
// Loose: an update sends back the whole representation, fields this code does not know included.
const Client = z.looseObject({
  id: z.string(),
  clientId: z.string(),
  enabled: z.boolean().optional(),
  attributes: Attributes,
});
type Client = z.infer<typeof Client>;
const Secret = z.object({ value: z.string().min(1) });

type WantedMapper = {
  name: string;
  protocol: string;
  protocolMapper: string;
  config: Record<string, string>;
};

/**
 * Keycloak's audience mapper adds one audience: a client's id, or, only when no client is named,
 * a custom one. The proxy client id and the resource URL therefore take a mapper each.
 */
function audienceMapper(name: string, audience: { client: string } | { custom: string }): WantedMapper {
  return {
    name,
    protocol: 'openid-connect',
    protocolMapper: 'oidc-audience-mapper',
    config: {
      ...('client' in audience
        ? { 'included.client.audience': audience.client }
        : { 'included.custom.audience': audience.custom }),
      'access.token.claim': 'true',
      'id.token.claim': 'false',
      'introspection.token.claim': 'true',
    },
  };
}

const sameConfig = (a: Record<string, string> | undefined, b: Record<string, string>) =>
  JSON.stringify(Object.entries(a ?? {}).sort()) === JSON.stringify(Object.entries(b).sort());
const managed = (object: { attributes?: Record<string, string> | undefined }) =>
  object.attributes?.[MANAGED] === 'true';
const audienceScopeName = (key: string) => `mcp-${key}-nextcloud-audience`;

/**
 * Keycloak automation for one realm, idempotent and write-free when nothing changed: the tool
 * client scopes with a per-tenant audience mapper (proxy client id + resource URL, since Keycloak
 * ignores RFC 8707 `resource`), the proxy's confidential client with standard token exchange (V2),
 * a default scope putting the Nextcloud audience within the exchange's reach, the tool scopes as
 * the client's optional scopes, the registration policies letting loopback MCP clients
 * register and ask for those scopes (keycloak-policy.ts), and, if asked, CIMD (keycloak-cimd.ts).
 */
export class KeycloakAutomation {
  private session: { kc: KeycloakAdminClient; until: number } | undefined;

  constructor(
    private readonly target: KeycloakTarget,
    private readonly dispatcher?: Dispatcher,
  ) {}

  /** Signs in once and again only when the admin token is about to expire. */
  private async client(): Promise<KeycloakAdminClient> {
    if (this.session && Date.now() < this.session.until) return this.session.kc;
    // Node's fetch takes an undici dispatcher, which its RequestInit type does not name.
    const requestOptions = this.dispatcher
      ? ({ dispatcher: this.dispatcher } as unknown as RequestInit)
      : undefined;
    const { baseUrl, realm, admin } = this.target;
    this.session = await signIn(
      { baseUrl, realm, timeout: TIMEOUT_MS, ...(requestOptions ? { requestOptions } : {}) },
      admin,
    );
    return this.session.kc;
  }

  /** Makes the realm match the tenant; returns the proxy client's id and secret. */
  async ensure(tenant: KeycloakTenant): Promise<{ clientId: string; clientSecret: string }> {
    return this.guard(async (kc) => {
      // Exchange V2 answers "Audience not found" for a missing audience client: say so before writing.
      const [audience] = await this.findClient(kc, tenant.nextcloudAudience);
      if (!audience?.enabled) {
        throw new IdentityProviderRejected(
          `realm ${this.target.realm} has no enabled client "${tenant.nextcloudAudience}" (spec.nextcloud.audience), so token exchange would fail with "Audience not found": create it (Nextcloud's user_oidc client) or set spec.nextcloud.audience`,
        );
      }
      const scopes = await this.scopes(kc);
      const [clientMapper, resourceMapper] = tenantMappers(tenant.key) as [string, string];
      const mappers = [
        audienceMapper(clientMapper, { client: tenant.proxyClientId }),
        audienceMapper(resourceMapper, { custom: tenant.resource }),
      ];
      const toolScopes: string[] = [];
      for (const name of tenant.scopes) toolScopes.push(await this.ensureScope(kc, scopes, name, mappers));
      const audienceScope = await this.ensureScope(kc, scopes, audienceScopeName(tenant.key), [
        audienceMapper('nextcloud-audience', { client: tenant.nextcloudAudience }),
      ]);
      const policies = parse(
        z.array(Policy),
        await kc.components.find({ type: REGISTRATION_POLICY }),
        'list of registration policies',
      );
      const { updates, changes } = planPolicies(policies, tenant.scopes);
      // The record is written first: a change it names but that failed is harmless to undo.
      const id = await this.ensureProxyClient(kc, tenant.proxyClientId, changes);
      for (const update of updates) await kc.components.update({ id: update.id }, update);
      await this.ensureClientScopes(kc, id, 'default', [audienceScope]);
      await this.ensureClientScopes(kc, id, 'optional', toolScopes);
      await reconcileCimd(kc, tenant.key, tenant.cimd, toolScopes, scopes);
      const secret = parse(
        Secret,
        tenant.rotateSecret
          ? await kc.clients.generateNewClientSecret({ id })
          : await kc.clients.getClientSecret({ id }),
        'client secret',
      );
      return { clientId: tenant.proxyClientId, clientSecret: secret.value };
    });
  }

  /**
   * The other tenants whose audience mappers sit on this realm's tool scopes. Tokens carrying a
   * tool scope get every such tenant's audience, so tenants sharing a realm accept each other's
   * tokens: the provisioner refuses that unless it is explicitly allowed.
   */
  async otherTenants(tenant: KeycloakTenant): Promise<string[]> {
    return this.guard(async (kc) => {
      const keys = new Set<string>();
      for (const scope of await this.scopes(kc)) {
        if (!tenant.scopes.includes(scope.name as Scope)) continue;
        for (const { name } of scope.protocolMappers ?? []) {
          const key = name.startsWith(MAPPER_PREFIX) ? name.slice(MAPPER_PREFIX.length) : undefined;
          if (key && key !== tenant.key) keys.add(key);
        }
      }
      return [...keys].sort();
    });
  }

  /** Removes what `ensure` created or changed for the tenant, and nothing else. */
  async remove(tenant: KeycloakTenant): Promise<void> {
    await this.guard(async (kc) => {
      const mine = tenantMappers(tenant.key);
      const scopes = await this.scopes(kc);
      await reconcileCimd(kc, tenant.key, undefined, [], scopes);
      const othersOf = (scope: ClientScope) =>
        (scope.protocolMappers ?? []).filter((mapper) => !mine.includes(mapper.name));
      const stillMapped = new Set(
        scopes
          .filter((scope) => othersOf(scope).some((mapper) => mapper.name.startsWith(MAPPER_PREFIX)))
          .map((scope) => scope.name),
      );
      // The client goes first: Keycloak keeps a scope's links to the clients that use it.
      await this.releasePolicies(kc, tenant.proxyClientId, stillMapped);
      for (const scope of scopes) {
        if (scope.name === audienceScopeName(tenant.key) && managed(scope)) {
          await kc.clientScopes.del({ id: scope.id });
          continue;
        }
        const own = (scope.protocolMappers ?? []).filter((mapper) => mine.includes(mapper.name));
        if (!own.length) continue;
        // A scope the realm had before (e.g. made by another setup) keeps all but these mappers.
        if (managed(scope) && othersOf(scope).length === 0) await kc.clientScopes.del({ id: scope.id });
        else
          for (const { id } of own)
            if (id) await kc.clientScopes.delProtocolMapper({ id: scope.id, mapperId: id });
      }
    });
  }

  /**
   * Hands the leaving tenant's policy changes still needed to a remaining tenant, undoes the
   * rest (all of them once no tenant is left), then deletes the leaving proxy client.
   */
  private async releasePolicies(kc: KeycloakAdminClient, clientId: string, stillMapped: Set<string>) {
    const clients = parse(
      z.array(Client),
      // Keycloak searches clients only by attributes its admin allowed for search: list them all.
      await kc.clients.find(),
      'list of clients',
    ).filter(managed);
    const leaving = clients.find((client) => client.clientId === clientId);
    const remaining = clients.filter((client) => client !== leaving);
    const undo: PolicyChange[] = [];
    const kept = new Map<Client, PolicyChange[]>();
    for (const client of clients) {
      const needed = (change: PolicyChange) =>
        remaining.length > 0 &&
        !('add' in change && change.key === ALLOWED_SCOPES && !stillMapped.has(change.add));
      kept.set(client, recordOf(client).filter(needed));
      undo.push(...recordOf(client).filter((change) => !needed(change)));
    }
    const [heir] = remaining;
    if (heir && leaving) kept.set(heir, [...(kept.get(heir) ?? []), ...(kept.get(leaving) ?? [])]);
    for (const client of remaining) {
      const record = kept.get(client) ?? [];
      if (JSON.stringify(record) === JSON.stringify(recordOf(client))) continue;
      // An empty attribute value is how Keycloak's client update removes an attribute.
      const value = record.length ? JSON.stringify(record) : '';
      await kc.clients.update(
        { id: client.id },
        { ...client, attributes: { ...client.attributes, [POLICY_RECORD]: value } },
      );
    }
    if (undo.length) {
      const policies = parse(
        z.array(Policy),
        await kc.components.find({ type: REGISTRATION_POLICY }),
        'list of registration policies',
      );
      for (const update of revertPolicies(policies, undo))
        await kc.components.update({ id: update.id }, update);
    }
    if (leaving) await kc.clients.del({ id: leaving.id });
  }

  private async scopes(kc: KeycloakAdminClient): Promise<ClientScope[]> {
    return parse(z.array(ClientScope), await kc.clientScopes.find(), 'list of client scopes');
  }

  private async findClient(kc: KeycloakAdminClient, clientId: string): Promise<Client[]> {
    return parse(z.array(Client), await kc.clients.find({ clientId }), 'list of clients');
  }

  /** The scope's id, created if missing, with the `wanted` mappers among its own. */
  private async ensureScope(
    kc: KeycloakAdminClient,
    scopes: ClientScope[],
    name: string,
    mappers: WantedMapper[],
  ): Promise<string> {
    let scope = scopes.find((candidate) => candidate.name === name);
    if (!scope) {
      const attributes = {
        'include.in.token.scope': 'true',
        'display.on.consent.screen': 'true',
        [MANAGED]: 'true',
      };
      const { id } = await kc.clientScopes.create({ name, protocol: 'openid-connect', attributes });
      scope = { id, name, attributes, protocolMappers: [] };
      scopes.push(scope);
    }
    for (const wanted of mappers) {
      const current = scope.protocolMappers?.find((mapper) => mapper.name === wanted.name);
      if (!current) {
        await kc.clientScopes.addProtocolMapper({ id: scope.id }, wanted);
      } else if (
        current.id &&
        (current.protocolMapper !== wanted.protocolMapper || !sameConfig(current.config, wanted.config))
      ) {
        await kc.clientScopes.updateProtocolMapper(
          { id: scope.id, mapperId: current.id },
          { ...wanted, id: current.id },
        );
      }
    }
    return scope.id;
  }

  private async ensureProxyClient(kc: KeycloakAdminClient, clientId: string, changes: PolicyChange[]) {
    // Token exchange only: no browser flow, no password grant, no service account.
    const wanted = {
      clientId,
      enabled: true,
      publicClient: false,
      bearerOnly: false,
      clientAuthenticatorType: 'client-secret',
      standardFlowEnabled: false,
      implicitFlowEnabled: false,
      directAccessGrantsEnabled: false,
      serviceAccountsEnabled: false,
      attributes: { 'standard.token.exchange.enabled': 'true', [MANAGED]: 'true' },
    };
    const [existing] = await this.findClient(kc, clientId);
    if (!existing) {
      const attributes = {
        ...wanted.attributes,
        ...(changes.length ? { [POLICY_RECORD]: JSON.stringify(changes) } : {}),
      };
      return (await kc.clients.create({ ...wanted, attributes })).id;
    }
    if (!managed(existing)) {
      throw new IdentityProviderRejected(
        `realm ${this.target.realm} already has a client "${clientId}" the operator did not create; it will not take it over`,
      );
    }
    if (!satisfies(wanted, existing) || changes.length) {
      const record = [...recordOf(existing), ...changes];
      const attributes = {
        ...existing.attributes,
        ...wanted.attributes,
        ...(record.length ? { [POLICY_RECORD]: JSON.stringify(record) } : {}),
      };
      await kc.clients.update({ id: existing.id }, { ...existing, ...wanted, attributes });
    }
    return existing.id;
  }

  private async ensureClientScopes(
    kc: KeycloakAdminClient,
    id: string,
    kind: 'default' | 'optional',
    wanted: readonly string[],
  ): Promise<void> {
    const listed =
      kind === 'default'
        ? await kc.clients.listDefaultClientScopes({ id })
        : await kc.clients.listOptionalClientScopes({ id });
    const current = new Set(
      parse(z.array(z.object({ id: z.string() })), listed, `${kind} client scopes`).map((scope) => scope.id),
    );
    for (const clientScopeId of wanted) {
      if (current.has(clientScopeId)) continue;
      if (kind === 'default') await kc.clients.addDefaultClientScope({ id, clientScopeId });
      else await kc.clients.addOptionalClientScope({ id, clientScopeId });
    }
  }

  private guard<T>(work: (kc: KeycloakAdminClient) => Promise<T>): Promise<T> {
    // Scope attributes and the client-policy lists are read, changed and written back whole: two
    // tenants of one realm reconciled at once would each write back what lacks the other's change.
    return inTurn(`${this.target.baseUrl} ${this.target.realm}`, async () => {
      try {
        return await work(await this.client());
      } catch (error) {
        // A failed call may mean a session Keycloak no longer honours (restarted, revoked): the
        // next call signs in again.
        this.session = undefined;
        const forbidden = error instanceof NetworkError && error.response.status === 403;
        throw fromKeycloak(
          error,
          forbidden
            ? `Keycloak's admin API refused the operator's account, which needs ${ADMIN_ROLES.join(' and ')} over realm ${this.target.realm} (roles of that realm's realm-management client; for a master-realm user, of master's ${this.target.realm}-realm client)`
            : "Keycloak's admin API failed",
        );
      }
    });
  }
}

import type KeycloakAdminClient from '@keycloak/keycloak-admin-client';
import { NetworkError } from '@keycloak/keycloak-admin-client';
import { z } from 'zod';
import { ClientIdMetadataDocumentsUnsupported } from './errors.js';
import { parse } from './keycloak-errors.js';

/**
 * Client ID Metadata Documents through Keycloak's experimental `cimd` feature (26.7, keys as its
 * admin API names them): a client profile whose `client-id-metadata-document` executor fetches the
 * document, and a client policy whose `client-id-uri` condition sends URL client ids to it. Both
 * are named for the tenant, so tenants sharing a realm each keep their own. Keycloak creates a
 * public, consent-requiring client per document, with the realm's default optional client scopes:
 * the tenant's tool scopes are made such defaults, each marked with the tenants that need it.
 */

/** What the tenant asked for; absent when off. */
export interface CimdSettings {
  readonly trustedDomains: readonly string[];
  readonly allowHttp: boolean;
}

const EXECUTOR = 'client-id-metadata-document';
const CONDITION = 'client-id-uri';
/** On a tool scope: the tenant keys that made it a realm default optional scope (comma-separated). */
const DEFAULT_FOR = 'nextcloud-mcp.io/cimd-default-for';
export const cimdName = (key: string) => `nextcloud-mcp-cimd-${key}`;

// Loose: the realm's whole lists go back on every write, other admins' entries as Keycloak gave them.
const Profiles = z.object({ profiles: z.array(z.looseObject({ name: z.string() })).optional() });
const Policies = z.object({ policies: z.array(z.looseObject({ name: z.string() })).optional() });
/** A client scope as KeycloakAutomation read it. */
interface Scope {
  readonly id: string;
  readonly name: string;
  readonly attributes?: Record<string, string> | undefined;
}

function wantedProfile(key: string, settings: CimdSettings) {
  return {
    name: cimdName(key),
    description: `Client ID Metadata Documents for MCP tenant ${key} (managed by nextcloud-mcp)`,
    executors: [
      {
        executor: EXECUTOR,
        configuration: {
          'cimd-allow-http-scheme': settings.allowHttp,
          'cimd-allow-permitted-domains': [...settings.trustedDomains],
          // Desktop clients redirect to loopback, never to their document's domain.
          'cimd-restrict-same-domain': false,
        },
      },
    ],
  };
}

function wantedPolicy(key: string, settings: CimdSettings) {
  return {
    name: cimdName(key),
    description: `Sends URL client ids on the trusted domains to ${cimdName(key)}`,
    enabled: true,
    conditions: [
      {
        condition: CONDITION,
        configuration: {
          'client-id-uri-scheme': settings.allowHttp ? ['https', 'http'] : ['https'],
          'client-id-uri-allow-permitted-domains': [...settings.trustedDomains],
        },
      },
    ],
    profiles: [cimdName(key)],
  };
}

/** The list with the tenant's entry replaced by `wanted` (or dropped), or undefined when unchanged. */
function replaced<T extends { name: string }>(list: readonly T[], name: string, wanted: T | undefined) {
  const current = list.find((entry) => entry.name === name);
  if (wanted ? current && same(current, wanted) : !current) return undefined;
  const others = list.filter((entry) => entry.name !== name);
  return wanted ? [...others, wanted] : others;
}
const same = (current: object, wanted: object) =>
  JSON.stringify(current) === JSON.stringify({ ...current, ...wanted });

const tenantsOf = (scope: Scope) => (scope.attributes?.[DEFAULT_FOR] ?? '').split(',').filter(Boolean);

/**
 * Makes the realm's CIMD profile, policy and default optional tool scopes match the tenant;
 * `settings` undefined removes them. `scopes` are the realm's client scopes as just read. Writes
 * nothing when all match; a tenant without CIMD costs one read.
 */
export async function reconcileCimd(
  kc: KeycloakAdminClient,
  key: string,
  settings: CimdSettings | undefined,
  toolScopeIds: readonly string[],
  scopes: readonly Scope[],
): Promise<void> {
  const name = cimdName(key);
  const profiles =
    parse(Profiles, await kc.clientPolicies.listProfiles({ includeGlobalProfiles: false }), 'client profiles')
      .profiles ?? [];
  const newProfiles = replaced(profiles, name, settings && wantedProfile(key, settings));
  // The policy is written after its profile and removed before it: no profile, no policy.
  if (settings || newProfiles) {
    const policies =
      parse(
        Policies,
        await kc.clientPolicies.listPolicies({ includeGlobalPolicies: false }),
        'client policies',
      ).policies ?? [];
    const newPolicies = replaced(policies, name, settings && wantedPolicy(key, settings));
    // The profile first: its executor is what a Keycloak without CIMD refuses.
    if (settings && newProfiles) await writeProfiles(kc, newProfiles);
    if (newPolicies) await kc.clientPolicies.updatePolicy({ policies: newPolicies });
    if (!settings && newProfiles) await writeProfiles(kc, newProfiles);
  }
  await defaultToolScopes(kc, key, settings ? toolScopeIds : [], scopes);
}

async function writeProfiles(kc: KeycloakAdminClient, profiles: object[]) {
  try {
    await kc.clientPolicies.createProfiles({ profiles });
  } catch (error) {
    // Keycloak answers 400 for a profile whose executor it has no provider for.
    if (error instanceof NetworkError && error.response.status === 400)
      throw new ClientIdMetadataDocumentsUnsupported(
        `Keycloak refused the ${EXECUTOR} executor (${(error.responseData as { errorMessage?: string })?.errorMessage ?? 'HTTP 400'}): it needs Keycloak 26.7 or later started with --features=cimd`,
        { cause: error },
      );
    throw error;
  }
}

/**
 * Makes exactly `wanted` of the scopes the tenant's among the realm's default optional scopes. A
 * scope that was a default before any tenant asked is the realm admin's: it is left as it is.
 */
async function defaultToolScopes(
  kc: KeycloakAdminClient,
  key: string,
  wanted: readonly string[],
  scopes: readonly Scope[],
) {
  // Which scopes are defaults matters only for adding; taking back needs the marks alone.
  const defaults = new Set(
    wanted.length
      ? parse(
          z.array(z.object({ id: z.string() })),
          await kc.clientScopes.listDefaultOptionalClientScopes(),
          'default optional client scopes',
        ).map((scope) => scope.id)
      : [],
  );
  for (const scope of scopes) {
    const tenants = tenantsOf(scope);
    const want = wanted.includes(scope.id);
    if (want === tenants.includes(key) || (want && !tenants.length && defaults.has(scope.id))) continue;
    const next = want ? [...tenants, key] : tenants.filter((tenant) => tenant !== key);
    if (want && !defaults.has(scope.id))
      await kc.clientScopes.addDefaultOptionalClientScope({ id: scope.id });
    if (!next.length) await kc.clientScopes.delDefaultOptionalClientScope({ id: scope.id });
    // An empty attribute value is how Keycloak's update removes an attribute.
    await kc.clientScopes.update(
      { id: scope.id },
      { name: scope.name, attributes: { ...scope.attributes, [DEFAULT_FOR]: next.join(',') } },
    );
  }
}

import { z } from 'zod';
import { IdentityProviderRejected } from './errors.js';
import { parse } from './keycloak-errors.js';

/**
 * The realm's client-registration policies (RFC 7591 at `/realms/{realm}/clients-registrations`)
 * as the operator needs them for MCP clients, and the record of what it changed so that the last
 * tenant's removal puts every policy back as it was.
 */

export const REGISTRATION_POLICY = 'org.keycloak.services.clientregistration.policy.ClientRegistrationPolicy';

/** One change to one policy: a value added to a list, or a list replaced (`was` holds the old one). */
export const PolicyChange = z.union([
  z.object({ id: z.string(), key: z.string(), add: z.string() }),
  z.object({ id: z.string(), key: z.string(), was: z.array(z.string()) }),
]);
export type PolicyChange = z.infer<typeof PolicyChange>;
const PolicyRecord = z.array(PolicyChange);

/** On a proxy client: the registration-policy changes made for it, undone when the last tenant goes. */
export const POLICY_RECORD = 'nextcloud-mcp.io/registration-policy';

/** The changes recorded on a proxy client. */
export function recordOf(client: {
  clientId: string;
  attributes?: Record<string, string> | undefined;
}): PolicyChange[] {
  const raw = client.attributes?.[POLICY_RECORD];
  if (!raw) return [];
  try {
    return parse(PolicyRecord, JSON.parse(raw), `${POLICY_RECORD} attribute on ${client.clientId}`);
  } catch (error) {
    throw new IdentityProviderRejected(`client ${client.clientId} holds an unreadable ${POLICY_RECORD}`, {
      cause: error,
    });
  }
}

// Loose: Keycloak's component update needs the whole representation back (providerType, parentId).
export const Policy = z.looseObject({
  id: z.string(),
  providerId: z.string().optional(),
  subType: z.string().optional(),
  config: z.record(z.string(), z.array(z.string())).optional(),
});
export type Policy = z.infer<typeof Policy>;

export const ALLOWED_SCOPES = 'allowed-client-scopes';

/**
 * Loopback only. MCP clients that run on the user's machine (Claude Code, MCP Inspector,
 * mcp-remote) redirect to `http://localhost:<port>/…` or `http://127.0.0.1:<port>/…` (RFC 8252).
 * The Trusted Hosts policy then permits anonymous registration of clients whose every URI is on
 * loopback, from any host: the client runs where the person signs in, not where Keycloak can see
 * it, so the sending host cannot be checked. A client registered this way can deliver codes only
 * to the signing-in person's own machine, and Keycloak's other anonymous policies (consent
 * required, full scope disabled, max clients) stay as they are. Other redirect hosts (claude.ai)
 * stay the realm admin's decision.
 */
export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1'];

/** What each kind of policy must hold: lists that must include values, lists that must equal one. */
function wanted(
  policy: Policy,
  scopes: readonly string[],
): { include?: Record<string, readonly string[]>; equal?: Record<string, string[]> } {
  if (policy.providerId === 'allowed-client-templates') return { include: { [ALLOWED_SCOPES]: scopes } };
  if (policy.providerId === 'trusted-hosts' && policy.subType === 'anonymous')
    return {
      include: { 'trusted-hosts': LOOPBACK_HOSTS },
      // Every URI of the client must be on a trusted host: without it loopback trust would open all.
      equal: {
        'client-uris-must-match': ['true'],
        'host-sending-registration-request-must-match': ['false'],
      },
    };
  return {};
}

/** The policies to update so registration allows the scopes, and the changes that makes. */
export function planPolicies(policies: readonly Policy[], scopes: readonly string[]) {
  const updates: Policy[] = [];
  const changes: PolicyChange[] = [];
  for (const policy of policies) {
    const { include = {}, equal = {} } = wanted(policy, scopes);
    const config = { ...policy.config };
    const before = changes.length;
    for (const [key, values] of Object.entries(include)) {
      const current = config[key] ?? [];
      const missing = values.filter((value) => !current.includes(value));
      for (const add of missing) changes.push({ id: policy.id, key, add });
      if (missing.length) config[key] = [...current, ...missing];
    }
    for (const [key, values] of Object.entries(equal)) {
      const current = config[key] ?? [];
      if (JSON.stringify(current) === JSON.stringify(values)) continue;
      changes.push({ id: policy.id, key, was: current });
      config[key] = values;
    }
    if (changes.length > before) updates.push({ ...policy, config });
  }
  return { updates, changes };
}

/** The policies to update to undo the changes (a policy since deleted is left alone). */
export function revertPolicies(policies: readonly Policy[], changes: readonly PolicyChange[]): Policy[] {
  const updates = new Map<string, Policy>();
  for (const change of changes) {
    const policy = updates.get(change.id) ?? policies.find((candidate) => candidate.id === change.id);
    if (!policy) continue;
    const config = { ...policy.config };
    // Keycloak's update leaves a key it is not sent alone, and drops one it is sent empty.
    config[change.key] =
      'add' in change ? (config[change.key] ?? []).filter((value) => value !== change.add) : change.was;
    updates.set(change.id, { ...policy, config });
  }
  return [...updates.values()];
}

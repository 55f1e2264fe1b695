import { join } from 'node:path';
import { startKeycloak } from '../peers/keycloak.js';
import { createRealm, keycloakAdmin, startKeycloakProxy, type TestRealm } from '../peers/keycloak-realms.js';

/** What went through the counting proxy so far. */
export interface KeycloakCalls {
  /** Admin API requests, and how many of them wrote. */
  admin: number;
  writes: number;
  /** Requests outside the admin API: the operator's sign-ins at the master realm. */
  signIns: number;
}

/**
 * A real Keycloak for the keycloak identity mode: the one TEST_KEYCLOAK_* names (the suites'
 * peers), else one of the bench's own. A realm per tenant, each with the confidential `nextcloud`
 * client (the audience), and a counting proxy in front that the tenants name as their admin URL.
 */
export async function startBenchKeycloak(directory: string, tenants: number) {
  const own = process.env.TEST_KEYCLOAK_URL ? undefined : await startKeycloak(join(directory, 'keycloak'));
  if (own) {
    // peers/keycloak-realms.ts reads these, as the suites' global setup exports them.
    process.env.TEST_KEYCLOAK_URL = own.url;
    process.env.TEST_KEYCLOAK_ADMIN = own.admin;
    process.env.TEST_KEYCLOAK_ADMIN_PASSWORD = own.adminPassword;
  }
  const realms: TestRealm[] = [];
  const proxy = await startKeycloakProxy();
  const stop = async () => {
    await proxy.stop();
    for (const realm of realms) await realm.delete().catch(() => undefined);
    await own?.stop();
  };
  try {
    for (let i = 0; i < tenants; i++) realms.push(await createRealm('bench'));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    pids: own?.pids ?? [],
    /** The admin credentials Secret's data (`username`, `password`). */
    adminSecret: keycloakAdmin(),
    /** Tenant `index`'s identity: its realm, administered through the proxy. */
    identity: (index: number, secret: string) => {
      const realm = realms[index] as TestRealm;
      return {
        issuerUrl: realm.issuer,
        keycloak: { url: proxy.url, realm: realm.name, adminCredentialsSecretRef: { name: secret } },
      };
    },
    calls: (): KeycloakCalls => ({
      admin: proxy.counts.requests,
      writes: proxy.counts.writes,
      signIns: proxy.log.length - proxy.counts.requests,
    }),
    stop,
  };
}

/** Calls between two readings. */
export function callsSince(before: KeycloakCalls, after: KeycloakCalls): KeycloakCalls {
  return {
    admin: after.admin - before.admin,
    writes: after.writes - before.writes,
    signIns: after.signIns - before.signIns,
  };
}

import { ApiException, type CoreV1Api, type V1Secret } from '@kubernetes/client-node';
import { APPS, type NextcloudMcp, scopesForApps } from '../contract/index.js';
import {
  KeycloakAutomation,
  KeycloakRejectedError,
  type KeycloakTenant,
  KeycloakUnavailableError,
} from './keycloak.js';
import type { IdentityProvisioner, IdentityResult } from './reconcile.js';

/** A spec problem the user must fix: reported as a condition, not retried. */
class SpecProblem extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

async function readSecret(core: CoreV1Api, namespace: string, name: string): Promise<V1Secret> {
  try {
    return await core.readNamespacedSecret({ name, namespace });
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) {
      throw new SpecProblem('SecretNotFound', `Secret ${namespace}/${name} does not exist`);
    }
    throw error;
  }
}

function secretValue(secret: V1Secret, key: string): string {
  const value = secret.data?.[key];
  if (!value)
    throw new SpecProblem('SecretKeyMissing', `Secret ${secret.metadata?.name} has no key "${key}"`);
  return Buffer.from(value, 'base64').toString('utf8');
}

/** The Keycloak view of a resource: names derive from namespace and name, so tenants never collide. */
export function keycloakTenant(resource: NextcloudMcp): KeycloakTenant {
  const key = `${resource.metadata.namespace}-${resource.metadata.name}`;
  return {
    key,
    proxyClientId: `mcp-${key}`,
    resource: `${resource.spec.publicUrl.replace(/\/+$/, '')}/mcp`,
    nextcloudAudience: resource.spec.nextcloud.audience ?? 'nextcloud',
    scopes: scopesForApps(resource.spec.apps ?? APPS),
  };
}

/**
 * Identity per mode: `clientSecretRef` reads the user's client and manages nothing; `keycloak`
 * signs in with the referenced admin Secret and configures the realm. (`registration` follows.)
 */
export function createIdentityProvisioner(core: CoreV1Api): IdentityProvisioner {
  async function keycloakFor(resource: NextcloudMcp): Promise<KeycloakAutomation> {
    const keycloak = resource.spec.identity.keycloak;
    if (!keycloak) throw new SpecProblem('InvalidSpec', 'identity.keycloak is not set');
    const secret = await readSecret(
      core,
      resource.metadata.namespace,
      keycloak.adminCredentialsSecretRef.name,
    );
    return new KeycloakAutomation({
      baseUrl: keycloak.url ?? new URL(resource.spec.identity.issuerUrl).origin,
      realm: keycloak.realm,
      admin: { username: secretValue(secret, 'username'), password: secretValue(secret, 'password') },
    });
  }

  return {
    async ensure(resource): Promise<IdentityResult> {
      const { identity } = resource.spec;
      try {
        if (identity.clientSecretRef) {
          const secret = await readSecret(core, resource.metadata.namespace, identity.clientSecretRef.name);
          return {
            ok: true,
            managed: false,
            client: {
              id: secretValue(secret, 'clientId'),
              secret: secretValue(secret, identity.clientSecretRef.key ?? 'clientSecret'),
            },
          };
        }
        if (identity.keycloak) {
          const client = await (await keycloakFor(resource)).ensure(keycloakTenant(resource));
          return { ok: true, managed: true, client: { id: client.clientId, secret: client.clientSecret } };
        }
        return {
          ok: false,
          transient: false,
          reason: 'NotSupportedYet',
          message: 'identity.registration is not wired yet',
        };
      } catch (error) {
        if (error instanceof SpecProblem)
          return { ok: false, transient: false, reason: error.reason, message: error.message };
        if (error instanceof KeycloakRejectedError) {
          return { ok: false, transient: false, reason: 'IdentityProviderRejected', message: error.message };
        }
        if (error instanceof KeycloakUnavailableError) {
          return {
            ok: false,
            transient: true,
            reason: 'IdentityProviderUnavailable',
            message: error.message,
          };
        }
        throw error;
      }
    },
    async cleanup(resource) {
      if (resource.spec.identity.keycloak)
        await (await keycloakFor(resource)).remove(keycloakTenant(resource));
    },
  };
}

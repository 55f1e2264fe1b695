import { createHash } from 'node:crypto';
import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import { LRUCache } from 'lru-cache';
import {
  ALLOW_SHARED_REALM_ANNOTATION,
  APPS,
  CREDENTIALS_LABEL,
  type NextcloudMcp,
  ROTATE_SECRET_ANNOTATION,
  scopesForApps,
} from '../contract/index.js';
import type { StoredClient } from './desired.js';
import {
  fromKubernetes,
  InvalidSpec,
  KubernetesNotFound,
  OperatorError,
  RealmShared,
  RegistrationNotManageable,
  SecretKeyMissing,
  SecretNotFound,
  SecretNotMarked,
} from './errors.js';
import { KeycloakAutomation, type KeycloakTenant } from './keycloak.js';
import { credentialsFromSecret } from './keycloak-credentials.js';
import { countingDispatcher, type KeycloakRequestObserver } from './keycloak-requests.js';
import { deleteRegisteredClient, registerProxyClient } from './registration.js';

/** The proxy client a resource's identity mode yields. */
export interface ProvisionedIdentity {
  readonly client: StoredClient;
  /** Whether this call carried out a rotation request. */
  readonly rotated: boolean;
  /** The Secrets it read (e.g. admin credentials), so the reconcile need not read them again. */
  readonly secrets?: readonly V1Secret[];
}

/**
 * Identity automation per mode (Keycloak, RFC 7591, or a client the user brings). Each fails with
 * an OperatorError: one with a `reason` is reported on the IdentityConfigured condition.
 */
export interface IdentityProvisioner {
  /** `stored` is what the owned Secret held from the last reconcile, if anything. */
  ensure(resource: NextcloudMcp, stored: StoredClient | undefined): Promise<ProvisionedIdentity>;
  /** Removes what `ensure` created at the IdP. */
  cleanup(resource: NextcloudMcp, stored: StoredClient | undefined): Promise<void>;
}

/** How long one registration call at the IdP may take. */
const REGISTRATION_TIMEOUT_MS = 10_000;

/**
 * A Secret the spec names, if its owner marked it for the operator. The resource's author may be
 * someone who cannot read the namespace's Secrets: unmarked ones are neither used nor held.
 */
async function readSecret(core: CoreV1Api, namespace: string, name: string): Promise<V1Secret> {
  let secret: V1Secret;
  try {
    secret = await core.readNamespacedSecret({ name, namespace });
  } catch (error) {
    const failure = fromKubernetes(error);
    throw failure instanceof KubernetesNotFound
      ? new SecretNotFound(`Secret ${namespace}/${name} does not exist`, { cause: error })
      : failure;
  }
  if (secret.metadata?.labels?.[CREDENTIALS_LABEL] !== 'true')
    throw new SecretNotMarked(
      `Secret ${namespace}/${name} is not labelled ${CREDENTIALS_LABEL}=true; its owner must label it for the operator to use it`,
    );
  return secret;
}

function secretValue(secret: V1Secret, key: string): string {
  const value = secret.data?.[key];
  if (!value) throw new SecretKeyMissing(`Secret ${secret.metadata?.name} has no key "${key}"`);
  return Buffer.from(value, 'base64').toString('utf8');
}

/**
 * The Keycloak view of a resource: names derive from namespace and name, joined by a dot, which a
 * namespace (a DNS label) can never contain, so two tenants never share a name.
 */
export function keycloakTenant(resource: NextcloudMcp): KeycloakTenant {
  const key = `${resource.metadata.namespace}.${resource.metadata.name}`;
  const cimd = resource.spec.identity.keycloak?.clientIdMetadataDocuments;
  return {
    key,
    proxyClientId: `mcp-${key}`,
    resource: `${resource.spec.publicUrl.replace(/\/+$/, '')}/mcp`,
    nextcloudAudience: resource.spec.nextcloud.audience ?? 'nextcloud',
    scopes: scopesForApps(resource.spec.apps ?? APPS),
    ...(cimd?.enabled
      ? { cimd: { trustedDomains: cimd.trustedDomains ?? [], allowHttp: cimd.allowHttp ?? false } }
      : {}),
  };
}

const toRegistered = (client: StoredClient) => ({
  clientId: client.id,
  clientSecret: client.secret,
  ...(client.registration
    ? {
        registrationAccessToken: client.registration.accessToken,
        registrationClientUri: client.registration.clientUri,
      }
    : {}),
});

/** Counts calls that reach the IdP, by mode, operation and outcome (for metrics). */
export type IdpCallObserver = (mode: string, operation: string, outcome: string) => void;

/**
 * Identity per mode: `clientSecretRef` reads the user's client and manages nothing; `keycloak`
 * signs in with the referenced admin Secret (a user's or a service account's keys,
 * keycloak-credentials.ts) and configures the realm; `registration` registers a
 * client once (RFC 7591) and keeps its registration access token in the owned Secret.
 */
export function createIdentityProvisioner(
  core: CoreV1Api,
  observe: IdpCallObserver = () => undefined,
  observeKeycloak: KeycloakRequestObserver = () => undefined,
): IdentityProvisioner {
  // One connection pool for every tenant's automation, counting each request to Keycloak.
  const dispatcher = countingDispatcher(observeKeycloak);
  const namespaceOf = (resource: NextcloudMcp) => resource.metadata.namespace;

  // One automation per Keycloak, realm and admin credentials, so its signed-in session lasts
  // across reconciles (a sign-in per reconcile is a grant each time); changed credentials make a
  // new one. Keyed by a hash: no cache holds a password or client secret.
  const automations = new LRUCache<string, KeycloakAutomation>({ max: 256 });
  async function keycloakFor(
    resource: NextcloudMcp,
  ): Promise<{ automation: KeycloakAutomation; adminSecret: V1Secret }> {
    const keycloak = resource.spec.identity.keycloak;
    if (!keycloak) throw new InvalidSpec('identity.keycloak is not set');
    const secret = await readSecret(core, namespaceOf(resource), keycloak.adminCredentialsSecretRef.name);
    const target = {
      baseUrl: keycloak.url ?? new URL(resource.spec.identity.issuerUrl).origin,
      realm: keycloak.realm,
      admin: credentialsFromSecret(`${namespaceOf(resource)}/${secret.metadata?.name}`, secret.data),
    };
    const key = createHash('sha256').update(JSON.stringify(target)).digest('hex');
    let automation = automations.get(key);
    if (!automation) {
      automation = new KeycloakAutomation(target, dispatcher);
      automations.set(key, automation);
    }
    return { automation, adminSecret: secret };
  }

  /** Runs one IdP operation, counting it with its outcome (the IdP clients classify their failures). */
  async function atIdp<T>(mode: string, operation: string, call: () => Promise<T>): Promise<T> {
    try {
      const value = await call();
      observe(mode, operation, 'ok');
      return value;
    } catch (error) {
      if (error instanceof OperatorError)
        observe(mode, operation, error.transient ? 'unavailable' : 'rejected');
      throw error;
    }
  }

  async function register(resource: NextcloudMcp, stored: StoredClient | undefined, rotate: boolean) {
    const registration = resource.spec.identity.registration;
    if (!registration) throw new InvalidSpec('identity.registration is not set');
    if (stored?.registration && !rotate) return stored;
    const ref = registration.initialAccessTokenSecretRef;
    const token = secretValue(await readSecret(core, namespaceOf(resource), ref.name), 'token');
    // A rotation usually means the old secret leaked: the old client goes before a new one exists.
    if (stored?.registration)
      await atIdp('registration', 'delete', () =>
        deleteRegisteredClient(
          resource.spec.identity.issuerUrl,
          toRegistered(stored),
          REGISTRATION_TIMEOUT_MS,
        ),
      );
    const client = await atIdp('registration', 'register', () =>
      registerProxyClient(
        resource.spec.identity.issuerUrl,
        token,
        `mcp-${namespaceOf(resource)}.${resource.metadata.name}`,
        REGISTRATION_TIMEOUT_MS,
      ),
    );
    if (!(client.registrationAccessToken && client.registrationClientUri)) {
      throw new RegistrationNotManageable(
        `the IdP registered ${client.clientId} without RFC 7592 management (no registration_client_uri), so the operator could never delete it; use clientSecretRef instead`,
      );
    }
    return {
      id: client.clientId,
      secret: client.clientSecret,
      registration: { accessToken: client.registrationAccessToken, clientUri: client.registrationClientUri },
    };
  }

  return {
    async ensure(resource, stored): Promise<ProvisionedIdentity> {
      const { identity } = resource.spec;
      const rotation = resource.metadata.annotations?.[ROTATE_SECRET_ANNOTATION];
      const rotate = rotation !== undefined && rotation !== stored?.rotation;
      let client: StoredClient;
      let read: V1Secret[] = [];
      if (identity.clientSecretRef) {
        const secret = await readSecret(core, namespaceOf(resource), identity.clientSecretRef.name);
        client = {
          id: secretValue(secret, 'clientId'),
          secret: secretValue(secret, 'clientSecret'),
        };
      } else if (identity.keycloak) {
        const { automation, adminSecret } = await keycloakFor(resource);
        read = [adminSecret];
        const tenant = keycloakTenant(resource);
        const others = await atIdp('keycloak', 'inspect', () => automation.otherTenants(tenant));
        if (others.length && resource.metadata.annotations?.[ALLOW_SHARED_REALM_ANNOTATION] !== 'true') {
          throw new RealmShared(
            `realm ${identity.keycloak.realm} already serves ${others.join(', ')}; tenants sharing a realm accept each other's tokens. Give this tenant its own realm, or annotate ${ALLOW_SHARED_REALM_ANNOTATION}=true to accept that`,
          );
        }
        const ensured = await atIdp('keycloak', 'ensure', () =>
          automation.ensure({ ...tenant, rotateSecret: rotate }),
        );
        client = { id: ensured.clientId, secret: ensured.clientSecret };
      } else {
        client = await register(resource, stored, rotate);
      }
      return {
        rotated: rotate,
        client: { ...client, ...(rotation ? { rotation } : {}) },
        secrets: read,
      };
    },

    async cleanup(resource, stored) {
      if (resource.spec.identity.keycloak) {
        const { automation } = await keycloakFor(resource);
        await atIdp('keycloak', 'remove', () => automation.remove(keycloakTenant(resource)));
      } else if (resource.spec.identity.registration && stored?.registration) {
        await atIdp('registration', 'delete', () =>
          deleteRegisteredClient(
            resource.spec.identity.issuerUrl,
            toRegistered(stored),
            REGISTRATION_TIMEOUT_MS,
          ),
        );
      }
    },
  };
}

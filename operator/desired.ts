import { createHash } from 'node:crypto';
import type {
  V1Container,
  V1Deployment,
  V1Ingress,
  V1NetworkPolicy,
  V1OwnerReference,
  V1PodDisruptionBudget,
  V1Secret,
  V1Service,
  V1ServiceAccount,
} from '@kubernetes/client-node';
import {
  APPS,
  CRD_GROUP,
  CRD_KIND,
  CRD_VERSION,
  type NextcloudMcp,
  type NextcloudMcpSpec,
  RESTRICTED_CONTAINER_SECURITY,
  RESTRICTED_POD_SECURITY,
  RUNTIME_NODE_OPTIONS,
} from '../contract/index.js';
import { containerResources, podSpecTuning } from './pod-tuning.js';

/** What the reconciler learned before computing the desired objects. */
export interface DesiredInput {
  readonly resource: NextcloudMcp;
  /** The image the operator runs with, unless the resource overrides it. */
  readonly operatorImage: string;
  /** The proxy's client, as identity automation registered it (or as the user's Secret holds it). */
  readonly client: StoredClient;
}

/** The proxy's client as the owned Secret keeps it between reconciles. */
export interface StoredClient {
  readonly id: string;
  readonly secret: string;
  /** RFC 7592 management of a client the operator registered (`registration` mode). */
  readonly registration?: { readonly accessToken: string; readonly clientUri: string };
  /** The rotation request (the rotate annotation's value) already carried out. */
  readonly rotation?: string;
}

/** Owned-Secret annotation recording the rotation request already carried out. */
const ROTATED_ANNOTATION = `${CRD_GROUP}/rotated`;

export type OwnedObject =
  | V1ServiceAccount
  | V1Secret
  | V1Deployment
  | V1Service
  | V1Ingress
  | V1PodDisruptionBudget
  | V1NetworkPolicy;

const PROXY_PORT = 8080;
const METRICS_PORT = 9090;
const SERVER_PORT = 8081;
const SECRET_MOUNT = '/var/run/secrets/nextcloud-mcp';
/** Pod template annotation whose change rolls the Deployment when its configuration changes. */
export const CONFIG_HASH_ANNOTATION = `${CRD_GROUP}/config-hash`;

/**
 * On every owned object: a hash of what the operator applies to it. Server-side apply drops a
 * field only when an apply leaves it out, and an object that still holds every desired field is
 * not applied again; so a spec that stops asking for a field (Ingress TLS, a Secret key) changes
 * the hash, and the changed hash is what makes the apply that drops it.
 */
export const APPLIED_HASH_ANNOTATION = `${CRD_GROUP}/applied-hash`;

function stamped(object: OwnedObject): OwnedObject {
  const hash = createHash('sha256').update(JSON.stringify(object)).digest('hex').slice(0, 16);
  const annotations = { ...object.metadata?.annotations, [APPLIED_HASH_ANNOTATION]: hash };
  return { ...object, metadata: { ...object.metadata, annotations } } as OwnedObject;
}

/**
 * On the owned Secret: the Secrets this tenant holds for its IdP cleanup (secret-holds.ts), so a
 * spec that stops needing one (another mode, another admin Secret) lets it go.
 */
export const HELD_SECRETS_ANNOTATION = `${CRD_GROUP}/held-secrets`;

/** The Secrets (in the resource's namespace) that removing the tenant's IdP objects will read. */
export function cleanupSecretNames(resource: NextcloudMcp): string[] {
  const { identity } = resource.spec;
  if (identity.keycloak) return [identity.keycloak.adminCredentialsSecretRef.name];
  if (identity.registration) return [ownedName(resource)];
  return [];
}

/** What the owned Secret says this tenant holds. */
export const heldSecretNames = (owned: V1Secret | undefined) =>
  (owned?.metadata?.annotations?.[HELD_SECRETS_ANNOTATION] ?? '').split(',').filter(Boolean);

const base64 = (value: string) => Buffer.from(value, 'utf8').toString('base64');

/** The name every owned object of a resource shares. */
export function ownedName(resource: NextcloudMcp): string {
  return `${resource.metadata.name}-mcp`;
}

/** The `app.kubernetes.io/managed-by` value on everything the operator owns. */
export const MANAGED_BY = 'nextcloud-mcp-operator';

/** The one field manager of every write the operator makes. */
export const FIELD_MANAGER = 'nextcloud-mcp-operator';

export function labelsFor(resource: NextcloudMcp): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'nextcloud-mcp',
    'app.kubernetes.io/instance': resource.metadata.name,
    'app.kubernetes.io/managed-by': MANAGED_BY,
    'app.kubernetes.io/part-of': 'nextcloud-mcp',
  };
}

function ownerReference(resource: NextcloudMcp): V1OwnerReference {
  return {
    apiVersion: `${CRD_GROUP}/${CRD_VERSION}`,
    kind: CRD_KIND,
    name: resource.metadata.name,
    uid: resource.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * Every object the operator owns for one resource, computed from the spec alone: no I/O, so a
 * test can check it and the reconciler can compare it with what the cluster has.
 */
export function desiredObjects(input: DesiredInput): OwnedObject[] {
  const { resource } = input;
  const { spec } = resource;
  const name = ownedName(resource);
  const metadata = () => ({
    name,
    namespace: resource.metadata.namespace,
    labels: labelsFor(resource),
    ownerReferences: [ownerReference(resource)],
  });
  const replicas = spec.replicas ?? 1;
  const apps = (spec.apps ?? APPS).join(',');
  const publicUrl = spec.publicUrl.replace(/\/+$/, '');
  const image = spec.image ?? input.operatorImage;
  const held = cleanupSecretNames(resource);

  const proxyEnv = {
    PUBLIC_URL: publicUrl,
    ISSUER_URL: spec.identity.issuerUrl,
    CLIENT_ID: input.client.id,
    CLIENT_SECRET_FILE: `${SECRET_MOUNT}/clientSecret`,
    AUTH_MODE: spec.auth?.mode ?? 'exchange',
    NEXTCLOUD_AUDIENCE: spec.nextcloud.audience ?? 'nextcloud',
    APPS: apps,
    // The proxy's own default is publicUrl's origin alone; a list replaces it, so it goes first.
    ...(spec.allowedOrigins?.length
      ? { ALLOWED_ORIGINS: [...new Set([new URL(publicUrl).origin, ...spec.allowedOrigins])].join(',') }
      : {}),
    UPSTREAM_URL: `http://127.0.0.1:${SERVER_PORT}`,
    PORT: String(PROXY_PORT),
    METRICS_PORT: String(METRICS_PORT),
    NODE_OPTIONS: RUNTIME_NODE_OPTIONS,
  };
  const serverEnv = {
    NEXTCLOUD_URL: spec.nextcloud.url,
    HOST: '127.0.0.1',
    PORT: String(SERVER_PORT),
    APPS: apps,
    ...(spec.excludedTags?.length ? { EXCLUDED_TAGS: spec.excludedTags.join(',') } : {}),
    NODE_OPTIONS: RUNTIME_NODE_OPTIONS,
  };
  // Everything the pods read, the secret included (hashed), so any change rolls them.
  const configHash = createHash('sha256')
    .update(JSON.stringify({ image, proxyEnv, serverEnv, secret: input.client.secret }))
    .digest('hex')
    .slice(0, 16);

  const container = (
    containerName: string,
    entry: string,
    env: Record<string, string>,
    extra: Partial<V1Container>,
  ): V1Container => ({
    name: containerName,
    image,
    command: ['node', entry],
    env: Object.entries(env).map(([key, value]) => ({ name: key, value })),
    securityContext: RESTRICTED_CONTAINER_SECURITY,
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
    ...extra,
  });

  const objects: OwnedObject[] = [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: metadata(),
      automountServiceAccountToken: false,
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        ...metadata(),
        annotations: {
          ...(input.client.rotation ? { [ROTATED_ANNOTATION]: input.client.rotation } : {}),
          ...(held.length ? { [HELD_SECRETS_ANNOTATION]: held.join(',') } : {}),
        },
      },
      type: 'Opaque',
      // `data`, not `stringData`: the apiserver does not keep stringData, so server-side apply
      // could never drop a key written through it.
      data: {
        clientId: base64(input.client.id),
        clientSecret: base64(input.client.secret),
        ...(input.client.registration
          ? {
              registrationAccessToken: base64(input.client.registration.accessToken),
              registrationClientUri: base64(input.client.registration.clientUri),
            }
          : {}),
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: metadata(),
      spec: {
        replicas,
        selector: { matchLabels: labelsFor(resource) },
        template: {
          // The operator's own keys last: they select the pods and roll them (the CRD refuses them too).
          metadata: {
            labels: { ...spec.pod?.labels, ...labelsFor(resource) },
            annotations: { ...spec.pod?.annotations, [CONFIG_HASH_ANNOTATION]: configHash },
          },
          spec: {
            ...podSpecTuning(spec.pod),
            serviceAccountName: name,
            automountServiceAccountToken: false,
            securityContext: RESTRICTED_POD_SECURITY,
            containers: [
              container('proxy', 'dist/proxy/main.js', proxyEnv, {
                ports: [
                  { name: 'http', containerPort: PROXY_PORT },
                  { name: 'metrics', containerPort: METRICS_PORT },
                ],
                readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 5 },
                livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10 },
                resources: containerResources(spec.pod?.resources?.proxy),
                volumeMounts: [
                  { name: 'tmp', mountPath: '/tmp' },
                  { name: 'client', mountPath: SECRET_MOUNT, readOnly: true },
                ],
              }),
              container('server', 'dist/server/main.js', serverEnv, {
                // The server listens on loopback only, out of the kubelet's reach: probe from inside.
                livenessProbe: {
                  exec: {
                    command: [
                      'node',
                      '-e',
                      `fetch('http://127.0.0.1:${SERVER_PORT}/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
                    ],
                  },
                  periodSeconds: 30,
                  timeoutSeconds: 5,
                },
                resources: containerResources(spec.pod?.resources?.server),
              }),
            ],
            volumes: [
              { name: 'tmp', emptyDir: { sizeLimit: '16Mi' } },
              {
                name: 'client',
                secret: { secretName: name, items: [{ key: 'clientSecret', path: 'clientSecret' }] },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: metadata(),
      spec: {
        selector: labelsFor(resource),
        ports: [
          { name: 'http', port: 80, targetPort: 'http' },
          { name: 'metrics', port: METRICS_PORT, targetPort: 'metrics' },
        ],
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: metadata(),
      spec: {
        podSelector: { matchLabels: labelsFor(resource) },
        policyTypes: ['Ingress'],
        // Only the proxy's ports are reachable; the server's loopback port never is.
        ingress: [{ ports: [{ port: PROXY_PORT }, { port: METRICS_PORT }] }],
      },
    },
  ];
  if (replicas > 1) {
    objects.push({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: metadata(),
      spec: { minAvailable: 1, selector: { matchLabels: labelsFor(resource) } },
    });
  }
  if (spec.ingress) {
    const host = ingressHost(spec);
    objects.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        ...metadata(),
        ...(spec.ingress.annotations ? { annotations: { ...spec.ingress.annotations } } : {}),
      },
      spec: {
        ...(spec.ingress.className ? { ingressClassName: spec.ingress.className } : {}),
        rules: [
          {
            host,
            http: {
              paths: [
                { path: '/', pathType: 'Prefix', backend: { service: { name, port: { name: 'http' } } } },
              ],
            },
          },
        ],
        ...(spec.ingress.tlsSecretName
          ? { tls: [{ hosts: [host], secretName: spec.ingress.tlsSecretName }] }
          : {}),
      },
    });
  }
  return objects.map(stamped);
}

/** The host the tenant's Ingress routes: `ingress.host`, else publicUrl's. */
export const ingressHost = (spec: NextcloudMcpSpec) => spec.ingress?.host ?? new URL(spec.publicUrl).hostname;

/** Reads back what `desiredObjects` stored in the owned Secret, if it is there and whole. */
export function storedClientOf(secret: V1Secret | undefined): StoredClient | undefined {
  const value = (key: string) => {
    const encoded = secret?.data?.[key];
    return encoded ? Buffer.from(encoded, 'base64').toString('utf8') : undefined;
  };
  const id = value('clientId');
  const clientSecret = value('clientSecret');
  if (!(id && clientSecret)) return undefined;
  const accessToken = value('registrationAccessToken');
  const clientUri = value('registrationClientUri');
  const rotation = secret?.metadata?.annotations?.[ROTATED_ANNOTATION];
  return {
    id,
    secret: clientSecret,
    ...(accessToken && clientUri ? { registration: { accessToken, clientUri } } : {}),
    ...(rotation ? { rotation } : {}),
  };
}

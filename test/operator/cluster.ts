import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ApiException,
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  type RequestContext,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { pino } from 'pino';
import { parse } from 'yaml';
import { CRD_GROUP, CRD_PLURAL, CRD_VERSION, type NextcloudMcp } from '../../contract/index.js';
import { createEventRecorder } from '../../operator/events.js';
import type { IdentityProvisioner, ReconcileDeps } from '../../operator/reconcile.js';
import { type KubernetesStandin, startKubernetesStandin } from '../standins/kubernetes.js';

/**
 * A real cluster to run the operator suites against instead of the stand-in (TEST_KUBECONFIG):
 * e.g. a kind cluster. Suites create their own namespaces there and delete them afterwards.
 */
export const REAL_KUBECONFIG = process.env.TEST_KUBECONFIG;

/** Counts the writes its clients make, so "no write" can be asserted against a real cluster too. */
class CountingKubeConfig extends KubeConfig {
  writes = 0;
  requests = 0;
  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    this.requests++;
    if (String(context.getHttpMethod()) !== 'GET') this.writes++;
    await super.applySecurityAuthentication(context);
  }
}

const crd = () =>
  parse(readFileSync('crds/nextcloudmcps.nextcloud-mcp.io.yaml', 'utf8')) as V1CustomResourceDefinition;

/**
 * Server-side applies the CRD as `kubectl apply --server-side` sends it: the raw document. (The
 * typed clients drop schema keys such as `default`, `enum` and `x-kubernetes-validations`.)
 */
async function applyCrd(config: KubeConfig): Promise<void> {
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new Error('no current cluster in the kubeconfig');
  const url = new URL(
    `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd().metadata?.name}?fieldManager=nextcloud-mcp-tests&force=true`,
    cluster.server,
  );
  const options: https.RequestOptions = {
    method: 'PATCH',
    headers: { 'content-type': 'application/apply-patch+yaml', accept: 'application/json' },
  };
  await config.applyToHTTPSOptions(options);
  const body = JSON.stringify(crd());
  const status = await new Promise<number>((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(url, options, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    request.end(body);
  });
  if (status >= 300) throw new Error(`applying the CRD answered HTTP ${status}`);
}

/** The real cluster behind TEST_KUBECONFIG, shaped as the stand-in; what only a stand-in can do throws. */
async function connectRealCluster(path: string): Promise<KubernetesStandin> {
  const config = new CountingKubeConfig();
  config.loadFromFile(path);
  await applyCrd(config);
  const crds = config.makeApiClient(ApiextensionsV1Api);
  for (let i = 0; i < 50; i++) {
    const current = await crds.readCustomResourceDefinition({ name: crd().metadata?.name ?? '' });
    if (current.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
    await sleep(200);
  }
  const standInOnly = () => {
    throw new Error('only the Kubernetes stand-in can do this');
  };
  return {
    url: config.getCurrentCluster()?.server ?? '',
    get writes() {
      return config.writes;
    },
    get requests() {
      return config.requests;
    },
    writesTo: {},
    get authorized(): Map<string, Set<string>> {
      return standInOnly();
    },
    compact: standInOnly,
    dropWatches: standInOnly,
    kubeConfig: () => config,
    async stop() {
      const core = config.makeApiClient(CoreV1Api);
      for (const name of createdNamespaces.splice(0)) await core.deleteNamespace({ name });
    },
  };
}

const createdNamespaces: string[] = [];

/** The stand-in (or TEST_KUBECONFIG's cluster) with the NextcloudMcp CRD from crds/ installed, as `kubectl apply` would. */
export async function startClusterWithCrd() {
  if (REAL_KUBECONFIG) {
    const api = await connectRealCluster(REAL_KUBECONFIG);
    return { api, config: api.kubeConfig() };
  }
  const api = await startKubernetesStandin();
  const config = api.kubeConfig();
  await applyCrd(config);
  return { api, config };
}

/**
 * Makes sure a namespace exists (a real cluster needs it; the stand-in takes any). On a real
 * cluster the name gets a run-unique suffix so parallel suites and earlier runs never collide.
 */
export async function testNamespace(config: KubeConfig, base: string): Promise<string> {
  if (!REAL_KUBECONFIG) return base;
  const name = `${base}-${Date.now().toString(36)}`;
  try {
    await config.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
  } catch (error) {
    if (!(error instanceof ApiException && error.code === 409)) throw error;
  }
  createdNamespaces.push(name);
  return name;
}

/** What reconcile() needs, wired to a cluster and an identity provisioner. */
export function reconcileDeps(config: KubeConfig, identity: IdentityProvisioner): ReconcileDeps {
  return {
    objects: KubernetesObjectApi.makeApiClient(config),
    custom: config.makeApiClient(CustomObjectsApi),
    identity,
    events: createEventRecorder(config.makeApiClient(CoreV1Api), pino({ level: 'silent' }), 'test'),
    operatorImage: 'registry.example/nextcloud-mcp:1',
    now: () => '2026-11-23T00:00:00Z',
  };
}

/** Polls until `check` yields a value (the controller and operator work asynchronously), failing after `ms`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  ms = 5000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} not reached in time`);
    await sleep(50);
  }
}

/** Reading NextcloudMcp resources of a test namespace (both given lazily: set in beforeAll). */
export function resources(custom: () => CustomObjectsApi, namespace: () => string) {
  const target = (name: string) => ({
    group: CRD_GROUP,
    version: CRD_VERSION,
    plural: CRD_PLURAL,
    namespace: namespace(),
    name,
  });
  const get = async (name: string) =>
    (await custom().getNamespacedCustomObject(target(name))) as NextcloudMcp;
  const condition = async (name: string, type: string) =>
    (await get(name)).status?.conditions?.find((candidate) => candidate.type === type);
  return { target, get, condition };
}

/**
 * Creates a NextcloudMcp named `name` (public URL `https://<name>.mcp.example`) with the given
 * spec fields on top of a Nextcloud URL, as a user applying a tenant would.
 */
export function createTenant(
  custom: CustomObjectsApi,
  namespace: string,
  name: string,
  spec: object,
  nextcloudUrl = 'https://cloud.example',
) {
  return custom.createNamespacedCustomObject({
    group: CRD_GROUP,
    version: CRD_VERSION,
    plural: CRD_PLURAL,
    namespace,
    body: {
      apiVersion: `${CRD_GROUP}/${CRD_VERSION}`,
      kind: 'NextcloudMcp',
      metadata: { name },
      spec: { nextcloud: { url: nextcloudUrl }, publicUrl: `https://${name}.mcp.example`, ...spec },
    },
  });
}

import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  KubernetesObjectApi,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { pino } from 'pino';
import { parse } from 'yaml';
import { CRD_GROUP, CRD_PLURAL, CRD_VERSION, type NextcloudMcp } from '../../contract/index.js';
import type { ControllerOptions } from '../../operator/controller.js';
import { createEventRecorder } from '../../operator/events.js';
import type { IdentityProvisioner } from '../../operator/identity.js';
import { createIdentityProvisioner } from '../../operator/identity.js';
import type { ReconcileDeps } from '../../operator/reconcile.js';
import { CountingKubeConfig } from '../../peers/control-plane.js';

export {
  type AuditEvent,
  apiserverWrites,
  CountingKubeConfig,
  createTenant,
  startPrivateControlPlane,
} from '../../peers/control-plane.js';

/**
 * The real control plane the suites run against: the one vitest's global setup started
 * (peers/), or any other cluster TEST_KUBECONFIG names (e.g. a kind cluster). Suites create
 * their own namespaces there and delete them afterwards.
 */
function kubeconfigPath(): string {
  const path = process.env.TEST_KUBECONFIG;
  if (!path)
    throw new Error(
      'TEST_KUBECONFIG is not set: run the suites through vitest (its global setup starts the peers)',
    );
  return path;
}

export interface TestCluster {
  readonly url: string;
  /** Requests and writes made through `kubeConfig()`'s clients. */
  readonly writes: number;
  readonly requests: number;
  kubeConfig(): CountingKubeConfig;
  /** Deletes the namespaces `testNamespace` created. */
  stop(): Promise<void>;
}

const crd = () =>
  parse(readFileSync('crds/nextcloudmcps.nextcloud-mcp.io.yaml', 'utf8')) as V1CustomResourceDefinition;

/** Waits until the CRD is established (global setup installed it; another cluster may still be busy). */
async function crdEstablished(config: KubeConfig): Promise<void> {
  const crds = config.makeApiClient(ApiextensionsV1Api);
  await eventually(
    async () => {
      const current = await crds.readCustomResourceDefinition({ name: crd().metadata?.name ?? '' });
      return current.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')
        ? true
        : undefined;
    },
    30_000,
    'the NextcloudMcp CRD established',
  );
}

/** The cluster with the NextcloudMcp CRD from crds/ installed, as `kubectl apply` would. */
export async function startClusterWithCrd(): Promise<{ api: TestCluster; config: CountingKubeConfig }> {
  const config = new CountingKubeConfig();
  config.loadFromFile(kubeconfigPath());
  await crdEstablished(config);
  const created = createdNamespaces;
  const api: TestCluster = {
    url: config.getCurrentCluster()?.server ?? '',
    get writes() {
      return config.writes;
    },
    get requests() {
      return config.requests;
    },
    kubeConfig: () => config,
    async stop() {
      const core = config.makeApiClient(CoreV1Api);
      for (const name of created.splice(0)) await core.deleteNamespace({ name }).catch(() => undefined);
    },
  };
  return { api, config };
}

const createdNamespaces: string[] = [];

/** A namespace of this run's own: a run-unique suffix, so parallel suites and earlier runs never collide. */
export async function testNamespace(config: KubeConfig, base: string): Promise<string> {
  const name = `${base}-${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`.slice(
    0,
    63,
  );
  await config.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
  createdNamespaces.push(name);
  return name;
}

/**
 * What the kubelet would do for a Deployment's pods (none runs here): marks each pod of the
 * Deployment Running and Ready, so the ReplicaSet and Deployment controllers count it available.
 */
export async function makePodsReady(
  config: KubeConfig,
  namespace: string,
  deployment: string,
): Promise<void> {
  const core = config.makeApiClient(CoreV1Api);
  const apps = config.makeApiClient(AppsV1Api);
  const target = await apps.readNamespacedDeployment({ name: deployment, namespace });
  const selector = Object.entries(target.spec?.selector.matchLabels ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
  const want = target.spec?.replicas ?? 1;
  await eventually(
    async () => {
      const pods = (await core.listNamespacedPod({ namespace, labelSelector: selector })).items.filter(
        (pod) => !pod.metadata?.deletionTimestamp,
      );
      for (const pod of pods) {
        if (pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) continue;
        const now = new Date();
        await core.replaceNamespacedPodStatus({
          name: pod.metadata?.name ?? '',
          namespace,
          body: {
            ...pod,
            status: {
              ...pod.status,
              phase: 'Running',
              startTime: now,
              conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({
                type,
                status: 'True',
                lastTransitionTime: now,
              })),
            },
          },
        });
      }
      const status = (await apps.readNamespacedDeployment({ name: deployment, namespace })).status;
      return (status?.availableReplicas ?? 0) >= want &&
        status?.observedGeneration === target.metadata?.generation
        ? true
        : undefined;
    },
    30_000,
    `${deployment}'s pods Ready`,
  );
}

/**
 * A controller as the operator starts it, with the real identity provisioner, against `config`;
 * `more` sets what a suite needs otherwise (a namespace, a stubbed IdP, metrics, a resync).
 */
export function controllerOptions(
  config: KubeConfig,
  more: Partial<ControllerOptions> = {},
): ControllerOptions {
  const core = config.makeApiClient(CoreV1Api);
  return {
    kubeConfig: config,
    identity: createIdentityProvisioner(core),
    events: createEventRecorder(core, pino({ level: 'silent' }), 'test'),
    operatorImage: 'img:1',
    workers: 2,
    log: pino({ level: 'silent' }),
    restartDelayMs: 100,
    ...more,
  };
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

import {
  AppsV1Api,
  CustomObjectsApi,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  KubernetesObjectApi,
  makeInformer,
  type V1Deployment,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { describeFailure } from '../config/failure.js';
import { CRD_GROUP, CRD_KIND, CRD_PLURAL, CRD_VERSION, type NextcloudMcp } from '../contract/index.js';
import type { AdmissionPolicy } from './admission.js';
import { MANAGED_BY } from './desired.js';
import { fromKubernetes, KubernetesConflict } from './errors.js';
import type { EventRecorder } from './events.js';
import type { IdentityProvisioner } from './identity.js';
import type { OperatorMetrics } from './metrics.js';
import {
  apiReader,
  type CachingInformer,
  cachedReader,
  informerKey,
  ownedInformers,
} from './object-cache.js';
import { reconcile } from './reconcile.js';
import { type ReconcileOutcome, runWorkers, WorkQueue } from './work-queue.js';

/** What tenants may ask for (their pods' images, their Ingress hosts) comes with the options. */
export interface ControllerOptions extends AdmissionPolicy {
  readonly kubeConfig: KubeConfig;
  readonly identity: IdentityProvisioner;
  readonly events: EventRecorder;
  readonly workers: number;
  readonly log: Logger;
  readonly metrics?: OperatorMetrics;
  /** Reconcile only this namespace's resources (a namespace-scoped install); all when absent. */
  readonly namespace?: string;
  /** Delay before an informer whose watch failed starts again. */
  readonly restartDelayMs?: number;
  /**
   * Every resource is reconciled again this often, as controller-runtime's SyncPeriod: it picks
   * up what no watch reports (a user's Secret, an IdP's drift) and, in a steady state, writes nothing.
   */
  readonly resyncMs?: number;
}

const RESULT: Record<ReconcileOutcome['requeue'], string> = {
  no: 'done',
  after: 'requeue',
  backoff: 'backoff',
};

export interface RunningController {
  readonly queue: WorkQueue;
  stop(): Promise<void>;
}

/**
 * Informers (list + watch, re-listing after 410 Gone) on NextcloudMcp and on the Deployments it
 * owns feed a rate-limited queue keyed `namespace/name`; workers reconcile each key.
 */
export async function startController(options: ControllerOptions): Promise<RunningController> {
  const { kubeConfig, log } = options;
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const queue = new WorkQueue();
  const deps = {
    objects: KubernetesObjectApi.makeApiClient(kubeConfig),
    custom,
    identity: options.identity,
    events: options.events,
    operatorImage: options.operatorImage,
    tenantImages: options.tenantImages ?? [],
    ingressDomains: options.ingressDomains ?? [],
    now: () => new Date().toISOString(),
  };
  const enqueue = (object: KubernetesObject) =>
    queue.add(`${object.metadata?.namespace}/${object.metadata?.name}`);
  const enqueueOwner = (object: KubernetesObject) => {
    const instance = object.metadata?.labels?.['app.kubernetes.io/instance'];
    if (instance) queue.add(`${object.metadata?.namespace}/${instance}`);
  };

  // One namespace (WATCH_NAMESPACE) or all of them.
  const { namespace } = options;
  const scope = namespace ? `/namespaces/${namespace}` : '';
  const resources = makeInformer<NextcloudMcp & KubernetesObject>(
    kubeConfig,
    `/apis/${CRD_GROUP}/${CRD_VERSION}${scope}/${CRD_PLURAL}`,
    () =>
      (namespace
        ? custom.listNamespacedCustomObject({
            group: CRD_GROUP,
            version: CRD_VERSION,
            plural: CRD_PLURAL,
            namespace,
          })
        : custom.listClusterCustomObject({
            group: CRD_GROUP,
            version: CRD_VERSION,
            plural: CRD_PLURAL,
          })) as Promise<KubernetesListObject<NextcloudMcp & KubernetesObject>>,
  );
  const selector = `app.kubernetes.io/managed-by=${MANAGED_BY}`;
  const deployments = makeInformer<V1Deployment & KubernetesObject>(
    kubeConfig,
    `/apis/apps/v1${scope}/deployments`,
    () =>
      namespace
        ? apps.listNamespacedDeployment({ namespace, labelSelector: selector })
        : apps.listDeploymentForAllNamespaces({ labelSelector: selector }),
    selector,
  );
  const owned = ownedInformers(kubeConfig, deps.objects, namespace, selector);
  const cached = new Map<string, CachingInformer>([
    ...owned,
    [informerKey(`${CRD_GROUP}/${CRD_VERSION}`, CRD_KIND), resources as CachingInformer],
    [informerKey('apps/v1', 'Deployment'), deployments as CachingInformer],
  ]);
  const reconcileDeps = { ...deps, reader: cachedReader(cached, apiReader(deps.objects)) };
  let stopped = false;
  const follow = async (
    informer: Informer<KubernetesObject>,
    onChange: (object: KubernetesObject) => void,
  ) => {
    // The cache holds the very object handed to these handlers. Its managedFields are much of its
    // size and never read here (as controller-runtime's TransformStripManagedFields).
    const strip = (object: KubernetesObject) => {
      if (object.metadata) delete object.metadata.managedFields;
    };
    informer.on('add', strip);
    informer.on('update', strip);
    informer.on('add', onChange);
    informer.on('update', onChange);
    informer.on('delete', onChange);
    // A watch retried through an outage is told once when it fails and once when it is back
    // (a start that raised no error); client-node's `connect` comes before the list, so it can't tell.
    let failing = false;
    let erred = false;
    const restart = async () => {
      erred = false;
      await informer.start();
      if (failing && !erred && !stopped) log.info('watching again');
      if (!erred) failing = false;
    };
    informer.on('error', (error: unknown) => {
      erred = true;
      if (stopped) return;
      if (failing) log.debug({ err: error }, 'watch still failing');
      else log.warn(`watch failed: ${describeFailure(error)}; listing and watching again until it works`);
      failing = true;
      setTimeout(() => void restart(), options.restartDelayMs ?? 1000);
    });
    await informer.start();
  };
  await follow(resources as Informer<KubernetesObject>, enqueue);
  await follow(deployments as Informer<KubernetesObject>, enqueueOwner);
  for (const informer of owned.values()) await follow(informer, enqueueOwner);

  const { metrics } = options;
  metrics?.observe({
    queueLength: () => queue.length,
    readiness: () => {
      const all = resources.list();
      const ready = all.filter((r) =>
        r.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      return { total: all.length, ready: ready.length };
    },
  });
  const resync = setInterval(() => {
    for (const resource of resources.list()) enqueue(resource);
  }, options.resyncMs ?? 600_000);
  const workers = runWorkers(
    queue,
    options.workers,
    async (key) => {
      const [namespace = '', name = ''] = key.split('/');
      const timer = metrics?.reconcileDuration.startTimer();
      try {
        const outcome = await reconcile(namespace, name, reconcileDeps);
        metrics?.reconciles.inc({ result: RESULT[outcome.requeue] });
        return outcome;
      } catch (error) {
        metrics?.reconciles.inc({ result: 'error' });
        throw error;
      } finally {
        timer?.();
      }
    },
    (key, error) =>
      // A conflict means a cache one step behind a write: the retry reads the newer object.
      fromKubernetes(error) instanceof KubernetesConflict
        ? log.debug({ key }, 'conflict; reconciling again')
        : log.warn({ key, err: error }, 'reconcile failed; retrying with backoff'),
  );
  return {
    queue,
    async stop() {
      stopped = true;
      metrics?.observe(undefined);
      clearInterval(resync);
      for (const informer of cached.values()) await informer.stop();
      queue.shutDown();
      await workers;
    },
  };
}

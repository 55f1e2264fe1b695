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
import { CRD_GROUP, CRD_PLURAL, CRD_VERSION, type NextcloudMcp } from '../contract/index.js';
import { MANAGED_BY } from './desired.js';
import { type IdentityProvisioner, reconcile } from './reconcile.js';
import { runWorkers, WorkQueue } from './work-queue.js';

export interface ControllerOptions {
  readonly kubeConfig: KubeConfig;
  readonly identity: IdentityProvisioner;
  readonly operatorImage: string;
  readonly workers: number;
  readonly log: Logger;
  /** Delay before an informer whose watch failed starts again. */
  readonly restartDelayMs?: number;
}

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
    operatorImage: options.operatorImage,
    now: () => new Date().toISOString(),
  };
  const enqueue = (object: KubernetesObject) =>
    queue.add(`${object.metadata?.namespace}/${object.metadata?.name}`);
  const enqueueOwner = (object: KubernetesObject) => {
    const instance = object.metadata?.labels?.['app.kubernetes.io/instance'];
    if (instance) queue.add(`${object.metadata?.namespace}/${instance}`);
  };

  const resources = makeInformer<NextcloudMcp & KubernetesObject>(
    kubeConfig,
    `/apis/${CRD_GROUP}/${CRD_VERSION}/${CRD_PLURAL}`,
    () =>
      custom.listClusterCustomObject({
        group: CRD_GROUP,
        version: CRD_VERSION,
        plural: CRD_PLURAL,
      }) as Promise<KubernetesListObject<NextcloudMcp & KubernetesObject>>,
  );
  const selector = `app.kubernetes.io/managed-by=${MANAGED_BY}`;
  const deployments = makeInformer<V1Deployment & KubernetesObject>(
    kubeConfig,
    '/apis/apps/v1/deployments',
    () => apps.listDeploymentForAllNamespaces({ labelSelector: selector }),
    selector,
  );
  let stopped = false;
  const follow = async (
    informer: Informer<KubernetesObject>,
    onChange: (object: KubernetesObject) => void,
  ) => {
    informer.on('add', onChange);
    informer.on('update', onChange);
    informer.on('delete', onChange);
    informer.on('error', (error: unknown) => {
      if (stopped) return;
      log.warn({ err: error }, 'watch failed; listing and watching again');
      setTimeout(() => void informer.start(), options.restartDelayMs ?? 1000);
    });
    await informer.start();
  };
  await follow(resources as Informer<KubernetesObject>, enqueue);
  await follow(deployments as Informer<KubernetesObject>, enqueueOwner);

  const workers = runWorkers(
    queue,
    options.workers,
    async (key) => {
      const [namespace = '', name = ''] = key.split('/');
      return reconcile(namespace, name, deps);
    },
    (key, error) => log.warn({ key, err: error }, 'reconcile failed; retrying with backoff'),
  );
  return {
    queue,
    async stop() {
      stopped = true;
      await resources.stop();
      await deployments.stop();
      queue.shutDown();
      await workers;
    },
  };
}

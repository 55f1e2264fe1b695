import { readFileSync } from 'node:fs';
import {
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { pino } from 'pino';
import { parse } from 'yaml';
import { createEventRecorder } from '../../operator/events.js';
import type { IdentityProvisioner, ReconcileDeps } from '../../operator/reconcile.js';
import { startKubernetesStandin } from '../standins/kubernetes.js';

/** The Kubernetes stand-in with the NextcloudMcp CRD from crds/ installed, as `kubectl apply` would. */
export async function startClusterWithCrd() {
  const api = await startKubernetesStandin();
  const config = api.kubeConfig();
  const crd = parse(
    readFileSync('crds/nextcloudmcps.nextcloud-mcp.io.yaml', 'utf8'),
  ) as V1CustomResourceDefinition;
  await config.makeApiClient(ApiextensionsV1Api).createCustomResourceDefinition({ body: crd });
  return { api, config };
}

/** What reconcile() needs, wired to a cluster and an identity provisioner. */
export function reconcileDeps(
  config: ReturnType<Awaited<ReturnType<typeof startKubernetesStandin>>['kubeConfig']>,
  identity: IdentityProvisioner,
): ReconcileDeps {
  return {
    objects: KubernetesObjectApi.makeApiClient(config),
    custom: config.makeApiClient(CustomObjectsApi),
    identity,
    events: createEventRecorder(config.makeApiClient(CoreV1Api), pino({ level: 'silent' }), 'test'),
    operatorImage: 'registry.example/nextcloud-mcp:1',
    now: () => '2026-11-23T00:00:00Z',
  };
}

import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRD_GROUP, CRD_PLURAL, CRD_VERSION } from '../../contract/index.js';
import type { KubernetesStandin } from '../standins/kubernetes.js';
import { REAL_KUBECONFIG, startClusterWithCrd, testNamespace } from './cluster.js';

/** The stand-in answers the real client library as an API server would. */
describe('the Kubernetes API stand-in', () => {
  let api: KubernetesStandin;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;
  let ns = 'tenant-standin';

  beforeAll(async () => {
    const cluster = await startClusterWithCrd();
    api = cluster.api;
    ns = await testNamespace(cluster.config, ns);
    core = cluster.config.makeApiClient(CoreV1Api);
    custom = cluster.config.makeApiClient(CustomObjectsApi);
  });
  afterAll(async () => {
    await api?.stop();
  });

  const status = async (promise: Promise<unknown>) => {
    try {
      await promise;
      return 200;
    } catch (error) {
      if (error instanceof ApiException) return error.code;
      throw error;
    }
  };

  it('versions every write and refuses duplicates and stale updates with 409', async () => {
    const created = await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'one' }, stringData: { a: 'b' } },
    });
    expect(created.metadata?.uid).toBeTruthy();
    expect(
      await status(core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'one' } } })),
    ).toBe(409);
    const updated = await core.replaceNamespacedSecret({
      name: 'one',
      namespace: ns,
      body: { ...created, stringData: { a: 'c' } },
    });
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(
      Number(created.metadata?.resourceVersion),
    );
    expect(await status(core.replaceNamespacedSecret({ name: 'one', namespace: ns, body: created }))).toBe(
      409,
    );
    expect(await status(core.readNamespacedSecret({ name: 'missing', namespace: ns }))).toBe(404);
  });

  it('serves a custom resource once its CRD exists, with a status subresource and generations', async () => {
    const body = {
      apiVersion: `${CRD_GROUP}/${CRD_VERSION}`,
      kind: 'NextcloudMcp',
      metadata: { name: 'acme', finalizers: ['nextcloud-mcp.io/idp-cleanup'] },
      spec: {
        nextcloud: { url: 'https://c.example' },
        publicUrl: 'https://m.example',
        identity: { issuerUrl: 'https://i.example', clientSecretRef: { name: 'x' } },
      },
      status: { endpoint: 'ignored on create' },
    };
    const created = (await custom.createNamespacedCustomObject({
      group: CRD_GROUP,
      version: CRD_VERSION,
      namespace: ns,
      plural: CRD_PLURAL,
      body,
    })) as { metadata: { generation: number; uid: string }; status?: unknown };
    expect(created.metadata.generation).toBe(1);
    expect(created.status).toBeUndefined();
    const withStatus = (await custom.replaceNamespacedCustomObjectStatus({
      group: CRD_GROUP,
      version: CRD_VERSION,
      namespace: ns,
      plural: CRD_PLURAL,
      name: 'acme',
      body: { ...created, status: { endpoint: 'https://m.example/mcp' } },
    })) as { metadata: { generation: number }; status: { endpoint: string } };
    expect(withStatus.status.endpoint).toBe('https://m.example/mcp');
    expect(withStatus.metadata.generation).toBe(1);

    // An owned Secret, garbage-collected with its owner.
    await core.createNamespacedSecret({
      namespace: ns,
      body: {
        metadata: {
          name: 'acme-mcp',
          ownerReferences: [
            {
              apiVersion: `${CRD_GROUP}/${CRD_VERSION}`,
              kind: 'NextcloudMcp',
              name: 'acme',
              uid: created.metadata.uid,
            },
          ],
        },
      },
    });
    await custom.deleteNamespacedCustomObject({
      group: CRD_GROUP,
      version: CRD_VERSION,
      namespace: ns,
      plural: CRD_PLURAL,
      name: 'acme',
    });
    const terminating = (await custom.getNamespacedCustomObject({
      group: CRD_GROUP,
      version: CRD_VERSION,
      namespace: ns,
      plural: CRD_PLURAL,
      name: 'acme',
    })) as { metadata: { deletionTimestamp?: string; finalizers: string[] } };
    expect(terminating.metadata.deletionTimestamp).toBeTruthy();
    await custom.patchNamespacedCustomObject(
      {
        group: CRD_GROUP,
        version: CRD_VERSION,
        namespace: ns,
        plural: CRD_PLURAL,
        name: 'acme',
        body: { metadata: { finalizers: null } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(
      await status(
        custom.getNamespacedCustomObject({
          group: CRD_GROUP,
          version: CRD_VERSION,
          namespace: ns,
          plural: CRD_PLURAL,
          name: 'acme',
        }),
      ),
    ).toBe(404);
    expect(await status(core.readNamespacedSecret({ name: 'acme-mcp', namespace: ns }))).toBe(404);
  });

  // Compaction cannot be forced on a real API server.
  it.skipIf(REAL_KUBECONFIG)(
    'streams watch events after a resourceVersion and answers 410 Gone once history is compacted',
    async () => {
      const list = await core.listNamespacedSecret({ namespace: ns });
      const from = list.metadata?.resourceVersion ?? '0';
      await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'watched' } } });
      const read = async (rv: string) => {
        const controller = new AbortController();
        const response = await fetch(
          `${api.url}/api/v1/namespaces/${ns}/secrets?watch=true&resourceVersion=${rv}`,
          { signal: controller.signal },
        );
        const reader = (response.body as ReadableStream<Uint8Array>).getReader();
        const text = new TextDecoder().decode((await reader.read()).value);
        controller.abort();
        return JSON.parse(text.split('\n')[0] ?? '{}') as {
          type: string;
          object: { metadata: { name: string }; code?: number };
        };
      };
      const event = await read(from);
      expect(event).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'watched' } } });
      api.compact(1);
      const expired = await read('1');
      expect(expired.type).toBe('ERROR');
      expect(expired.object.code).toBe(410);
    },
  );
});

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRD_GROUP, CRD_PLURAL, CRD_VERSION, type NextcloudMcp } from '../../contract/index.js';
import { CLUSTER_RULES, grants, NAMESPACE_RULES } from '../../packaging/rbac.js';
import { createRealm, initialAccessToken, keycloakAdmin, type TestRealm } from '../keycloak/peer.js';
import { createTenant, eventually, REAL_KUBECONFIG, startClusterWithCrd } from '../operator/cluster.js';
import type { KubernetesStandin } from '../standins/kubernetes.js';

/** Waits until `check` holds, failing with `what` after 20 s. */
const until = (what: string, check: () => Promise<boolean>) =>
  eventually(async () => ((await check()) ? true : undefined), 20_000, what);

/**
 * Least privilege, checked: the operator process runs every identity mode through create, Ready,
 * scale-down (PDB and Ingress removed), deletion and shutdown against the stand-in, which records
 * what the operator's user was authorised for. The chart grants exactly that, nothing more.
 */
describe.skipIf(REAL_KUBECONFIG)("the chart's RBAC rules", () => {
  let api: KubernetesStandin;
  // The real Keycloak serves both the `keycloak` and the `registration` tenant.
  let realm: TestRealm;
  let operator: ChildProcess;
  const ns = 'tenants';

  beforeAll(async () => {
    const cluster = await startClusterWithCrd();
    api = cluster.api;
    realm = await createRealm('rbac');
    const core = cluster.config.makeApiClient(CoreV1Api);
    for (const [name, data] of [
      ['kc-admin', keycloakAdmin()],
      ['iat', { token: await initialAccessToken(realm.name) }],
      ['byo-client', { clientId: 'byo', clientSecret: 'byo-secret' }],
    ] as const) {
      await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name }, stringData: data } });
    }
    const custom = cluster.config.makeApiClient(CustomObjectsApi);
    const tenants: [string, object][] = [
      [
        'managed',
        {
          identity: {
            issuerUrl: realm.issuer,
            keycloak: { realm: realm.name, adminCredentialsSecretRef: { name: 'kc-admin' } },
          },
          replicas: 2,
          ingress: { className: 'nginx' },
        },
      ],
      [
        'registered',
        {
          identity: {
            issuerUrl: realm.issuer,
            registration: { initialAccessTokenSecretRef: { name: 'iat' } },
          },
        },
      ],
      ['byo', { identity: { issuerUrl: 'https://sso.example', clientSecretRef: { name: 'byo-client' } } }],
    ];
    for (const [name, spec] of tenants) await createTenant(custom, ns, name, spec);
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'rbac-')), 'kubeconfig');
    writeFileSync(kubeconfig, api.kubeConfig('operator').exportConfig());
    operator = spawn(process.execPath, ['--import', 'tsx', 'operator/main.ts'], {
      env: {
        PATH: process.env.PATH ?? '',
        KUBECONFIG: kubeconfig,
        OPERATOR_IMAGE: 'img:1',
        HTTP_PORT: '0',
        LOG_LEVEL: 'silent',
        POD_NAMESPACE: 'nextcloud-mcp-system',
        POD_NAME: 'operator-0',
        LEASE_DURATION_SECONDS: '5',
      },
      stdio: 'ignore',
    });

    const get = (name: string) =>
      custom.getNamespacedCustomObject({
        group: CRD_GROUP,
        version: CRD_VERSION,
        plural: CRD_PLURAL,
        namespace: ns,
        name,
      }) as Promise<NextcloudMcp>;
    const condition = async (name: string, type: string) =>
      (await get(name)).status?.conditions?.find((c) => c.type === type)?.status === 'True';
    for (const [name] of tenants)
      await until(`${name} configured`, () => condition(name, 'IdentityConfigured'));

    const apps = cluster.config.makeApiClient(AppsV1Api);
    const deployment = await apps.readNamespacedDeployment({ name: 'byo-mcp', namespace: ns });
    await apps.replaceNamespacedDeploymentStatus({
      name: 'byo-mcp',
      namespace: ns,
      body: { ...deployment, status: { replicas: 1, availableReplicas: 1 } },
    });
    await until('byo Ready', () => condition('byo', 'Ready'));

    const managed = await get('managed');
    const { ingress: _ingress, ...spec } = managed.spec;
    await custom.replaceNamespacedCustomObject({
      group: CRD_GROUP,
      version: CRD_VERSION,
      plural: CRD_PLURAL,
      namespace: ns,
      name: 'managed',
      body: { ...managed, spec: { ...spec, replicas: 1 } },
    });
    const objects = cluster.config.makeApiClient(CoreV1Api);
    await until('PDB and Ingress removed', async () => {
      const pdb = await fetch(`${api.url}/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets/managed-mcp`);
      const ingress = await fetch(
        `${api.url}/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses/managed-mcp`,
      );
      return pdb.status === 404 && ingress.status === 404;
    });
    for (const [name] of tenants)
      await custom.deleteNamespacedCustomObject({
        group: CRD_GROUP,
        version: CRD_VERSION,
        plural: CRD_PLURAL,
        namespace: ns,
        name,
      });
    await until(
      'all deleted',
      async () => (await objects.listNamespacedServiceAccount({ namespace: ns })).items.length === 0,
    );
    operator.kill('SIGTERM');
    await new Promise((resolve) => operator.once('exit', resolve));
  }, 60_000);
  afterAll(async () => {
    if (operator?.exitCode === null) operator.kill('SIGKILL');
    await api?.stop();
    await realm?.delete();
  });

  it('grant every call the operator made', () => {
    const granted = grants([...CLUSTER_RULES, ...NAMESPACE_RULES]);
    const used = api.authorized.get('operator') ?? new Set();
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((call) => !granted.has(call)).sort()).toEqual([]);
  });

  it('grant nothing the operator did not use', () => {
    const used = api.authorized.get('operator') ?? new Set();
    const granted = grants([...CLUSTER_RULES, ...NAMESPACE_RULES]);
    expect([...granted].filter((grant) => !used.has(grant)).sort()).toEqual([]);
  });
});

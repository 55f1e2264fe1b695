import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import KeycloakAdminClient from '@keycloak/keycloak-admin-client';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRD_GROUP, CRD_PLURAL, CRD_VERSION, type NextcloudMcp } from '../../contract/index.js';
import { credentialsSecret } from '../../dev/tenant-spec.js';
import { MANAGED_BY } from '../../operator/desired.js';
import { CHART } from '../../packaging/generate.js';
import { CLUSTER_RULES, grants, NAMESPACE_RULES } from '../../packaging/rbac.js';
import { kubeconfigFor } from '../../peers/kubernetes.js';
import {
  type AuditEvent,
  createTenant,
  eventually,
  makePodsReady,
  startPrivateControlPlane,
} from '../operator/cluster.js';
import { helmOk, KUBE_VERSION, kubectl, unique } from './helm.js';

/** Waits until `check` holds, failing with `what` after 30 s. */
const until = (what: string, check: () => Promise<boolean>) =>
  eventually(async () => ((await check()) ? true : undefined), 30_000, what);

const RELEASE = 'nextcloud-mcp-operator';
const SYSTEM = 'nextcloud-mcp-system';

/** `group/resource[/subresource]:verb` for an audited request, as `grants` names a permission. */
function permissions(event: AuditEvent): string[] {
  const ref = event.objectRef;
  if (!ref?.resource) return [];
  const name = `${ref.apiGroup ?? ''}/${ref.resource}${ref.subresource ? `/${ref.subresource}` : ''}`;
  // A server-side apply that creates its object is authorised as `create` as well as `patch`.
  const created = event.verb === 'patch' && event.responseStatus?.code === 201;
  return [`${name}:${event.verb}`, ...(created ? [`${name}:create`] : [])];
}

/**
 * Least privilege, checked by the real apiserver: the operator process runs as the chart's
 * ServiceAccount, bound by the chart's ClusterRole and Role exactly as `helm template` renders
 * them (RBAC enforced, with OwnerReferencesPermissionEnforcement), through every identity mode
 * against the real Keycloak: create, Ready, scale-down (PDB and Ingress removed), deletion and
 * shutdown. The audit log says what it was allowed and refused; the chart grants exactly that.
 */
describe("the chart's RBAC rules", () => {
  let plane: Awaited<ReturnType<typeof startPrivateControlPlane>>;
  let operator: ChildProcess;
  let kc: KeycloakAdminClient;
  let serviceAccount = '';
  const realm = unique('rbac');
  const ns = 'tenants';
  const operatorLog: Buffer[] = [];

  beforeAll(async () => {
    plane = await startPrivateControlPlane();
    const { config } = plane;
    const core = config.makeApiClient(CoreV1Api);
    for (const name of [SYSTEM, ns]) await core.createNamespace({ body: { metadata: { name } } });

    // The chart's RBAC objects, exactly as rendered.
    const rendered = helmOk([
      'template',
      RELEASE,
      CHART,
      '--namespace',
      SYSTEM,
      '--kube-version',
      KUBE_VERSION,
    ]);
    const rbacKinds = /^kind: (ServiceAccount|ClusterRole|ClusterRoleBinding|Role|RoleBinding)$/m;
    const rbac = rendered
      .split(/^---$/m)
      .filter((document) => rbacKinds.test(document))
      .join('\n---\n');
    serviceAccount = /kind: ServiceAccount\nmetadata:\n {2}name: (\S+)/.exec(rendered)?.[1] ?? '';
    expect(serviceAccount).not.toBe('');
    const applied = kubectl(
      [`--kubeconfig=${plane.peer.kubeconfig}`, 'apply', '--server-side', '-f', '-'],
      rbac,
    );
    expect(applied.status, applied.stderr).toBe(0);
    const token = await core.createNamespacedServiceAccountToken({
      name: serviceAccount,
      namespace: SYSTEM,
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });

    // A realm of this suite's own on the real Keycloak, with the Nextcloud audience client.
    const admin = {
      username: process.env.TEST_KEYCLOAK_ADMIN ?? '',
      password: process.env.TEST_KEYCLOAK_ADMIN_PASSWORD ?? '',
    };
    const keycloakUrl = process.env.TEST_KEYCLOAK_URL ?? '';
    kc = new KeycloakAdminClient({ baseUrl: keycloakUrl, realmName: 'master' });
    await kc.auth({ grantType: 'password', clientId: 'admin-cli', ...admin });
    await kc.realms.create({ realm, enabled: true });
    await kc.clients.create({ realm, clientId: 'nextcloud', publicClient: false });
    const initialAccess = await kc.realms.createClientsInitialAccess(
      { realm },
      { count: 5, expiration: 600 },
    );

    for (const [name, data] of [
      ['kc-admin', admin],
      ['iat', { token: initialAccess.token ?? '' }],
      ['byo-client', { clientId: 'byo', clientSecret: 'byo-secret' }],
    ] as const) {
      await core.createNamespacedSecret({
        namespace: ns,
        body: { metadata: credentialsSecret(name), stringData: data },
      });
    }
    const custom = config.makeApiClient(CustomObjectsApi);
    const issuerUrl = `${keycloakUrl}/realms/${realm}`;
    const tenants: [string, object][] = [
      [
        'managed',
        {
          identity: { issuerUrl, keycloak: { realm, adminCredentialsSecretRef: { name: 'kc-admin' } } },
          replicas: 2,
          ingress: { className: 'nginx' },
        },
      ],
      [
        'registered',
        { identity: { issuerUrl, registration: { initialAccessTokenSecretRef: { name: 'iat' } } } },
      ],
      ['byo', { identity: { issuerUrl: 'https://sso.example', clientSecretRef: { name: 'byo-client' } } }],
    ];
    for (const [name, spec] of tenants) await createTenant(custom, ns, name, spec);
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'rbac-')), 'kubeconfig');
    writeFileSync(
      kubeconfig,
      kubeconfigFor(plane.peer.url, plane.peer.caFile, token.status?.token ?? '', 'operator'),
    );
    operator = spawn(process.execPath, ['--import', 'tsx', 'operator/main.ts'], {
      env: {
        PATH: process.env.PATH ?? '',
        KUBECONFIG: kubeconfig,
        OPERATOR_IMAGE: 'img:1',
        // The managed tenant's Ingress takes publicUrl's host, managed.mcp.example.
        TENANT_INGRESS_DOMAINS: 'mcp.example',
        HTTP_PORT: '0',
        LOG_LEVEL: 'warn',
        POD_NAMESPACE: SYSTEM,
        POD_NAME: 'operator-0',
        LEASE_DURATION_SECONDS: '5',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    operator.stdout?.on('data', (chunk: Buffer) => operatorLog.push(chunk));
    operator.stderr?.on('data', (chunk: Buffer) => operatorLog.push(chunk));

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
    try {
      for (const [name] of tenants)
        await until(`${name} configured`, () => condition(name, 'IdentityConfigured'));
      await makePodsReady(config, ns, 'byo-mcp');
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
      const objects = config.makeApiClient(CustomObjectsApi);
      const absent = (group: string, version: string, plural: string) =>
        objects
          .getNamespacedCustomObject({ group, version, plural, namespace: ns, name: 'managed-mcp' })
          .then(
            () => false,
            () => true,
          );
      await until(
        'PDB and Ingress removed',
        async () =>
          (await absent('policy', 'v1', 'poddisruptionbudgets')) &&
          (await absent('networking.k8s.io', 'v1', 'ingresses')),
      );
      for (const [name] of tenants)
        await custom.deleteNamespacedCustomObject({
          group: CRD_GROUP,
          version: CRD_VERSION,
          plural: CRD_PLURAL,
          namespace: ns,
          name,
        });
      // The garbage collector removes what the tenants owned once the operator let them go.
      await until('all deleted', async () => {
        const owned = await core.listNamespacedServiceAccount({
          namespace: ns,
          labelSelector: `app.kubernetes.io/managed-by=${MANAGED_BY}`,
        });
        return owned.items.length === 0;
      });
      operator.kill('SIGTERM');
      await new Promise((resolve) => operator.once('exit', resolve));
    } catch (error) {
      throw new Error(`${String(error)}\noperator log:\n${Buffer.concat(operatorLog).toString()}`);
    }
  }, 120_000);
  afterAll(async () => {
    if (operator?.exitCode === null) operator.kill('SIGKILL');
    await kc?.realms.del({ realm }).catch(() => undefined);
    await plane?.stop();
  });

  const used = () => plane.audited(`system:serviceaccount:${SYSTEM}:${serviceAccount}`);

  it('grant every call the operator made: the apiserver refused none', () => {
    const calls = used();
    expect(calls.length).toBeGreaterThan(10);
    const refused = calls.filter((event) => event.responseStatus?.code === 403).flatMap(permissions);
    expect([...new Set(refused)].sort()).toEqual([]);
    const granted = grants([...CLUSTER_RULES, ...NAMESPACE_RULES]);
    expect([...new Set(calls.flatMap(permissions))].filter((call) => !granted.has(call)).sort()).toEqual([]);
  });

  it('grant nothing the operator did not use', () => {
    const calls = new Set(used().flatMap(permissions));
    // Admission asks for it (blockOwnerDeletion on owned objects), never a request of its own.
    const implied = `${CRD_GROUP}/${CRD_PLURAL}/finalizers:update`;
    const granted = [...grants([...CLUSTER_RULES, ...NAMESPACE_RULES])].filter((grant) => grant !== implied);
    expect(granted.filter((grant) => !calls.has(grant)).sort()).toEqual([]);
  });
});

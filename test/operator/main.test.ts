import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppsV1Api, CoordinationV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRD_GROUP, CRD_PLURAL, CRD_VERSION } from '../../contract/index.js';
import { credentialsSecret, tenant as tenantObject } from '../../dev/tenant-spec.js';
import { startClusterWithCrd, type TestCluster, testNamespace } from './cluster.js';

/** The operator as a process, with a kubeconfig file, as `node dist/operator/main.js` runs. */
describe('the operator process', () => {
  let api: TestCluster;
  let kubeconfig: string;
  let tenant: string;
  let operators: string;
  let operatorsA: string;

  beforeAll(async () => {
    const cluster = await startClusterWithCrd();
    api = cluster.api;
    tenant = await testNamespace(cluster.config, 'tenant-a');
    operators = await testNamespace(cluster.config, 'operators');
    operatorsA = await testNamespace(cluster.config, 'operators-a');
    kubeconfig = join(mkdtempSync(join(tmpdir(), 'operator-')), 'kubeconfig');
    writeFileSync(kubeconfig, cluster.config.exportConfig());
    await cluster.config.makeApiClient(CoreV1Api).createNamespacedSecret({
      namespace: tenant,
      body: {
        metadata: credentialsSecret('client'),
        stringData: { clientId: 'byo', clientSecret: 'byo-secret' },
      },
    });
    await cluster.config.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      group: CRD_GROUP,
      version: CRD_VERSION,
      plural: CRD_PLURAL,
      namespace: tenant,
      body: tenantObject('a', {
        spec: {
          nextcloud: { url: 'https://cloud.a.example' },
          publicUrl: 'https://mcp.a.example',
          identity: { issuerUrl: 'https://sso.example/realms/a', clientSecretRef: { name: 'client' } },
        },
      }),
    });
  });
  afterAll(async () => {
    // A failed assertion must not leave an operator running against the next suite's cluster.
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await api?.stop();
  });
  const children: ChildProcess[] = [];
  const operator = (env: Record<string, string>, stdio: StdioOptions = 'ignore') => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'operator/main.ts'], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio,
    });
    children.push(child);
    return child;
  };

  it('refuses to start without its image, naming the variable', async () => {
    const child = operator({ KUBECONFIG: kubeconfig }, 'pipe');
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(78);
    expect(stderr).toContain('OPERATOR_IMAGE');
  });

  it('reconciles existing resources at start, serves probes and metrics, and releases its lease on SIGTERM', async () => {
    const child = operator(
      {
        KUBECONFIG: kubeconfig,
        OPERATOR_IMAGE: 'img:1',
        HTTP_PORT: '0',
        WATCH_NAMESPACE: tenant,
        POD_NAMESPACE: operatorsA,
        POD_NAME: 'only',
      },
      ['ignore', 'pipe', 'inherit'],
    );
    // pino writes JSON lines; the first names the probe port.
    const port = await new Promise<number>((resolve) => {
      let buffered = '';
      child.stdout?.on('data', (chunk) => {
        buffered += String(chunk);
        const match = /"port":(\d+)/.exec(buffered);
        if (match) resolve(Number(match[1]));
      });
    });
    const apps = api.kubeConfig().makeApiClient(AppsV1Api);
    let image: string | undefined;
    for (let i = 0; i < 100 && !image; i++) {
      image = await apps.readNamespacedDeployment({ name: 'a-mcp', namespace: tenant }).then(
        (deployment) => deployment.spec?.template.spec?.containers[0]?.image,
        () => undefined,
      );
      if (!image) await sleep(100);
    }
    expect(image).toBe('img:1');

    const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`);
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/readyz')).status).toBe(200);
    // The reconcile that created the Deployment is counted when it returns, a moment later.
    let metrics = '';
    for (let i = 0; i < 50 && !/reconciles_total\{result="(done|requeue)"\} [1-9]/.test(metrics); i++) {
      metrics = await (await get('/metrics')).text();
      if (!/reconciles_total\{result="(done|requeue)"\} [1-9]/.test(metrics)) await sleep(100);
    }
    expect(metrics).toContain('nextcloud_mcp_operator_leader 1');
    expect(metrics).toMatch(/nextcloud_mcp_operator_reconciles_total\{result="(done|requeue)"\} [1-9]/);
    expect(metrics).toContain('nextcloud_mcp_operator_reconcile_duration_seconds_count');
    expect(metrics).toContain('nextcloud_mcp_operator_queue_depth');
    // The one resource has no available pods here: not Ready.
    expect(metrics).toContain('nextcloud_mcp_operator_resources{ready="false"} 1');

    child.kill('SIGTERM');
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
    const lease = await api
      .kubeConfig()
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: 'nextcloud-mcp-operator', namespace: operatorsA });
    expect(lease.spec?.holderIdentity).toBe('');
  });

  it('runs two replicas with one leader, and the other takes over when it goes', async () => {
    const start = (name: string) =>
      operator({
        KUBECONFIG: kubeconfig,
        OPERATOR_IMAGE: 'img:1',
        HTTP_PORT: '0',
        WATCH_NAMESPACE: tenant,
        LOG_LEVEL: 'silent',
        POD_NAMESPACE: operators,
        POD_NAME: name,
        LEASE_DURATION_SECONDS: '5',
      });
    const replicas = { one: start('replica-one'), two: start('replica-two') };
    const leases = api.kubeConfig().makeApiClient(CoordinationV1Api);
    const holder = async () =>
      (
        await leases
          .readNamespacedLease({ name: 'nextcloud-mcp-operator', namespace: operators })
          .catch(() => undefined)
      )?.spec?.holderIdentity;
    let first: string | undefined;
    for (let i = 0; i < 100 && !first; i++) {
      first = await holder();
      if (!first) await sleep(100);
    }
    expect(['replica-one', 'replica-two']).toContain(first);
    const leader = first === 'replica-one' ? replicas.one : replicas.two;
    const follower = first === 'replica-one' ? replicas.two : replicas.one;
    leader.kill('SIGKILL');
    let next = first;
    for (let i = 0; i < 120 && next === first; i++) {
      await sleep(100);
      next = await holder();
    }
    expect(next).not.toBe(first);
    follower.kill('SIGTERM');
    await new Promise((resolve) => follower.once('exit', resolve));
  }, 30_000);
});

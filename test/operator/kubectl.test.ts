import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcile } from '../../operator/reconcile.js';
import type { KubernetesStandin } from '../standins/kubernetes.js';
import { startKubernetesStandin } from '../standins/kubernetes.js';
import { REAL_KUBECONFIG, reconcileDeps, startClusterWithCrd, testNamespace } from './cluster.js';

/**
 * A platform team's flow with kubectl: install the CRD, apply a tenant, list it with the CRD's
 * columns, wait for Ready, see a bad spec refused, delete. kubectl 1.27+ validates through the
 * server (OpenAPI v3); older ones need the protobuf OpenAPI v2 document, which the stand-in
 * does not serve.
 */
const kubectlMinor = (() => {
  try {
    const version = JSON.parse(
      execFileSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8' }),
    ) as {
      clientVersion: { minor: string };
    };
    return Number.parseInt(version.clientVersion.minor, 10);
  } catch {
    return undefined;
  }
})();
const usable = kubectlMinor !== undefined && kubectlMinor >= 27;
if (!usable)
  console.warn(`kubectl suite skipped: needs kubectl ≥ 1.27 on PATH (found ${kubectlMinor ?? 'none'})`);

const tenant = (namespace: string, publicUrl: string) => `apiVersion: nextcloud-mcp.io/v1alpha1
kind: NextcloudMcp
metadata: { name: acme, namespace: ${namespace} }
spec:
  nextcloud: { url: https://cloud.acme.example }
  publicUrl: ${publicUrl}
  identity:
    issuerUrl: https://sso.acme.example/realms/acme
    clientSecretRef: { name: client }
`;

describe.skipIf(!usable)('kubectl against the API', () => {
  let api: KubernetesStandin;
  let kubeconfig: string;
  let dir: string;
  let ns = 'tenant-kubectl';
  const kubectl = async (...args: string[]) => {
    const run = promisify(execFile);
    return run('kubectl', ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', timeout: 30_000 }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({
        code: error.code ?? 1,
        stdout: error.stdout ?? '',
        stderr: error.stderr ?? '',
      }),
    );
  };
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubectl-'));
    kubeconfig = join(dir, 'kubeconfig');
    if (REAL_KUBECONFIG) {
      const cluster = await startClusterWithCrd();
      api = cluster.api;
      ns = await testNamespace(cluster.config, ns);
    } else {
      api = await startKubernetesStandin();
    }
    writeFileSync(kubeconfig, api.kubeConfig().exportConfig());
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('installs the CRD with kubectl apply --server-side', async () => {
    const applied = await kubectl('apply', '--server-side', '-f', 'crds/nextcloudmcps.nextcloud-mcp.io.yaml');
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toContain(
      'customresourcedefinition.apiextensions.k8s.io/nextcloudmcps.nextcloud-mcp.io',
    );
  });

  it('applies a tenant and lists it with the Ready and Endpoint columns', async () => {
    const applied = await kubectl(
      'apply',
      '--server-side',
      '-f',
      file('tenant.yaml', tenant(ns, 'https://mcp.acme.example')),
    );
    expect(applied.stdout).toContain('nextcloudmcp.nextcloud-mcp.io/acme serverside-applied');
    const listed = await kubectl('get', 'ncmcp', '-n', ns);
    expect(listed.stdout.split('\n')[0]).toMatch(/^NAME\s+READY\s+ENDPOINT\s+AGE$/);
    expect(listed.stdout).toMatch(/\nacme\s/);
  });

  it('refuses a bad spec with the CRD rule as the message', async () => {
    const refused = await kubectl(
      'apply',
      '--server-side',
      '-f',
      file('bad.yaml', tenant(ns, 'http://mcp.acme.example')),
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      'publicUrl must use https unless its host is loopback or ends in .local',
    );
  });

  it.skipIf(REAL_KUBECONFIG)('waits for Ready, as the operator reports it', async () => {
    const config = api.kubeConfig();
    await config.makeApiClient(CoreV1Api).createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'client' }, stringData: { clientId: 'byo', clientSecret: 'byo-secret' } },
    });
    const deps = reconcileDeps(config, {
      ensure: async () => ({
        ok: true,
        managed: false,
        rotated: false,
        client: { id: 'byo', secret: 'byo-secret' },
      }),
      cleanup: async () => ({ ok: true }),
    });
    const waiting = kubectl('wait', '--for=condition=Ready', 'ncmcp/acme', '-n', ns, '--timeout=20s');
    await reconcile(ns, 'acme', deps);
    const apps = config.makeApiClient(AppsV1Api);
    const deployment = await apps.readNamespacedDeployment({ name: 'acme-mcp', namespace: ns });
    await apps.replaceNamespacedDeploymentStatus({
      name: 'acme-mcp',
      namespace: ns,
      body: { ...deployment, status: { replicas: 1, availableReplicas: 1 } },
    });
    await reconcile(ns, 'acme', deps);
    const waited = await waiting;
    expect(waited.stdout).toContain('nextcloudmcp.nextcloud-mcp.io/acme condition met');
    const listed = await kubectl('get', 'ncmcp', 'acme', '-n', ns);
    expect(listed.stdout).toMatch(/acme\s+True\s+https:\/\/mcp\.acme\.example\/mcp\s/);
    const yaml = await kubectl('get', 'ncmcp', 'acme', '-n', ns, '-o', 'jsonpath={.status.clientId}');
    expect(yaml.stdout).toBe('byo');
  });

  it('deletes the tenant', async () => {
    const deleted = await kubectl('delete', 'ncmcp', 'acme', '-n', ns, '--wait=false');
    expect(deleted.stdout).toContain('nextcloudmcp.nextcloud-mcp.io "acme" deleted');
    expect((await kubectl('get', 'ncmcp', '-n', ns)).stderr).toContain('No resources found');
  });
});

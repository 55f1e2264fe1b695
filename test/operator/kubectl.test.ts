import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CRD_GROUP, CRD_PLURAL, CRD_VERSION, type NextcloudMcp } from '../../contract/index.js';
import { startClusterWithCrd, type TestCluster, testNamespace } from './cluster.js';

/**
 * A platform team's flow with kubectl: install the CRD, apply a tenant, list it with the CRD's
 * columns, read it back with its defaults, see a bad spec refused with the CRD's rule, wait for
 * Ready, delete. Runs with the kubectl of the pinned Kubernetes release (TEST_KUBECTL, built
 * with the peers) and with whatever other kubectl is on PATH or in $KUBECTL (version skew).
 */
function clientVersion(binary: string): string | undefined {
  try {
    const output = execFileSync(binary, ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
    return (JSON.parse(output) as { clientVersion: { gitVersion: string } }).clientVersion.gitVersion;
  } catch {
    return undefined;
  }
}

const kubectls = [
  ...new Set(
    [process.env.TEST_KUBECTL, process.env.KUBECTL, 'kubectl'].filter((binary) => binary !== undefined),
  ),
]
  .map((binary) => ({ binary, version: clientVersion(binary) }))
  .filter((found): found is { binary: string; version: string } => found.version !== undefined);
if (kubectls.length === 0) {
  if (process.env.CI) throw new Error('CI needs kubectl for the kubectl suite; .ci/run installs it');
  console.warn(
    'kubectl suite skipped: no kubectl on PATH (or in $KUBECTL); apt-get install kubernetes-client',
  );
}

const crdDocument = () => parse(readFileSync('crds/nextcloudmcps.nextcloud-mcp.io.yaml', 'utf8'));

const tenant = (namespace: string, spec: string) => `apiVersion: nextcloud-mcp.io/v1alpha1
kind: NextcloudMcp
metadata:
  name: acme
  namespace: ${namespace}
spec:
  nextcloud: { url: "https://cloud.acme.example" }
  identity:
    issuerUrl: https://sso.acme.example/realms/acme
    clientSecretRef: { name: client }
${spec}`;

// One skipped row when none is found, so the skip shows in the report.
describe.skipIf(kubectls.length === 0).each(kubectls.length ? kubectls : [{ binary: '', version: 'none' }])(
  'kubectl $version against the API',
  ({ binary }) => {
    let api: TestCluster;
    let custom: CustomObjectsApi;
    let dir: string;
    let kubeconfig: string;
    let ns = 'tenant-kubectl';
    const kubectl = async (...args: string[]) =>
      // Discovery is cached in the test's directory, never in the user's ~/.kube.
      promisify(execFile)(binary, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], {
        encoding: 'utf8',
        timeout: 30_000,
      }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (error: { code?: number; stdout?: string; stderr?: string }) => ({
          code: error.code ?? 1,
          stdout: error.stdout ?? '',
          stderr: error.stderr ?? '',
        }),
      );
    const file = (name: string, text: string) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };
    const stored = () =>
      custom.getNamespacedCustomObject({
        group: CRD_GROUP,
        version: CRD_VERSION,
        plural: CRD_PLURAL,
        namespace: ns,
        name: 'acme',
      }) as Promise<NextcloudMcp>;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'kubectl-'));
      kubeconfig = join(dir, 'kubeconfig');
      const cluster = await startClusterWithCrd();
      api = cluster.api;
      ns = await testNamespace(cluster.config, ns);
      custom = api.kubeConfig().makeApiClient(CustomObjectsApi);
      writeFileSync(kubeconfig, api.kubeConfig().exportConfig());
    });
    afterAll(async () => {
      await api?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('installs the CRD with kubectl apply --server-side', async () => {
      const applied = await kubectl(
        'apply',
        '--server-side',
        '-f',
        'crds/nextcloudmcps.nextcloud-mcp.io.yaml',
      );
      expect(applied).toMatchObject({ code: 0, stderr: '' });
      expect(applied.stdout).toContain(
        'customresourcedefinition.apiextensions.k8s.io/nextcloudmcps.nextcloud-mcp.io serverside-applied',
      );
      const established = await kubectl(
        'wait',
        '--for=condition=Established',
        'crd/nextcloudmcps.nextcloud-mcp.io',
        '--timeout=10s',
      );
      expect(established.stdout).toContain('condition met');
    });

    it('refuses a bad spec with the CRD rule on stderr, storing nothing', async () => {
      const refused = await kubectl(
        'apply',
        '--server-side',
        '-f',
        file('bad.yaml', tenant(ns, '  publicUrl: http://mcp.acme.example\n')),
      );
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain(
        'spec.publicUrl: Invalid value: publicUrl must use https unless its host is loopback or ends in .local',
      );
      expect((await kubectl('get', 'ncmcp', 'acme', '-n', ns)).stderr).toMatch(/NotFound|not found/);
    });

    it('names a field the schema does not know (a warning, or an error under strict validation)', async () => {
      const sent = await kubectl(
        'apply',
        '--server-side',
        '-f',
        file('unknown.yaml', tenant(ns, '  publicUrl: https://mcp.acme.example\n  replica: 3\n')),
      );
      // Client-side validation warns; server-side apply's strict field validation refuses.
      expect(sent.stderr).toMatch(
        /unknown field "spec\.replica"|\.spec\.replica: field not declared in schema/,
      );
      await kubectl('delete', 'ncmcp', 'acme', '-n', ns, '--ignore-not-found');
    });

    it('applies a tenant and lists it with the Ready and Endpoint columns', async () => {
      const applied = await kubectl(
        'apply',
        '--server-side',
        '-f',
        file('tenant.yaml', tenant(ns, '  publicUrl: https://mcp.acme.example\n')),
      );
      expect(applied).toMatchObject({ code: 0, stderr: '' });
      expect(applied.stdout).toContain('nextcloudmcp.nextcloud-mcp.io/acme serverside-applied');
      const listed = await kubectl('get', 'ncmcp', '-n', ns);
      const [header, row] = listed.stdout.split('\n');
      expect(header).toMatch(/^NAME\s+READY\s+ENDPOINT\s+AGE$/);
      expect(row).toMatch(/^acme\s+\d+s$/);
    });

    it('shows the stored object with the defaults the CRD declares (-o yaml)', async () => {
      const shown = await kubectl('get', 'ncmcp', 'acme', '-n', ns, '-o', 'yaml');
      const object = parse(shown.stdout) as NextcloudMcp;
      expect(object.kind).toBe('NextcloudMcp');
      expect(object.metadata?.name).toBe('acme');
      expect(object.spec).toMatchObject({
        publicUrl: 'https://mcp.acme.example',
        replicas: 1,
        nextcloud: { url: 'https://cloud.acme.example', audience: 'nextcloud' },
      });
    });

    it('waits for Ready while the operator reports it', async () => {
      const waiting = kubectl('wait', '--for=condition=Ready', 'ncmcp/acme', '-n', ns, '--timeout=10s');
      // Give kubectl time to start watching, then report as the operator does.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const current = await stored();
      await custom.replaceNamespacedCustomObjectStatus({
        group: CRD_GROUP,
        version: CRD_VERSION,
        plural: CRD_PLURAL,
        namespace: ns,
        name: 'acme',
        body: {
          ...current,
          status: {
            observedGeneration: current.metadata?.generation,
            endpoint: 'https://mcp.acme.example/mcp',
            clientId: 'byo',
            conditions: [
              {
                type: 'Ready',
                status: 'True',
                reason: 'Available',
                message: 'serving',
                lastTransitionTime: '2026-11-23T00:00:00Z',
              },
            ],
          },
        },
      });
      const waited = await waiting;
      expect(waited.stdout).toContain('nextcloudmcp.nextcloud-mcp.io/acme condition met');
      const listed = await kubectl('get', 'ncmcp', 'acme', '-n', ns);
      expect(listed.stdout).toMatch(/\nacme\s+True\s+https:\/\/mcp\.acme\.example\/mcp\s+\d+s\n/);
      const clientId = await kubectl('get', 'ncmcp', 'acme', '-n', ns, '-o', 'jsonpath={.status.clientId}');
      expect(clientId.stdout).toBe('byo');
    });

    it('deletes the tenant', async () => {
      const deleted = await kubectl('delete', 'ncmcp', 'acme', '-n', ns);
      expect(deleted.stdout).toContain('nextcloudmcp.nextcloud-mcp.io "acme" deleted');
      expect((await kubectl('get', 'ncmcp', '-n', ns)).stderr).toContain('No resources found');
    });

    it('explains every field of the resource from the CRD', async () => {
      const explained = await kubectl('explain', 'nextcloudmcps', '--recursive');
      expect(explained.code).toBe(0);
      // Every property the schema declares, at any depth, is listed by name.
      const names = new Set<string>();
      const walk = (schema: { properties?: Record<string, object>; items?: object }) => {
        for (const [name, child] of Object.entries(schema.properties ?? {})) {
          names.add(name);
          walk(child);
        }
        if (schema.items) walk(schema.items);
      };
      walk(crdDocument().spec.versions[0].schema.openAPIV3Schema);
      for (const name of names) expect(explained.stdout, name).toMatch(new RegExp(`^\\s+${name}\\s`, 'm'));
      const identity = await kubectl('explain', 'nextcloudmcps.spec.identity');
      expect(identity.stdout).toMatch(/DESCRIPTION:\n\s+\S/);
    });

    // A copy of the CRD under a group of its own: the shared cluster's CRD stays for the other suites.
    it('uninstalls the CRD, and its tenants go with it', async () => {
      const group = `k${Date.now().toString(36)}.nextcloud-mcp.test`;
      const copy = crdDocument();
      copy.metadata.name = `${CRD_PLURAL}.${group}`;
      copy.spec.group = group;
      copy.spec.names.shortNames = [];
      const crdFile = file('crd-copy.yaml', JSON.stringify(copy));
      expect((await kubectl('apply', '--server-side', '-f', crdFile)).code).toBe(0);
      await kubectl('wait', '--for=condition=Established', `crd/${CRD_PLURAL}.${group}`, '--timeout=20s');
      const copyTenant = tenant(ns, '  publicUrl: https://mcp.acme.example\n').replace(
        'nextcloud-mcp.io/v1alpha1',
        `${group}/v1alpha1`,
      );
      expect((await kubectl('apply', '--server-side', '-f', file('copy-tenant.yaml', copyTenant))).code).toBe(
        0,
      );
      expect((await kubectl('get', `${CRD_PLURAL}.${group}`, 'acme', '-n', ns)).code).toBe(0);
      const deleted = await kubectl('delete', '-f', crdFile);
      expect(deleted.stdout).toContain(
        `customresourcedefinition.apiextensions.k8s.io "${CRD_PLURAL}.${group}" deleted`,
      );
      const gone = await kubectl('get', `${CRD_PLURAL}.${group}`, '-n', ns);
      expect(gone.code).not.toBe(0);
      // A cached discovery still maps the resource, so kubectl may learn it from the list instead.
      expect(gone.stderr).toMatch(/doesn't have a resource type|could not find the requested resource/);
    });
  },
);

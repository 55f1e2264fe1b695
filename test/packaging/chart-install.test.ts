/**
 * The chart and deploy/ against the real API server: Helm's own checks of a release against the
 * cluster, the API's verdict on every object (schemas, strict fields, admission with restricted
 * Pod Security), and a real install and uninstall. No kubelet runs, so the assertions are about
 * objects, never pods.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART, DEPLOY_NAMESPACE } from '../../packaging/generate.js';
import {
  CUSTOM_VALUES,
  deleteNamespace,
  docs,
  helm,
  helmOk,
  installMonitoringCrds,
  kubectl,
  kubectlOk,
  restrictedNamespace,
  unique,
} from './helm.js';

const namespace = unique('nextcloud-mcp-system');
const otherNamespace = unique('nextcloud-mcp-system');
const release = unique('ncmcp');
const CRD = 'customresourcedefinition/nextcloudmcps.nextcloud-mcp.io';

/** `kind.group/name`, as kubectl names one object without ambiguity. */
const ref = (object: { apiVersion: string; kind: string; metadata: { name: string } }) => {
  const group = object.apiVersion.includes('/') ? `.${object.apiVersion.split('/')[0]}` : '';
  return `${object.kind.toLowerCase()}${group}/${object.metadata.name}`;
};

/**
 * The API server's verdict on a manifest without storing it: server-side apply, dry run, strict
 * field validation. Returns the objects it accepted; warnings (Pod Security's among them) fail.
 */
function apiAccepts(manifest: string, ...flags: string[]): string[] {
  const result = kubectl(
    [
      'apply',
      '--server-side',
      '--dry-run=server',
      '--field-manager=nextcloud-mcp-tests',
      ...flags,
      '-f',
      '-',
    ],
    manifest,
  );
  expect(result.status, result.stderr).toBe(0);
  expect(result.stderr).toBe('');
  return result.stdout.trim().split('\n');
}

/**
 * `helm install --dry-run=server`: Helm checks the release against the live cluster (its version,
 * objects another release owns) and returns its manifest, but sends no object to the API, so
 * {@link apiAccepts} judges them.
 */
function dryRunInstall(name: string, ns: string, values: object): string {
  const out = helmOk(
    ['install', name, CHART, '-n', ns, '--dry-run=server', '-o', 'json', '-f', '-'],
    JSON.stringify(values),
  );
  return (JSON.parse(out) as { manifest: string }).manifest;
}

beforeAll(() => {
  installMonitoringCrds();
  for (const ns of [namespace, otherNamespace]) restrictedNamespace(ns);
}, 90_000);

afterAll(() => {
  for (const ns of [namespace, otherNamespace]) {
    for (const name of helmOk(['list', '-q', '-n', ns]).split('\n').filter(Boolean))
      helm(['uninstall', name, '-n', ns, '--ignore-not-found']);
    deleteNamespace(ns);
  }
});

describe('the Helm chart on the real API server', () => {
  it.each([
    ['default', {}],
    ['custom', CUSTOM_VALUES],
  ])('installs with --dry-run=server, and the API accepts every object (%s values)', (_, values) => {
    const manifest = dryRunInstall(unique('ncmcp'), namespace, values);
    const objects = docs(manifest);
    expect(objects.length).toBeGreaterThanOrEqual(6);
    const accepted = apiAccepts(manifest);
    expect(accepted.sort()).toEqual(
      objects.map((object) => `${ref(object)} serverside-applied (server dry run)`).sort(),
    );
  });

  it('installs beside releases of the same name elsewhere and of another name beside it, each bound to its own account, and uninstalls to nothing', () => {
    // The hard cases for names: the same release name in another namespace, another name in the same one.
    const releases = [
      { name: release, namespace },
      { name: release, namespace: otherNamespace },
      { name: unique('ncmcp'), namespace },
    ];
    for (const { name, namespace: ns } of releases)
      helmOk(['install', name, CHART, '-n', ns, '-f', '-'], JSON.stringify(CUSTOM_VALUES));
    const installed = releases.map(({ name, namespace: ns }) => {
      const objects = docs(helmOk(['get', 'manifest', name, '-n', ns]));
      const stored = JSON.parse(kubectlOk(['get', '-n', ns, '-o', 'json', ...objects.map(ref)])).items;
      expect(stored.map(ref).sort()).toEqual(objects.map(ref).sort());
      for (const object of stored) {
        expect(object.metadata.annotations['meta.helm.sh/release-name'], ref(object)).toBe(name);
        expect(object.metadata.annotations['meta.helm.sh/release-namespace'], ref(object)).toBe(ns);
        expect(object.metadata.labels['app.kubernetes.io/instance'], ref(object)).toBe(name);
      }
      const fullname = `${name}-nextcloud-mcp-operator`;
      expect(objects.map(ref)).toEqual(
        expect.arrayContaining([
          `clusterrole.rbac.authorization.k8s.io/${ns}:${fullname}`,
          `clusterrolebinding.rbac.authorization.k8s.io/${ns}:${fullname}`,
          `deployment.apps/${fullname}`,
          `poddisruptionbudget.policy/${fullname}`,
          `servicemonitor.monitoring.coreos.com/${fullname}`,
          `podmonitor.monitoring.coreos.com/${fullname}-tenants`,
        ]),
      );
      // The API server's own verdict: the release's account may do what the operator does.
      const account = `system:serviceaccount:${ns}:${fullname}`;
      for (const check of [
        ['watch', 'nextcloudmcps.nextcloud-mcp.io', '--all-namespaces'],
        ['update', 'leases.coordination.k8s.io', `-n=${ns}`],
      ])
        expect(kubectl(['auth', 'can-i', ...check, `--as=${account}`]).stdout.trim(), check.join(' ')).toBe(
          'yes',
        );
      return { ns, refs: objects.map(ref) };
    });
    // The CRD was there before (crds/ is skipped then), and Helm owns none of it.
    expect(kubectl(['get', CRD]).status).toBe(0);

    for (const [index, { name, namespace: ns }] of releases.entries()) {
      helmOk(['uninstall', name, '-n', ns, '--wait', '--timeout=60s']);
      const { refs } = installed[index] ?? { refs: [] };
      expect(kubectlOk(['get', '-n', ns, '--ignore-not-found', ...refs])).toBe('');
    }
    expect(kubectl(['get', CRD]).status).toBe(0);
  }, 180_000);
});

describe('deploy/ (the manifests without Helm) on the real API server', () => {
  const deployNamespace = unique('nextcloud-mcp-system');
  beforeAll(() => restrictedNamespace(deployNamespace));
  afterAll(() => deleteNamespace(deployNamespace));

  it('is accepted by kubectl apply --server-side --dry-run=server, object by object', () => {
    // Its own namespace, so no other suite's nextcloud-mcp-system is touched; the CRD may have been
    // applied by another field manager, which a dry run may take over.
    const manifest = readFileSync('deploy/nextcloud-mcp-operator.yaml', 'utf8').replaceAll(
      DEPLOY_NAMESPACE,
      deployNamespace,
    );
    const objects = docs(manifest);
    expect(objects.map((object) => object.kind)).toEqual(
      expect.arrayContaining(['CustomResourceDefinition', 'Deployment', 'Namespace', 'ClusterRole']),
    );
    expect(apiAccepts(manifest, '--force-conflicts').sort()).toEqual(
      objects.map((object) => `${ref(object)} serverside-applied (server dry run)`).sort(),
    );
  });
});

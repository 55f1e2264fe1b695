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
  helm(['uninstall', release, '-n', namespace, '--ignore-not-found']);
  for (const ns of [namespace, otherNamespace]) deleteNamespace(ns);
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

  it('installs into its namespace beside another release, and uninstalls to nothing', () => {
    helmOk(['install', release, CHART, '-n', namespace, '-f', '-'], JSON.stringify(CUSTOM_VALUES));
    const objects = docs(helmOk(['get', 'manifest', release, '-n', namespace]));
    const refs = objects.map(ref);
    expect(refs).toEqual(
      expect.arrayContaining([
        `clusterrole.rbac.authorization.k8s.io/${release}`,
        `clusterrolebinding.rbac.authorization.k8s.io/${release}`,
        'deployment.apps/nextcloud-mcp-operator',
        'servicemonitor.monitoring.coreos.com/nextcloud-mcp-operator',
      ]),
    );
    const stored = JSON.parse(kubectlOk(['get', '-n', namespace, '-o', 'json', ...refs])).items;
    expect(stored.map(ref).sort()).toEqual([...refs].sort());
    for (const object of stored) {
      expect(object.metadata.annotations['meta.helm.sh/release-name'], ref(object)).toBe(release);
      expect(object.metadata.labels['app.kubernetes.io/instance'], ref(object)).toBe(release);
    }
    // The CRD was there before (crds/ is skipped then), and Helm owns none of it.
    expect(kubectl(['get', CRD]).status).toBe(0);

    // A second release elsewhere must not trip over objects the first one owns.
    const second = helm(['install', unique('ncmcp'), CHART, '-n', otherNamespace, '--dry-run=server']);
    expect(second.status, second.stderr).toBe(0);

    helmOk(['uninstall', release, '-n', namespace, '--wait', '--timeout=60s']);
    expect(kubectlOk(['get', '-n', namespace, '--ignore-not-found', ...refs])).toBe('');
    expect(kubectl(['get', CRD]).status).toBe(0);
  }, 90_000);
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

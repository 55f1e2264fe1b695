/**
 * What the chart renders per release, by the real Helm: names that let releases coexist, the
 * standard labels, the disruption budget and the pod's scheduling and security values.
 */
import { describe, expect, it } from 'vitest';
import { CUSTOM_VALUES, model, template } from './helm.js';

const version = (object: { metadata: { labels: Record<string, string> } }) =>
  object.metadata.labels['app.kubernetes.io/version'];
const find = (objects: { kind: string }[], kind: string) =>
  // biome-ignore lint/suspicious/noExplicitAny: manifests are read field by field in the assertions.
  objects.find((object) => object.kind === kind) as any;

describe('release-aware names', () => {
  it.each([
    ['ops', 'a', {}],
    ['nextcloud-mcp-operator-blue', 'a', {}],
    ['ops', 'a', { nameOverride: 'mcp' }],
    ['ops', 'a', { fullnameOverride: 'mcp-control' }],
    // Long enough that every name and suffix is cut to a DNS label.
    ['r'.repeat(53), 'a', { nameOverride: 'n'.repeat(63) }],
    ['ops', 'a', { serviceAccount: { create: false } }],
    ['ops', 'a', { serviceAccount: { create: false, name: 'platform' } }],
    ['ops', 'a', { ...CUSTOM_VALUES, serviceAccount: { name: 'platform' } }],
  ])('are the packaging model’s for release %s in %s with %j', (release, namespace, values) => {
    const rendered = template(release, namespace, values);
    expect(rendered).toEqual(model(release, namespace, values));
    for (const object of rendered)
      expect(object.metadata.name.split(':').pop().length).toBeLessThanOrEqual(63);
  });

  it('never collide between releases: same name elsewhere, another name beside', () => {
    const releases = [
      template('ops', 'a', CUSTOM_VALUES),
      template('ops', 'b', CUSTOM_VALUES),
      template('other', 'a', CUSTOM_VALUES),
    ];
    const keys = releases.flatMap((objects) =>
      objects.map((object) => `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`),
    );
    expect(keys.length).toBeGreaterThan(20);
    expect(new Set(keys).size).toBe(keys.length);
    const clusterScoped = releases[0]
      ?.filter((object) => object.metadata.namespace === undefined)
      .map((object) => [object.kind, object.metadata.name]);
    expect(clusterScoped).toEqual([
      ['ClusterRole', 'a:ops-nextcloud-mcp-operator'],
      ['ClusterRoleBinding', 'a:ops-nextcloud-mcp-operator'],
    ]);
  });

  it.each([
    [{}, 'ops-nextcloud-mcp-operator', true],
    [{ serviceAccount: { create: false } }, 'default', false],
    [{ serviceAccount: { create: false, name: 'platform' } }, 'platform', false],
  ])('bind the RBAC to the ServiceAccount the pods run as (%j)', (values, account, created) => {
    const objects = template('ops', 'a', values);
    const deployment = find(objects, 'Deployment');
    expect(deployment.spec.template.spec.serviceAccountName).toBe(account);
    expect(find(objects, 'ServiceAccount')?.metadata.name).toBe(created ? account : undefined);
    for (const kind of ['ClusterRoleBinding', 'RoleBinding']) {
      const binding = find(objects, kind);
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: account, namespace: 'a' }]);
      const role = find(objects, binding.roleRef.kind);
      expect(binding.roleRef.name).toBe(role.metadata.name);
    }
  });
});

describe('labels', () => {
  it('are the standard ones on every object, and selectors use only name and instance', () => {
    const objects = template('ops', 'a', CUSTOM_VALUES);
    expect(objects.map((object) => object.kind)).toContain('PodMonitor');
    const appVersion = version(find(objects, 'Deployment'));
    expect(appVersion).toMatch(/^\d+\.\d+\.\d+/);
    for (const object of objects) {
      expect(object.metadata.labels, object.kind).toMatchObject({
        'helm.sh/chart': `nextcloud-mcp-operator-${appVersion}`,
        'app.kubernetes.io/name': 'nextcloud-mcp-operator',
        'app.kubernetes.io/instance': 'ops',
        'app.kubernetes.io/version': appVersion,
        'app.kubernetes.io/managed-by': 'Helm',
        'app.kubernetes.io/part-of': 'nextcloud-mcp',
        'app.kubernetes.io/component': expect.stringMatching(/^(operator|monitoring)$/),
      });
    }
    const stable = {
      'app.kubernetes.io/name': 'nextcloud-mcp-operator',
      'app.kubernetes.io/instance': 'ops',
    };
    const deployment = find(objects, 'Deployment');
    const selectors = [
      deployment.spec.selector.matchLabels,
      deployment.spec.template.spec.affinity.podAntiAffinity
        .preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.labelSelector.matchLabels,
      find(objects, 'Service').spec.selector,
      find(objects, 'PodDisruptionBudget').spec.selector.matchLabels,
      find(objects, 'NetworkPolicy').spec.podSelector.matchLabels,
      find(objects, 'ServiceMonitor').spec.selector.matchLabels,
    ];
    for (const selector of selectors) expect(selector).toEqual(stable);
    expect(deployment.spec.template.metadata.labels).toMatchObject({ ...stable, team: 'platform' });
  });
});

describe('the pods', () => {
  const pdb = (values: object) => find(template('ops', 'a', values), 'PodDisruptionBudget');

  it('have a disruption budget with more than one replica, unless turned off', () => {
    expect(pdb({}).spec.maxUnavailable).toBe(1);
    expect(pdb({ replicas: 3, podDisruptionBudget: { maxUnavailable: '50%' } }).spec.maxUnavailable).toBe(
      '50%',
    );
    expect(pdb({ replicas: 1 })).toBeUndefined();
    expect(pdb({ podDisruptionBudget: { enabled: false } })).toBeUndefined();
  });

  it('keep the hardened security contexts when one field is changed, and take scheduling values', () => {
    const pod = find(template('ops', 'a', CUSTOM_VALUES), 'Deployment').spec.template.spec;
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      fsGroup: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL', 'NET_RAW'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.priorityClassName).toBe('platform-critical');
    expect(pod.nodeSelector).toEqual({ pool: 'system' });
    expect(pod.imagePullSecrets).toEqual([{ name: 'registry' }]);
  });

  it('spread over nodes by default, and take the affinity they are given instead', () => {
    const affinity = (values: object) =>
      find(template('ops', 'a', values), 'Deployment').spec.template.spec.affinity;
    expect(Object.keys(affinity({}))).toEqual(['podAntiAffinity']);
    const given = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'In', values: ['system'] }] }],
        },
      },
    };
    expect(affinity({ affinity: given })).toEqual(given);
  });
});

describe('the tenants’ PodMonitor', () => {
  const podMonitor = (values: object) => find(template('ops', 'a', values), 'PodMonitor');

  it('comes with the ServiceMonitor, scraping every namespace or the listed ones', () => {
    expect(podMonitor({})).toBeUndefined();
    const everywhere = podMonitor({ metrics: { serviceMonitor: { enabled: true, interval: '1m' } } });
    expect(everywhere.metadata.name).toBe('ops-nextcloud-mcp-operator-tenants');
    expect(everywhere.spec.namespaceSelector).toEqual({ any: true });
    expect(everywhere.spec.podMetricsEndpoints).toEqual([
      { port: 'metrics', path: '/metrics', interval: '1m' },
    ]);
    expect(podMonitor(CUSTOM_VALUES).spec.namespaceSelector).toEqual({
      any: false,
      matchNames: ['tenant-a', 'tenant-b'],
    });
    expect(podMonitor(CUSTOM_VALUES).metadata.labels.release).toBe('prom');
    expect(
      podMonitor({ metrics: { serviceMonitor: { enabled: true }, podMonitor: { enabled: false } } }),
    ).toBeUndefined();
  });
});

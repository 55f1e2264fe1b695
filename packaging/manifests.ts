import { RUNTIME_NODE_OPTIONS } from '../contract/index.js';
import { MANAGED_BY } from '../operator/desired.js';
import { ALERTS } from './alerts.js';
import type { ReleaseNames } from './names.js';
import { CLUSTER_RULES, NAMESPACE_RULES } from './rbac.js';
import { at } from './render.js';
import type { Values } from './values.js';

/**
 * Where manifest values come from: the chart's defaults (for `deploy/`) or Helm expressions (for
 * the chart's templates). One function builds both, so they cannot drift apart.
 */
export interface ValueSource {
  /** A scalar at a values path (`image.pullPolicy`), as it belongs in the manifest. */
  value<T>(path: string): T;
  /** The same, always a string (env values). */
  text(path: string): string;
  /** An object or list at a values path, written as a YAML block; left out when empty. */
  block(path: string): unknown;
  /** The lists at several values paths, joined, written as one YAML block. */
  joined(paths: readonly string[]): unknown;
  /** A labels map plus the labels at a values path. */
  withLabels(base: Record<string, string>, path: string): Record<string, string>;
  /** Whether the value at a path is empty, as a boolean in the manifest. */
  empty(path: string): boolean;
  /** The object at a values path, or `fallback` when it is empty (the chart's copy is named `name`). */
  orDefault(path: string, name: string, fallback: object): unknown;
  readonly namespace: string;
  readonly names: ReleaseNames;
  readonly image: string;
}

/** When an optional file is rendered: a Helm condition, and the same test on concrete values. */
export interface Condition {
  readonly helm: string;
  holds(values: Values): boolean;
}

/** One manifest file: its objects, and the condition that switches it on, if any. */
export interface ManifestFile {
  readonly name: string;
  readonly when?: Condition;
  readonly objects: readonly object[];
}

/** Every boolean at these values paths is true. */
const enabled = (...paths: string[]): Condition => ({
  helm:
    paths.length === 1 ? `.Values.${paths[0]}` : `and ${paths.map((path) => `.Values.${path}`).join(' ')}`,
  holds: (values) => paths.every((path) => at(values, path) === true),
});

/**
 * Labels the operator puts on tenant pods (operator/desired.ts's labelsFor), and the container port
 * their proxy serves `/metrics` on; a test holds them to the operator's objects.
 */
const TENANT_POD_SELECTOR = {
  'app.kubernetes.io/name': 'nextcloud-mcp',
  'app.kubernetes.io/managed-by': MANAGED_BY,
};
const TENANT_METRICS_PORT = 'metrics';

export function operatorManifests(source: ValueSource): ManifestFile[] {
  const { names } = source;
  const { selector } = names;
  const labels = names.labels('operator');
  const metadata = (name = names.fullname, component = 'operator') => ({
    name,
    namespace: source.namespace,
    labels: names.labels(component),
  });
  const monitoring = (name: string) => ({
    ...metadata(name, 'monitoring'),
    labels: source.withLabels(names.labels('monitoring'), 'metrics.serviceMonitor.labels'),
  });
  const subject = { kind: 'ServiceAccount', name: names.serviceAccount, namespace: source.namespace };
  const env = (name: string, value: string) => ({ name, value });
  const fieldEnv = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });
  // Replicas on different nodes, so losing one node never loses the leader and its standby.
  const spreadOverNodes = {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 100,
          podAffinityTerm: {
            topologyKey: 'kubernetes.io/hostname',
            labelSelector: { matchLabels: selector },
          },
        },
      ],
    },
  };

  return [
    {
      name: 'serviceaccount.yaml',
      when: enabled('serviceAccount.create'),
      objects: [
        {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: {
            ...metadata(names.serviceAccount),
            annotations: source.block('serviceAccount.annotations'),
          },
        },
      ],
    },
    {
      name: 'rbac.yaml',
      objects: [
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          metadata: { name: names.cluster, labels },
          rules: CLUSTER_RULES,
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name: names.cluster, labels },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: names.cluster },
          subjects: [subject],
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'Role',
          metadata: metadata(),
          rules: NAMESPACE_RULES,
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: metadata(),
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: names.fullname },
          subjects: [subject],
        },
      ],
    },
    {
      name: 'deployment.yaml',
      objects: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: metadata(),
          spec: {
            replicas: source.value<number>('replicas'),
            selector: { matchLabels: selector },
            template: {
              metadata: {
                labels: source.withLabels(labels, 'podLabels'),
                annotations: source.block('podAnnotations'),
              },
              spec: {
                serviceAccountName: names.serviceAccount,
                priorityClassName: source.block('priorityClassName'),
                securityContext: source.block('podSecurityContext'),
                imagePullSecrets: source.block('imagePullSecrets'),
                nodeSelector: source.block('nodeSelector'),
                tolerations: source.block('tolerations'),
                affinity: source.orDefault('affinity', 'spreadOverNodes', spreadOverNodes),
                containers: [
                  {
                    name: 'operator',
                    image: source.image,
                    imagePullPolicy: source.value<string>('image.pullPolicy'),
                    command: ['node', 'dist/operator/main.js'],
                    env: [
                      env('OPERATOR_IMAGE', source.image),
                      env('TENANT_IMAGES', source.text('tenantImages')),
                      env('TENANT_INGRESS_DOMAINS', source.text('tenantIngressDomains')),
                      // The leader-election Lease lives here, under the operator's fixed name: two
                      // releases in one namespace share one leader, never both reconcile.
                      fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
                      fieldEnv('POD_NAME', 'metadata.name'),
                      env('WORKERS', source.text('workers')),
                      env('LOG_LEVEL', source.text('logLevel')),
                      env('RESYNC_SECONDS', source.text('resyncSeconds')),
                      env('LEASE_DURATION_SECONDS', source.text('leaseDurationSeconds')),
                      env('HTTP_PORT', source.text('metrics.port')),
                      env('NODE_OPTIONS', RUNTIME_NODE_OPTIONS),
                    ],
                    ports: [{ name: 'http', containerPort: source.value<number>('metrics.port') }],
                    readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 10 },
                    livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 20 },
                    resources: source.block('resources'),
                    securityContext: source.block('securityContext'),
                    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
                  },
                ],
                volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '16Mi' } }],
              },
            },
          },
        },
      ],
    },
    {
      name: 'poddisruptionbudget.yaml',
      // With one replica any budget would block every node drain.
      when: {
        helm: 'and .Values.podDisruptionBudget.enabled (gt (int .Values.replicas) 1)',
        holds: (values) => values.podDisruptionBudget.enabled && values.replicas > 1,
      },
      objects: [
        {
          apiVersion: 'policy/v1',
          kind: 'PodDisruptionBudget',
          metadata: metadata(),
          spec: {
            maxUnavailable: source.value<number | string>('podDisruptionBudget.maxUnavailable'),
            selector: { matchLabels: selector },
          },
        },
      ],
    },
    {
      name: 'service.yaml',
      objects: [
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: metadata(names.suffixed('metrics')),
          spec: {
            selector,
            ports: [{ name: 'http-metrics', port: source.value<number>('metrics.port'), targetPort: 'http' }],
          },
        },
      ],
    },
    {
      name: 'networkpolicy.yaml',
      when: enabled('networkPolicy.egress.enabled'),
      objects: [
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: metadata(),
          spec: {
            podSelector: { matchLabels: selector },
            // Egress only: probes and metrics scraping come in as they did.
            policyTypes: ['Egress'],
            // No rule at all leaves no egress, never an open one.
            egress: source.joined(
              ['dns', 'apiServer', 'identityProviders'].map((list) => `networkPolicy.egress.${list}`),
            ),
          },
        },
      ],
    },
    {
      name: 'servicemonitor.yaml',
      when: enabled('metrics.serviceMonitor.enabled'),
      objects: [
        {
          apiVersion: 'monitoring.coreos.com/v1',
          kind: 'ServiceMonitor',
          metadata: monitoring(names.fullname),
          spec: {
            selector: { matchLabels: selector },
            endpoints: [
              {
                port: 'http-metrics',
                path: '/metrics',
                interval: source.value<string>('metrics.serviceMonitor.interval'),
              },
            ],
          },
        },
      ],
    },
    {
      name: 'podmonitor.yaml',
      when: enabled('metrics.serviceMonitor.enabled', 'metrics.podMonitor.enabled'),
      objects: [
        {
          apiVersion: 'monitoring.coreos.com/v1',
          kind: 'PodMonitor',
          metadata: monitoring(names.suffixed('tenants')),
          spec: {
            // Tenant pods live in the tenants' namespaces, never the operator's.
            namespaceSelector: {
              any: source.empty('metrics.podMonitor.namespaces'),
              matchNames: source.block('metrics.podMonitor.namespaces'),
            },
            selector: { matchLabels: TENANT_POD_SELECTOR },
            // Which tenant a series is from, when a namespace holds more than one.
            podTargetLabels: ['app.kubernetes.io/instance'],
            podMetricsEndpoints: [
              {
                port: TENANT_METRICS_PORT,
                path: '/metrics',
                interval: source.value<string>('metrics.serviceMonitor.interval'),
              },
            ],
          },
        },
      ],
    },
    {
      name: 'prometheusrule.yaml',
      when: enabled('metrics.prometheusRule.enabled'),
      objects: [
        {
          apiVersion: 'monitoring.coreos.com/v1',
          kind: 'PrometheusRule',
          metadata: {
            ...metadata(names.fullname, 'monitoring'),
            labels: source.withLabels(names.labels('monitoring'), 'metrics.prometheusRule.labels'),
          },
          spec: { groups: [{ name: 'nextcloud-mcp', rules: ALERTS }] },
        },
      ],
    },
  ];
}

import {
  RESTRICTED_CONTAINER_SECURITY,
  RESTRICTED_POD_SECURITY,
  RUNTIME_NODE_OPTIONS,
} from '../contract/index.js';
import { ALERTS } from './alerts.js';
import { CLUSTER_RULES, NAMESPACE_RULES } from './rbac.js';

/**
 * Where manifest values come from: the chart's defaults (for `deploy/`) or Helm expressions (for
 * the chart's templates). One function builds both, so they cannot drift apart.
 */
export interface ValueSource {
  /** A scalar at a values path (`image.pullPolicy`), as it belongs in the manifest. */
  value<T>(path: string): T;
  /** The same, always a string (env values). */
  text(path: string): string;
  /** An object or list at a values path, written as a YAML block. */
  block(path: string): unknown;
  /** The lists at several values paths, joined, written as one YAML block. */
  joined(paths: readonly string[]): unknown;
  /** A labels map plus the labels at a values path. */
  withLabels(base: Record<string, string>, path: string): Record<string, string>;
  readonly namespace: string;
  readonly instance: string;
  readonly image: string;
}

/** One manifest file: its objects, and the values path that switches it on, if any. */
export interface ManifestFile {
  readonly name: string;
  readonly enabledBy?: string;
  readonly objects: readonly object[];
}

export const OPERATOR_NAME = 'nextcloud-mcp-operator';

export function operatorManifests(source: ValueSource): ManifestFile[] {
  const selector = { 'app.kubernetes.io/name': OPERATOR_NAME, 'app.kubernetes.io/instance': source.instance };
  const labels = { ...selector, 'app.kubernetes.io/part-of': 'nextcloud-mcp' };
  const metadata = (name = OPERATOR_NAME) => ({ name, namespace: source.namespace, labels });
  const subject = { kind: 'ServiceAccount', name: OPERATOR_NAME, namespace: source.namespace };
  // Cluster-scoped objects are named after the release: a fixed name would make a second release
  // (another namespace, another name) fail on objects the first one owns.
  const clusterName = source.instance;
  const env = (name: string, value: string) => ({ name, value });
  const fieldEnv = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });

  return [
    {
      name: 'serviceaccount.yaml',
      objects: [{ apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata() }],
    },
    {
      name: 'rbac.yaml',
      objects: [
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          metadata: { name: clusterName, labels },
          rules: CLUSTER_RULES,
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name: clusterName, labels },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterName },
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
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: OPERATOR_NAME },
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
              metadata: { labels, annotations: source.block('podAnnotations') },
              spec: {
                serviceAccountName: OPERATOR_NAME,
                securityContext: RESTRICTED_POD_SECURITY,
                imagePullSecrets: source.block('imagePullSecrets'),
                nodeSelector: source.block('nodeSelector'),
                tolerations: source.block('tolerations'),
                // Replicas on different nodes, so losing one node never loses the leader and its standby.
                affinity: {
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
                },
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
                    securityContext: RESTRICTED_CONTAINER_SECURITY,
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
      name: 'service.yaml',
      objects: [
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: metadata(`${OPERATOR_NAME}-metrics`),
          spec: {
            selector,
            ports: [{ name: 'http-metrics', port: source.value<number>('metrics.port'), targetPort: 'http' }],
          },
        },
      ],
    },
    {
      name: 'networkpolicy.yaml',
      enabledBy: 'networkPolicy.egress.enabled',
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
      enabledBy: 'metrics.serviceMonitor.enabled',
      objects: [
        {
          apiVersion: 'monitoring.coreos.com/v1',
          kind: 'ServiceMonitor',
          metadata: {
            ...metadata(),
            labels: source.withLabels(labels, 'metrics.serviceMonitor.labels'),
          },
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
      name: 'prometheusrule.yaml',
      enabledBy: 'metrics.prometheusRule.enabled',
      objects: [
        {
          apiVersion: 'monitoring.coreos.com/v1',
          kind: 'PrometheusRule',
          metadata: { ...metadata(), labels: source.withLabels(labels, 'metrics.prometheusRule.labels') },
          spec: { groups: [{ name: 'nextcloud-mcp', rules: ALERTS }] },
        },
      ],
    },
  ];
}

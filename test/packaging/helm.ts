/**
 * The real Helm and kubectl the packaging suites drive: their paths come from the global setup's
 * variables (or the peers cache), and the cluster from TEST_KUBECONFIG.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { CHART } from '../../packaging/generate.js';
import { operatorManifests } from '../../packaging/manifests.js';
import { concreteSource, renderManifests } from '../../packaging/render.js';
import { DEFAULT_VALUES, ValuesSchema } from '../../packaging/values.js';
import { PEER_VERSIONS, peerPath } from '../../peers/cache.js';

export interface Output {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program, the input on stdin; never throws, so a test can assert on a refusal. */
function run(program: string, args: readonly string[], input?: string): Output {
  const result = spawnSync(program, args, { input, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function succeeded(command: string, args: readonly string[], output: Output): string {
  if (output.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${output.stderr}`);
  return output.stdout;
}

const kubeconfig = () => `--kubeconfig=${process.env.TEST_KUBECONFIG}`;

/** `helm …` against the test cluster; its output, or an error with Helm's message. */
export const helm = (args: readonly string[], input?: string): Output =>
  run(process.env.TEST_HELM ?? peerPath('helm'), [kubeconfig(), ...args], input);
export const helmOk = (args: readonly string[], input?: string): string =>
  succeeded('helm', args, helm(args, input));

/** `kubectl …` against the test cluster. */
export const kubectl = (args: readonly string[], input?: string): Output =>
  run(process.env.TEST_KUBECTL ?? peerPath('kubectl'), [kubeconfig(), ...args], input);
export const kubectlOk = (args: readonly string[], input?: string): string =>
  succeeded('kubectl', args, kubectl(args, input));

/** What `helm template` and `helm lint` render for: the peers' Kubernetes, not Helm's built-in guess. */
export const KUBE_VERSION = PEER_VERSIONS.K8S_VERSION;

/** `helm template` of the chart for a release with these values (JSON is YAML, read from stdin). */
export function template(release: string, namespace: string, values: object, extra: string[] = []) {
  return docs(
    helmOk(
      ['template', release, CHART, '-n', namespace, '--kube-version', KUBE_VERSION, '-f', '-', ...extra],
      JSON.stringify(values),
    ),
  );
}

const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

/** What the packaging model renders for the same release and values (Helm's coalescing first). */
export function model(release: string, namespace: string, values: object) {
  const merged = ValuesSchema.parse(coalesce(DEFAULT_VALUES, values));
  const source = concreteSource(merged, {
    name: release,
    namespace,
    chartVersion: version,
    appVersion: version,
  });
  return docs(renderManifests(operatorManifests(source), merged));
}

/** Values a user would pass (`-f`): only what differs from values.yaml, every optional block set. */
export const CUSTOM_VALUES = {
  image: { repository: 'registry.internal/mcp', tag: '9.9.9' },
  imagePullSecrets: [{ name: 'registry' }],
  replicas: 3,
  // A plain number, as the API takes it; the limits stay values.yaml's (Helm merges maps).
  resources: { requests: { cpu: 1 } },
  nodeSelector: { pool: 'system' },
  tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'system', effect: 'NoSchedule' }],
  podAnnotations: { team: 'platform' },
  podLabels: { team: 'platform' },
  priorityClassName: 'platform-critical',
  // Merged into the defaults key by key: the rest of the hardened context stays.
  podSecurityContext: { fsGroup: 65532 },
  securityContext: { capabilities: { drop: ['ALL', 'NET_RAW'] } },
  serviceAccount: { annotations: { 'example.com/role': 'operator' } },
  podDisruptionBudget: { maxUnavailable: '50%' },
  tenantIngressDomains: 'acme.example,example.org',
  networkPolicy: {
    egress: {
      enabled: true,
      apiServer: [{ to: [{ ipBlock: { cidr: '10.0.0.1/32' } }], ports: [{ port: 6443, protocol: 'TCP' }] }],
      identityProviders: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'keycloak' } },
              podSelector: { matchLabels: { app: 'keycloak' } },
            },
          ],
          ports: [{ port: 8443 }],
        },
        { to: [{ ipBlock: { cidr: '203.0.113.0/24' } }], ports: [{ port: 443 }] },
      ],
    },
  },
  metrics: {
    serviceMonitor: { enabled: true, labels: { release: 'prom' } },
    podMonitor: { namespaces: ['tenant-a', 'tenant-b'] },
    prometheusRule: { enabled: true, labels: { release: 'prom' } },
  },
};

/** User values over the chart's, as Helm coalesces them: maps merge key by key, anything else replaces. */
export function coalesce(base: unknown, over: unknown): unknown {
  const isMap = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!isMap(base) || !isMap(over)) return over;
  const merged = { ...base };
  for (const [key, value] of Object.entries(over)) merged[key] = coalesce(base[key], value);
  return merged;
}

/** The objects in a YAML stream, in a stable order (kind, name), since file order is not meaningful. */
// biome-ignore lint/suspicious/noExplicitAny: manifests are read field by field in the assertions.
export const docs = (text: string): any[] =>
  parseAllDocuments(text)
    .map((doc) => doc.toJS())
    .filter(Boolean)
    .sort((a, b) => `${a.kind}/${a.metadata?.name}`.localeCompare(`${b.kind}/${b.metadata?.name}`));

/** A name no other run or suite uses, for namespaces and releases on the shared cluster. */
export const unique = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`;

/** A namespace that enforces and warns about restricted Pod Security, as the operator claims to meet. */
export function restrictedNamespace(name: string): void {
  kubectlOk(['create', 'namespace', name]);
  kubectlOk([
    'label',
    'namespace',
    name,
    'pod-security.kubernetes.io/enforce=restricted',
    'pod-security.kubernetes.io/warn=restricted',
  ]);
}

export const deleteNamespace = (name: string) =>
  kubectl(['delete', 'namespace', name, '--ignore-not-found', '--wait=false']);

/** The Prometheus Operator's CRDs, so ServiceMonitor, PodMonitor and PrometheusRule meet their real schemas. */
export function installMonitoringCrds(): void {
  kubectlOk([
    'apply',
    '--server-side',
    '--field-manager=nextcloud-mcp-tests',
    '--force-conflicts',
    '-f',
    peerPath('monitoringCrds'),
  ]);
  const wait = [
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    'crd/servicemonitors.monitoring.coreos.com',
    'crd/podmonitors.monitoring.coreos.com',
    'crd/prometheusrules.monitoring.coreos.com',
  ];
  // kubectl wait fails at once, instead of waiting, on a CRD whose status has no conditions yet.
  const deadline = Date.now() + 60_000;
  let output = kubectl(wait);
  while (output.status !== 0 && output.stderr.includes('accessor error') && Date.now() < deadline) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    output = kubectl(wait);
  }
  succeeded('kubectl', wait, output);
}

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHART, CRD_FILE, DEPLOY_NAMESPACE, generatedFiles } from '../../packaging/generate.js';
import { DEFAULT_VALUES } from '../../packaging/values.js';
import {
  CUSTOM_VALUES,
  docs,
  helm,
  helmOk,
  KUBE_VERSION,
  model,
  template as templateRelease,
} from './helm.js';

const RELEASE = 'nextcloud-mcp-operator';
const template = (values: object, namespace = DEPLOY_NAMESPACE, extra: string[] = []) =>
  templateRelease(RELEASE, namespace, values, extra);

describe('the Helm chart, rendered by helm', () => {
  it('passes helm lint --strict, with its defaults and with other values', () => {
    // `global` is what a parent chart shares with its subcharts: accepted, though this chart reads none.
    for (const values of [{}, CUSTOM_VALUES, { global: { foo: 1 } }]) {
      const output = helmOk(
        ['lint', '--strict', CHART, '--kube-version', KUBE_VERSION, '-f', '-'],
        JSON.stringify(values),
      );
      expect(output).toContain('0 chart(s) failed');
    }
  });

  it('renders exactly the deploy/ manifests with its default values, the CRD from crds/', () => {
    const deployed = docs(readFileSync('deploy/nextcloud-mcp-operator.yaml', 'utf8')).filter(
      (object) => object.kind !== 'Namespace',
    );
    expect(template({}, DEPLOY_NAMESPACE, ['--include-crds'])).toEqual(deployed);
    expect(docs(helmOk(['show', 'crds', CHART]))).toEqual(docs(readFileSync(CRD_FILE, 'utf8')));
  });

  it('renders the same objects as the packaging model for other values, monitoring included', () => {
    const rendered = template(CUSTOM_VALUES, 'ops');
    expect(rendered).toEqual(model(RELEASE, 'ops', CUSTOM_VALUES));
    for (const kind of ['ServiceMonitor', 'PodMonitor', 'PrometheusRule'])
      expect(rendered.find((object) => object.kind === kind)?.metadata.labels.release, kind).toBe('prom');
    const deployment = rendered.find((object) => object.kind === 'Deployment');
    expect(deployment?.spec.replicas).toBe(3);
    expect(deployment?.spec.template.spec.tolerations).toEqual(CUSTOM_VALUES.tolerations);
    expect(deployment?.spec.template.spec.containers[0].resources).toEqual({
      requests: { cpu: 1, memory: '128Mi' },
      limits: { memory: '256Mi' },
    });
    expect(deployment?.spec.template.spec.containers[0].image).toBe('registry.internal/mcp:9.9.9');
    expect(deployment?.spec.template.spec.containers[0].env[0]).toEqual({
      name: 'OPERATOR_IMAGE',
      value: 'registry.internal/mcp:9.9.9',
    });
    const rules = rendered.find((object) => object.kind === 'PrometheusRule');
    // Prometheus' own template braces reach Prometheus untouched.
    expect(JSON.stringify(rules)).toContain('{{ $labels.namespace }}');
  });

  it("limits the operator pods' egress, when asked, to DNS, the API server and the listed IdPs", () => {
    const policies = (values: object) => template(values).filter((object) => object.kind === 'NetworkPolicy');
    expect(policies({})).toEqual([]);
    const [policy] = policies(CUSTOM_VALUES);
    const deployment = template(CUSTOM_VALUES).find((object) => object.kind === 'Deployment');
    expect(policy.spec.podSelector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    // Egress only: probes and metrics scraping come in as before.
    expect(policy.spec.policyTypes).toEqual(['Egress']);
    const { egress } = CUSTOM_VALUES.networkPolicy;
    expect(policy.spec.egress).toEqual([
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
            podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          },
        ],
        ports: [
          { port: 53, protocol: 'UDP' },
          { port: 53, protocol: 'TCP' },
        ],
      },
      ...egress.apiServer,
      ...egress.identityProviders,
    ]);
    // Nothing listed: no egress at all but DNS, rather than a rule that opens everything.
    const [bare] = policies({ networkPolicy: { egress: { enabled: true } } });
    expect(bare.spec.egress).toHaveLength(1);
  });

  it('runs its operator as restricted Pod Security requires, with probes and limits', () => {
    const deployment = template({}).find((object) => object.kind === 'Deployment');
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.resources.limits.memory).toBeDefined();
    expect(deployment.spec.replicas).toBe(2);
  });

  it.each([
    [{ replicas: 0 }, "at '/replicas': minimum"],
    [{ replicas: 'two' }, "at '/replicas': got string, want integer"],
    [{ logLevel: 'loud' }, "at '/logLevel': value must be one of"],
    [{ image: { pullPolicy: 'Sometimes' } }, "at '/image/pullPolicy': value must be one of"],
    [{ resources: { limits: { memory: 'lots' } } }, "at '/resources/limits/memory': 'lots' does not match"],
    [{ unknownKey: true }, "additional properties 'unknownKey' not allowed"],
    [{ serviceAccount: { create: true, nam: 'x' } }, "at '/serviceAccount': additional properties 'nam'"],
    [{ nameOverride: 'My_Name' }, "at '/nameOverride': 'My_Name' does not match"],
    [{ fullnameOverride: 'x'.repeat(64) }, "at '/fullnameOverride': maxLength"],
    // The chart's own labels: a second copy could make the selector miss its pods.
    [{ podLabels: { 'app.kubernetes.io/name': 'other' } }, "invalid propertyName 'app.kubernetes.io/name'"],
    [{ affinity: { podAntiAfinity: {} } }, "at '/affinity': additional properties 'podAntiAfinity'"],
    [{ securityContext: { readOnlyRootFilesytem: false } }, "at '/securityContext': additional properties"],
    [
      { podSecurityContext: { seccompProfile: { type: 'None' } } },
      "at '/podSecurityContext/seccompProfile/type'",
    ],
    [{ podDisruptionBudget: { maxUnavailable: 0 } }, "at '/podDisruptionBudget/maxUnavailable'"],
    [{ metrics: { podMonitor: { namespaces: [''] } } }, "at '/metrics/podMonitor/namespaces/0': minLength"],
    [{ metrics: { serviceMonitor: { enabled: 'yes' } } }, "at '/metrics/serviceMonitor/enabled': got string"],
    [{ resources: { requests: { cpu: -1 } } }, "at '/resources/requests/cpu': minimum: got -1"],
    // The API would drop the misspelt key with a warning, and the toleration would not apply.
    [{ tolerations: [{ efect: 'NoSchedule' }] }, "at '/tolerations/0': additional properties 'efect'"],
    [{ tenantIngressDomains: '*.example.com' }, "at '/tenantIngressDomains': '*.example.com' does not match"],
    // A rule without destinations would allow egress anywhere on its ports.
    [
      { networkPolicy: { egress: { identityProviders: [{ ports: [{ port: 443 }] }] } } },
      "at '/networkPolicy/egress/identityProviders/0': missing property 'to'",
    ],
    [
      { networkPolicy: { egress: { apiServer: [{ to: [] }] } } },
      "at '/networkPolicy/egress/apiServer/0/to': minItems: got 0, want 1",
    ],
  ])('refuses %j through values.schema.json, with Helm’s error', (bad, message) => {
    const result = helm(
      ['template', 'x', CHART, '--kube-version', KUBE_VERSION, '-f', '-'],
      JSON.stringify(bad),
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("values don't meet the specifications of the schema(s)");
    expect(result.stderr).toContain(message);
  });

  it('accepts its own defaults through the schema', () => {
    expect(template(DEFAULT_VALUES)).toEqual(template({}));
  });
});

describe('generated artefacts', () => {
  it.each([...generatedFiles()])('%s is current (npm run generate)', (path, content) => {
    expect(readFileSync(path, 'utf8'), `${path} is stale: run npm run generate`).toBe(content);
  });
});

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { CHART, DEPLOY_NAMESPACE, generatedFiles } from '../../packaging/generate.js';
import { operatorManifests } from '../../packaging/manifests.js';
import { concreteSource, renderManifests } from '../../packaging/render.js';
import { DEFAULT_VALUES, type Values, ValuesSchema } from '../../packaging/values.js';
import { renderHelmTemplate } from '../standins/helm-template.js';

/** The objects in a YAML stream, in a stable order (kind, name), since file order is not meaningful. */
const docs = (text: string) =>
  parseAllDocuments(text)
    .map((doc) => doc.toJS())
    .filter(Boolean)
    .sort((a, b) => `${a.kind}/${a.metadata?.name}`.localeCompare(`${b.kind}/${b.metadata?.name}`));
const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
const hasHelm = (() => {
  try {
    execFileSync('helm', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Renders the chart's templates with these values, as `helm template` does (its stand-in here). */
function template(values: Values, release = 'nextcloud-mcp-operator', namespace = DEPLOY_NAMESPACE) {
  const templates = readdirSync(`${CHART}/templates`).filter((name) => name.endsWith('.yaml'));
  const objects = templates.flatMap((name) =>
    docs(
      renderHelmTemplate(readFileSync(`${CHART}/templates/${name}`, 'utf8'), {
        Values: values,
        Release: { Name: release, Namespace: namespace },
        Chart: { AppVersion: version },
      }),
    ),
  );
  return docs(objects.map((object) => JSON.stringify(object)).join('\n---\n'));
}

const custom: Values = ValuesSchema.parse({
  image: { repository: 'registry.internal/mcp', tag: '9.9.9' },
  replicas: 3,
  nodeSelector: { pool: 'system' },
  podAnnotations: { team: 'platform' },
  metrics: {
    serviceMonitor: { enabled: true, labels: { release: 'prom' } },
    prometheusRule: { enabled: true },
  },
});

describe('the Helm chart', () => {
  it('renders exactly the deploy/ manifests with its default values', () => {
    const deployed = docs(readFileSync('deploy/nextcloud-mcp-operator.yaml', 'utf8')).filter(
      (object) => !['Namespace', 'CustomResourceDefinition'].includes(object.kind),
    );
    expect(template(DEFAULT_VALUES)).toEqual(deployed);
  });

  it('renders the same objects as the packaging model for other values, monitoring included', () => {
    const expected = docs(
      renderManifests(operatorManifests(concreteSource(custom, version, 'ops')), custom),
    ).map((object) => JSON.parse(JSON.stringify(object).replaceAll('"nextcloud-mcp-operator"', '"X"')));
    const rendered = template(custom, 'nextcloud-mcp-operator', 'ops').map((object) =>
      JSON.parse(JSON.stringify(object).replaceAll('"nextcloud-mcp-operator"', '"X"')),
    );
    expect(rendered).toEqual(expected);
    const monitor = rendered.find((object) => object.kind === 'ServiceMonitor');
    expect(monitor?.metadata.labels.release).toBe('prom');
    const deployment = rendered.find((object) => object.kind === 'Deployment');
    expect(deployment?.spec.replicas).toBe(3);
    expect(deployment?.spec.template.spec.containers[0].image).toBe('registry.internal/mcp:9.9.9');
    expect(deployment?.spec.template.spec.containers[0].env[0]).toEqual({
      name: 'OPERATOR_IMAGE',
      value: 'registry.internal/mcp:9.9.9',
    });
    const rules = rendered.find((object) => object.kind === 'PrometheusRule');
    // Prometheus' own template braces reach Prometheus untouched.
    expect(JSON.stringify(rules)).toContain('{{ $labels.namespace }}');
  });

  it('runs its operator as restricted Pod Security requires, with probes and limits', () => {
    const deployment = template(DEFAULT_VALUES).find((object) => object.kind === 'Deployment');
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

  it('refuses bad values through values.schema.json, as helm install does', () => {
    const schema = JSON.parse(readFileSync(`${CHART}/values.schema.json`, 'utf8'));
    const validate = new Ajv({ strict: false }).compile(schema);
    expect(validate({})).toBe(true);
    expect(validate(DEFAULT_VALUES)).toBe(true);
    for (const bad of [
      { replicas: 0 },
      { replicas: 'two' },
      { logLevel: 'loud' },
      { image: { pullPolicy: 'Sometimes' } },
      { resources: { limits: { memory: 'lots' } } },
      { unknownKey: true },
      { metrics: { serviceMonitor: { enabled: 'yes' } } },
    ]) {
      expect(validate(bad), JSON.stringify(bad)).toBe(false);
    }
  });

  it('carries the CRD from crds/ unchanged', () => {
    expect(readFileSync(`${CHART}/crds/nextcloudmcps.nextcloud-mcp.io.yaml`, 'utf8')).toBe(
      readFileSync('crds/nextcloudmcps.nextcloud-mcp.io.yaml', 'utf8'),
    );
  });

  it.skipIf(!hasHelm)('passes helm lint and helm template renders what the stand-in renders', () => {
    execFileSync('helm', ['lint', CHART], { stdio: 'pipe' });
    const real = docs(
      execFileSync('helm', ['template', 'nextcloud-mcp-operator', CHART, '--namespace', DEPLOY_NAMESPACE], {
        encoding: 'utf8',
      }),
    );
    expect(real).toEqual(template(DEFAULT_VALUES));
  });
});

describe('generated artefacts', () => {
  it.each([...generatedFiles()])('%s is current (npm run generate)', (path, content) => {
    expect(readFileSync(path, 'utf8'), `${path} is stale: run npm run generate`).toBe(content);
  });
});

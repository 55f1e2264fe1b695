import type { V1Deployment, V1NetworkPolicy } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { tenant } from '../../dev/tenant-spec.js';
import { desiredObjects } from '../../operator/desired.js';
import { createOperatorMetrics } from '../../operator/metrics.js';
import { ALERTS } from '../../packaging/alerts.js';
import { grafanaDashboard } from '../../packaging/dashboard.js';
import { createMetrics } from '../../proxy/metrics.js';
import { model } from './helm.js';

/** Every series the dashboard and the alerts query, by metric name. */
function queriedMetrics(): Set<string> {
  const dashboard = grafanaDashboard() as { panels: { targets: { expr: string }[] }[] };
  const exprs = [
    ...dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr)),
    ...ALERTS.map((alert) => alert.expr),
  ];
  return new Set(exprs.flatMap((expr) => expr.match(/\b(mcp_proxy|nextcloud_mcp_operator)_\w+/g) ?? []));
}

describe('the dashboard and the alerts', () => {
  it('query only metrics the proxy and the operator export', async () => {
    const exported = new Set<string>();
    for (const registry of [createMetrics().registry, createOperatorMetrics().registry]) {
      for (const metric of await registry.getMetricsAsJSON()) {
        exported.add(metric.name);
        if (String(metric.type) === 'histogram')
          for (const suffix of ['_bucket', '_sum', '_count']) exported.add(metric.name + suffix);
      }
    }
    const queried = queriedMetrics();
    expect(queried.size).toBeGreaterThan(5);
    expect([...queried].filter((name) => !exported.has(name))).toEqual([]);
  });

  it('alert on IdP errors, exchange failures, reconcile errors and resources not Ready', () => {
    const exprs = ALERTS.map((alert) => alert.expr).join('\n');
    for (const metric of [
      'mcp_proxy_token_exchanges_total',
      'nextcloud_mcp_operator_reconciles_total',
      'nextcloud_mcp_operator_idp_calls_total',
      'nextcloud_mcp_operator_resources',
    ])
      expect(exprs).toContain(metric);
  });
});

describe("the chart's PodMonitor", () => {
  const chart = model('ops', 'ops', { metrics: { serviceMonitor: { enabled: true } } });
  const podMonitor = chart.find((object) => object.kind === 'PodMonitor');
  const tenantObjects = desiredObjects({
    resource: tenant('acme', { metadata: { namespace: 'tenant-acme', uid: 'uid-1', generation: 1 } }),
    operatorImage: 'img:1',
    client: { id: 'mcp-acme', secret: 'secret' },
  });
  const of = <T>(kind: string) => tenantObjects.find((object) => object.kind === kind) as T;
  const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
    Object.entries(selector).every(([key, value]) => labels[key] === value);

  it("selects the operator's tenant pods, not the operator's own", () => {
    const selector = podMonitor.spec.selector.matchLabels;
    expect(matches(selector, of<V1Deployment>('Deployment').spec?.template.metadata?.labels)).toBe(true);
    const operator = chart.find((object) => object.kind === 'Deployment');
    expect(matches(selector, operator.spec.template.metadata.labels)).toBe(false);
  });

  it("scrapes the proxy's metrics port, which the tenant's NetworkPolicy lets any scraper reach", () => {
    const [endpoint] = podMonitor.spec.podMetricsEndpoints;
    expect(endpoint.path).toBe('/metrics');
    const pod = of<V1Deployment>('Deployment').spec?.template.spec;
    const port = pod?.containers
      .flatMap((container) => container.ports ?? [])
      .find((p) => p.name === endpoint.port);
    expect(port?.containerPort).toBeGreaterThan(0);
    const policy = of<V1NetworkPolicy>('NetworkPolicy').spec;
    const podLabels = of<V1Deployment>('Deployment').spec?.template.metadata?.labels;
    expect(matches(policy?.podSelector?.matchLabels ?? {}, podLabels)).toBe(true);
    // A rule without sources admits any; the typed client names the field `_from`, the API `from`.
    const open = policy?.ingress?.filter((rule) => {
      const { from, _from } = rule as { from?: unknown[]; _from?: unknown[] };
      return !from?.length && !_from?.length;
    });
    const reaches = (p: { port?: number | string }) =>
      p.port === port?.containerPort || p.port === port?.name;
    expect(open?.some((rule) => rule.ports?.some(reaches))).toBe(true);
  });
});

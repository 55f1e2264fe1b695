import type { V1Deployment, V1NetworkPolicy } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { tenant } from '../../dev/tenant-spec.js';
import { desiredObjects } from '../../operator/desired.js';
import { createOperatorMetrics } from '../../operator/metrics.js';
import { ALERTS } from '../../packaging/alerts.js';
import { grafanaDashboard } from '../../packaging/dashboard.js';
import { createMetrics } from '../../proxy/metrics.js';
import { model } from './helm.js';

/**
 * Each program's registry, by the namespace its own metrics take. The tool server exports none
 * (it has no metrics port); it would take `nextcloud_mcp_server_`.
 */
const PROGRAMS: readonly { readonly prefix: string; readonly registry: Registry }[] = [
  { prefix: 'nextcloud_mcp_proxy_', registry: createMetrics().registry },
  { prefix: 'nextcloud_mcp_operator_', registry: createOperatorMetrics().registry },
];

/** One name per concept across the programs; a new label joins this list on purpose. */
const SHARED_LABELS = new Set([
  'route',
  'code',
  'method',
  'result',
  'reason',
  'operation',
  'cache',
  'mode',
  'kind',
  'ready',
]);

/** prom-client's default process and Node.js metrics, which keep their standard names. */
const isDefault = (name: string) => name.startsWith('process_') || name.startsWith('nodejs_');

interface Described {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly labelNames: readonly string[];
}

function exported(): { prefix: string; metric: Described }[] {
  return PROGRAMS.flatMap(({ prefix, registry }) =>
    // labelNames is set on every prom-client metric, though MetricObject does not type it.
    registry.getMetricsAsArray().map((metric) => ({ prefix, metric: metric as unknown as Described })),
  );
}

/** The PromQL expressions of the dashboard's panels and of the alerts. */
function queriedExprs(): string[] {
  const dashboard = grafanaDashboard() as { panels: { targets: { expr: string }[] }[] };
  return [
    ...dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr)),
    ...ALERTS.map((alert) => alert.expr),
  ];
}

/** Every series name the dashboard and the alerts select: what is left of each PromQL expression once
 * label matchers, ranges, groupings, numbers and functions are taken out. */
function queriedMetrics(): Set<string> {
  const syntax = new Set(['sum', 'rate', 'histogram_quantile', 'by', 'without', 'and', 'or', 'unless']);
  return new Set(
    queriedExprs().flatMap((expr) =>
      (
        expr
          .replace(/\{[^}]*\}/g, ' ')
          .replace(/\[[^\]]*\]/g, ' ')
          .replace(/\b(by|without)\s*\([^)]*\)/g, ' ')
          .match(/\b[a-zA-Z_:][\w:]*\b/g) ?? []
      ).filter((token) => !syntax.has(token)),
    ),
  );
}

describe('the dashboard and the alerts', () => {
  it('query only metrics the proxy and the operator export', () => {
    const names = new Set<string>();
    for (const { metric } of exported()) {
      names.add(metric.name);
      if (metric.type === 'histogram')
        for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
    }
    const queried = queriedMetrics();
    expect(queried.size).toBeGreaterThan(10);
    expect([...queried].filter((name) => !names.has(name))).toEqual([]);
  });

  it('match and group by labels those metrics carry (or Prometheus adds as target labels)', () => {
    const labels = new Map<string, Set<string>>();
    for (const { metric } of exported()) {
      labels.set(metric.name, new Set(metric.labelNames));
      if (metric.type === 'histogram')
        for (const suffix of ['_bucket', '_sum', '_count'])
          labels.set(
            metric.name + suffix,
            new Set([...metric.labelNames, ...(suffix === '_bucket' ? ['le'] : [])]),
          );
    }
    const target = ['namespace', 'pod', 'job', 'instance'];
    const unknown: string[] = [];
    for (const expr of queriedExprs()) {
      const inExpr = new Set(target);
      for (const [, name = '', matchers = ''] of expr.matchAll(/(\w+)\{([^}]*)\}/g))
        for (const [, label = ''] of matchers.matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g))
          if (!labels.get(name)?.has(label)) unknown.push(`${name}{${label}}`);
      for (const name of expr.match(/\w+/g) ?? [])
        for (const label of labels.get(name) ?? []) inExpr.add(label);
      for (const [, grouping = ''] of expr.matchAll(/\bby\s*\(([^)]*)\)/g))
        for (const label of grouping.split(',').map((item) => item.trim()))
          if (!inExpr.has(label)) unknown.push(`by (${label}) in ${expr}`);
    }
    expect(unknown).toEqual([]);
  });

  it('alert on IdP errors, exchange failures, reconcile errors and resources not Ready', () => {
    const exprs = ALERTS.map((alert) => alert.expr).join('\n');
    for (const metric of [
      'nextcloud_mcp_proxy_requests_total',
      'nextcloud_mcp_proxy_token_exchanges_total',
      'nextcloud_mcp_operator_reconciles_total',
      'nextcloud_mcp_operator_idp_calls_total',
      'nextcloud_mcp_operator_resources',
    ])
      expect(exprs).toContain(metric);
  });
});

describe("the programs' metrics follow Prometheus conventions", () => {
  it("take their program's namespace, counters end in _total, histograms name their unit", () => {
    const own = exported().filter(({ metric }) => !isDefault(metric.name));
    expect(own.length).toBeGreaterThan(10);
    for (const { prefix, metric } of own) {
      expect(metric.name).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(metric.name.startsWith(prefix), metric.name).toBe(true);
      expect(metric.name.endsWith('_total'), metric.name).toBe(metric.type === 'counter');
      if (metric.type === 'histogram') expect(metric.name).toMatch(/_(seconds|bytes)$/);
      expect(metric.help.trim().length, metric.name).toBeGreaterThan(10);
    }
  });

  it('label with snake_case names from the one shared set', () => {
    for (const { metric } of exported()) {
      if (isDefault(metric.name)) continue;
      for (const label of metric.labelNames) {
        expect(label).toMatch(/^[a-z][a-z0-9_]*$/);
        expect(SHARED_LABELS.has(label), `${metric.name}{${label}}`).toBe(true);
      }
    }
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

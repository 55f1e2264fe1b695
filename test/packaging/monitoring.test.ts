import { describe, expect, it } from 'vitest';
import { createOperatorMetrics } from '../../operator/metrics.js';
import { ALERTS } from '../../packaging/alerts.js';
import { grafanaDashboard } from '../../packaging/dashboard.js';
import { createMetrics } from '../../proxy/metrics.js';

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

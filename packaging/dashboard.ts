/** A Grafana dashboard for the proxy and operator metrics (importable JSON, Prometheus datasource). */
interface Panel {
  readonly title: string;
  readonly unit: string;
  readonly exprs: readonly { readonly expr: string; readonly legend: string }[];
}

const PANELS: readonly Panel[] = [
  {
    title: 'MCP requests by status',
    unit: 'reqps',
    exprs: [
      {
        expr: 'sum by (code) (rate(nextcloud_mcp_proxy_requests_total{route="/mcp"}[5m]))',
        legend: '{{code}}',
      },
    ],
  },
  {
    title: 'MCP request latency (p50, p99)',
    unit: 's',
    exprs: [
      {
        expr: 'histogram_quantile(0.5, sum by (le) (rate(nextcloud_mcp_proxy_request_duration_seconds_bucket{route="/mcp"}[5m])))',
        legend: 'p50',
      },
      {
        expr: 'histogram_quantile(0.99, sum by (le) (rate(nextcloud_mcp_proxy_request_duration_seconds_bucket{route="/mcp"}[5m])))',
        legend: 'p99',
      },
    ],
  },
  {
    title: 'Open event streams by method',
    unit: 'short',
    exprs: [{ expr: 'sum by (method) (nextcloud_mcp_proxy_open_streams)', legend: '{{method}}' }],
  },
  {
    title: 'Event stream duration (p50)',
    unit: 's',
    exprs: [
      {
        expr: 'histogram_quantile(0.5, sum by (le, method) (rate(nextcloud_mcp_proxy_stream_duration_seconds_bucket[1h])))',
        legend: '{{method}}',
      },
    ],
  },
  {
    title: 'Refused tokens by reason',
    unit: 'reqps',
    exprs: [
      {
        expr: 'sum by (reason) (rate(nextcloud_mcp_proxy_token_validation_failures_total[5m]))',
        legend: '{{reason}}',
      },
    ],
  },
  {
    title: 'Token exchanges by result',
    unit: 'ops',
    exprs: [
      { expr: 'sum by (result) (rate(nextcloud_mcp_proxy_token_exchanges_total[5m]))', legend: '{{result}}' },
    ],
  },
  {
    title: 'IdP round trips (p99) by operation',
    unit: 's',
    exprs: [
      {
        expr: 'histogram_quantile(0.99, sum by (le, operation) (rate(nextcloud_mcp_proxy_idp_request_duration_seconds_bucket[5m])))',
        legend: '{{operation}}',
      },
    ],
  },
  {
    title: 'Operator reconciles by result',
    unit: 'ops',
    exprs: [
      { expr: 'sum by (result) (rate(nextcloud_mcp_operator_reconciles_total[5m]))', legend: '{{result}}' },
    ],
  },
  {
    title: 'Reconcile duration (p99) and queue depth',
    unit: 's',
    exprs: [
      {
        expr: 'histogram_quantile(0.99, sum by (le) (rate(nextcloud_mcp_operator_reconcile_duration_seconds_bucket[5m])))',
        legend: 'p99',
      },
      { expr: 'sum(nextcloud_mcp_operator_queue_depth)', legend: 'queue depth' },
    ],
  },
  {
    title: 'Tenants by readiness',
    unit: 'short',
    exprs: [{ expr: 'sum by (ready) (nextcloud_mcp_operator_resources)', legend: 'ready={{ready}}' }],
  },
  {
    title: 'Operator calls to identity providers',
    unit: 'ops',
    exprs: [
      {
        expr: 'sum by (mode, operation, result) (rate(nextcloud_mcp_operator_idp_calls_total[5m]))',
        legend: '{{mode}} {{operation}} {{result}}',
      },
    ],
  },
];

export function grafanaDashboard(): object {
  return {
    title: 'Nextcloud MCP',
    uid: 'nextcloud-mcp',
    schemaVersion: 39,
    tags: ['nextcloud-mcp'],
    time: { from: 'now-6h', to: 'now' },
    templating: {
      list: [{ name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Prometheus' }],
    },
    panels: PANELS.map((panel, index) => ({
      id: index + 1,
      type: 'timeseries',
      title: panel.title,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana substitutes it
      datasource: { type: 'prometheus', uid: '${datasource}' },
      gridPos: { h: 8, w: 12, x: (index % 2) * 12, y: Math.floor(index / 2) * 8 },
      fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
      targets: panel.exprs.map((target, ref) => ({
        refId: String.fromCharCode(65 + ref),
        expr: target.expr,
        legendFormat: target.legend,
      })),
    })),
  };
}

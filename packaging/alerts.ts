/** Prometheus alerting rules for the proxy and operator metrics (the chart's PrometheusRule). */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: 'warning' | 'critical' };
  readonly annotations: { readonly summary: string; readonly description: string };
}

export const ALERTS: readonly AlertRule[] = [
  {
    alert: 'NextcloudMcpIdpUnavailable',
    expr: 'sum by (namespace) (rate(nextcloud_mcp_proxy_requests_total{route="/mcp",code="503"}[5m])) > 0',
    for: '5m',
    labels: { severity: 'critical' },
    annotations: {
      summary: 'MCP requests fail because the identity provider cannot be reached',
      description:
        'The proxy in {{ $labels.namespace }} answers 503 to MCP requests: JWKS, introspection or token exchange is failing.',
    },
  },
  {
    alert: 'NextcloudMcpTokenExchangeFailing',
    expr: 'sum by (namespace) (rate(nextcloud_mcp_proxy_token_exchanges_total{result!="ok"}[10m])) / sum by (namespace) (rate(nextcloud_mcp_proxy_token_exchanges_total[10m])) > 0.1',
    for: '10m',
    labels: { severity: 'warning' },
    annotations: {
      summary: 'More than 10% of token exchanges fail',
      description:
        'Token exchange in {{ $labels.namespace }} is refused or errors: check the proxy client and the Nextcloud audience at the IdP.',
    },
  },
  {
    alert: 'NextcloudMcpOperatorReconcileErrors',
    expr: 'sum(rate(nextcloud_mcp_operator_reconciles_total{result=~"error|backoff"}[10m])) > 0',
    for: '15m',
    labels: { severity: 'warning' },
    annotations: {
      summary: 'The operator keeps failing to reconcile',
      description:
        "Reconciles end in errors or back off: see the resources' conditions (kubectl get ncmcp -A) and the operator logs.",
    },
  },
  {
    alert: 'NextcloudMcpOperatorIdpErrors',
    expr: 'sum by (mode) (rate(nextcloud_mcp_operator_idp_calls_total{result!="ok"}[10m])) > 0',
    for: '15m',
    labels: { severity: 'warning' },
    annotations: {
      summary: 'The operator cannot configure the identity provider',
      description: 'Calls to the IdP ({{ $labels.mode }}) are refused or fail.',
    },
  },
  {
    alert: 'NextcloudMcpNotReady',
    expr: 'sum(nextcloud_mcp_operator_resources{ready="false"}) > 0',
    for: '15m',
    labels: { severity: 'warning' },
    annotations: {
      summary: 'A NextcloudMcp resource is not Ready',
      description: '{{ $value }} resources are not Ready: kubectl get ncmcp -A shows the reason.',
    },
  },
  {
    alert: 'NextcloudMcpOperatorNoLeader',
    expr: 'sum(nextcloud_mcp_operator_leader) < 1',
    for: '5m',
    labels: { severity: 'critical' },
    annotations: {
      summary: 'No operator replica is leading',
      description: 'No replica holds the Lease, so nothing is reconciled.',
    },
  },
];

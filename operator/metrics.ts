import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The operator's Prometheus metrics, on their own registry (served on HTTP_PORT at /metrics). */
export function createOperatorMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    reconciles: new Counter({
      name: 'nextcloud_mcp_operator_reconciles_total',
      help: 'Reconciles by result: done, requeue (waiting for pods), backoff (transient failure), error',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    reconcileDuration: new Histogram({
      name: 'nextcloud_mcp_operator_reconcile_duration_seconds',
      help: 'Time one reconcile of one resource took',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'nextcloud_mcp_operator_queue_depth',
      help: 'Keys waiting in the work queue',
      registers: [registry],
    }),
    idpCalls: new Counter({
      name: 'nextcloud_mcp_operator_idp_calls_total',
      help: 'Operations at identity providers by mode, operation and outcome (ok, unavailable, rejected)',
      labelNames: ['mode', 'operation', 'outcome'] as const,
      registers: [registry],
    }),
    leader: new Gauge({
      name: 'nextcloud_mcp_operator_leader',
      help: '1 while this replica holds the leader Lease and reconciles',
      registers: [registry],
    }),
  };
}

export type OperatorMetrics = ReturnType<typeof createOperatorMetrics>;

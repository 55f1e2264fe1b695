import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** What the gauges read when scraped: the running controller's queue and informer cache. */
export interface ControllerView {
  queueLength(): number;
  /** Watched resources, and how many of them have Ready=True. */
  readiness(): { total: number; ready: number };
}

/** The operator's Prometheus metrics, on their own registry (served on HTTP_PORT at /metrics). */
export function createOperatorMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let view: ControllerView | undefined;
  return {
    registry,
    /** Points the gauges at a running controller (or at none, once it stops). */
    observe(next: ControllerView | undefined) {
      view = next;
    },
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
      collect() {
        this.set(view?.queueLength() ?? 0);
      },
    }),
    idpCalls: new Counter({
      name: 'nextcloud_mcp_operator_idp_calls_total',
      help: 'Operations at identity providers by mode, operation and result (ok, unavailable, rejected)',
      labelNames: ['mode', 'operation', 'result'] as const,
      registers: [registry],
    }),
    keycloakRequests: new Counter({
      name: 'nextcloud_mcp_operator_keycloak_requests_total',
      help: 'HTTP requests to Keycloak (keycloak mode) by kind: sign-in (admin token), read or write (admin API)',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    resources: new Gauge({
      name: 'nextcloud_mcp_operator_resources',
      help: 'NextcloudMcp resources this replica watches, by whether their Ready condition is True',
      labelNames: ['ready'] as const,
      registers: [registry],
      collect() {
        const { total, ready } = view?.readiness() ?? { total: 0, ready: 0 };
        this.set({ ready: 'true' }, ready);
        this.set({ ready: 'false' }, total - ready);
      },
    }),
    leader: new Gauge({
      name: 'nextcloud_mcp_operator_leader',
      help: '1 while this replica holds the leader Lease and reconciles',
      registers: [registry],
    }),
  };
}

export type OperatorMetrics = ReturnType<typeof createOperatorMetrics>;

import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** The proxy's Prometheus metrics, on their own registry (served on METRICS_PORT). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: 'mcp_proxy_requests_total',
      help: 'Requests by route and status',
      labelNames: ['route', 'status'] as const,
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'mcp_proxy_request_duration_seconds',
      help: 'Time to the end of the response, by route',
      labelNames: ['route'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
      registers: [registry],
    }),
    validationFailures: new Counter({
      name: 'mcp_proxy_token_validation_failures_total',
      help: 'Refused tokens by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    cache: new Counter({
      name: 'mcp_proxy_cache_events_total',
      help: 'Cache hits and misses per cache',
      labelNames: ['cache', 'result'] as const,
      registers: [registry],
    }),
    exchanges: new Counter({
      name: 'mcp_proxy_token_exchanges_total',
      help: 'Token exchanges with the identity provider by result',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    jwksFetches: new Counter({
      name: 'mcp_proxy_jwks_fetches_total',
      help: 'JWKS documents fetched from the identity provider',
      registers: [registry],
    }),
    idpLatency: new Histogram({
      name: 'mcp_proxy_idp_request_duration_seconds',
      help: 'Identity provider round trips by operation',
      labelNames: ['operation'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

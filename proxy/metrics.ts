import type { ServerResponse } from 'node:http';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The proxy's Prometheus metrics, on their own registry (served on METRICS_PORT). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: 'nextcloud_mcp_proxy_requests_total',
      help: 'Requests by route and HTTP status code, counted as they end',
      labelNames: ['route', 'code'] as const,
      registers: [registry],
    }),
    // Event streams count here only up to their headers, their whole life in the stream metrics below.
    latency: new Histogram({
      name: 'nextcloud_mcp_proxy_request_duration_seconds',
      help: 'Time to the end of the response, or for an event stream to its headers, by route',
      labelNames: ['route'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
      registers: [registry],
    }),
    openStreams: new Gauge({
      name: 'nextcloud_mcp_proxy_open_streams',
      help: 'Event streams open now: GET (the 2025 standalone stream) or POST (an answer streamed)',
      labelNames: ['method'] as const,
      registers: [registry],
    }),
    streamDuration: new Histogram({
      name: 'nextcloud_mcp_proxy_stream_duration_seconds',
      help: 'How long event streams stayed open, from their headers to their close, by method',
      labelNames: ['method'] as const,
      buckets: [0.1, 1, 10, 30, 60, 300, 900, 1800, 3600, 4 * 3600, 12 * 3600],
      registers: [registry],
    }),
    validationFailures: new Counter({
      name: 'nextcloud_mcp_proxy_token_validation_failures_total',
      help: 'Refused tokens by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    cache: new Counter({
      name: 'nextcloud_mcp_proxy_cache_lookups_total',
      help: 'Cache lookups by cache (jwt, introspection, exchange) and result (hit, miss)',
      labelNames: ['cache', 'result'] as const,
      registers: [registry],
    }),
    exchanges: new Counter({
      name: 'nextcloud_mcp_proxy_token_exchanges_total',
      help: 'Token exchanges with the identity provider by result',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    jwksFetches: new Counter({
      name: 'nextcloud_mcp_proxy_jwks_fetches_total',
      help: 'JWKS documents fetched from the identity provider',
      registers: [registry],
    }),
    idpLatency: new Histogram({
      name: 'nextcloud_mcp_proxy_idp_request_duration_seconds',
      help: 'Identity provider round trips by operation',
      labelNames: ['operation'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * Times one response, and counts it by route and code when `closed` is called (on its close).
 * Users read request latency as "how long until the proxy answered", so an event stream (held
 * open for minutes or hours) counts there only up to its headers, and from then on as an open
 * stream with a duration of its own. `headersSent` is for the one caller that streams (the /mcp
 * handler): it says when the headers went out.
 */
export function observeResponse(metrics: Metrics, route: string, res: ServerResponse, method?: string) {
  const stopLatency = metrics.latency.startTimer({ route });
  let endStream: (() => void) | undefined;
  return {
    headersSent(): void {
      if (endStream || !String(res.getHeader('content-type') ?? '').startsWith('text/event-stream')) return;
      stopLatency();
      // Bounded: whatever method a client sends, the label has three values.
      const labels = { method: method === 'GET' || method === 'POST' ? method : 'other' };
      metrics.openStreams.inc(labels);
      const stopDuration = metrics.streamDuration.startTimer(labels);
      endStream = () => {
        metrics.openStreams.dec(labels);
        stopDuration();
      };
    },
    closed(): void {
      if (endStream) endStream();
      else stopLatency();
      metrics.requests.inc({ route, code: String(res.statusCode) });
    },
  };
}

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createProxyHandler } from './app.js';
import type { ProxyDeps } from './deps.js';

export interface RunningProxy {
  readonly url: string;
  readonly metricsUrl: string;
  /** Resolves once the issuer is discovered and /readyz says ready. */
  readonly ready: Promise<void>;
  /** Stops accepting, lets in-flight requests finish up to the grace period, then closes. */
  stop(): Promise<void>;
}

async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** Starts the proxy: listeners first (not ready), then issuer discovery in the background. */
export async function startProxy(deps: ProxyDeps): Promise<RunningProxy> {
  const { config, log, metrics, dispatcher } = deps;
  const discovery = new AbortController();
  const handler = createProxyHandler(deps);
  const server = createServer({ maxHeaderSize: config.MAX_HEADER_BYTES }, handler);
  server.on('checkContinue', handler);
  const metricsServer = createServer(async (req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    res
      .writeHead(200, { 'content-type': metrics.registry.contentType })
      .end(await metrics.registry.metrics());
  });
  const port = await listen(server, config.PORT, config.HOST);
  const metricsPort = await listen(metricsServer, config.METRICS_PORT, config.HOST);
  const host = config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST;
  log.info({ port, metricsPort, resource: config.resource }, 'proxy listening');

  const ready = deps.discover(discovery.signal).then(() => log.info('proxy ready'));
  // Discovery retries until it succeeds or stop() aborts it; the abort is the only way it ends badly.
  ready.catch(() => undefined);

  let stopping: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    metricsUrl: `http://${host}:${metricsPort}/metrics`,
    ready,
    stop() {
      stopping ??= shutdown();
      return stopping;
    },
  };

  async function shutdown(): Promise<void> {
    discovery.abort();
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeIdleConnections();
    // Keep-alive connections that finish their request close as soon as they are idle.
    const idle = setInterval(() => server.closeIdleConnections(), 100);
    const grace = setTimeout(() => server.closeAllConnections(), config.SHUTDOWN_GRACE_MS);
    await closed;
    clearInterval(idle);
    clearTimeout(grace);
    metricsServer.closeAllConnections();
    await new Promise((resolve) => metricsServer.close(resolve));
    await dispatcher.close();
  }
}

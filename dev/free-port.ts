import { createServer } from 'node:net';

/**
 * A loopback port that was free a moment ago, for servers that must be told their port up front
 * (Apache, Radicale); callers retry when another process took it meanwhile.
 */
export async function freePort(): Promise<number> {
  const reserved = await reservePort();
  await reserved.release();
  return reserved.port;
}

/**
 * A loopback port held open until `release()`, for a port that must be known long before its
 * server listens (the proxy's, baked into the IdP's resource): while held, no other process
 * (parallel suites) can take it.
 */
export async function reservePort(): Promise<{ port: number; release(): Promise<void> }> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return { port: address.port, release: () => new Promise((resolve) => probe.close(() => resolve())) };
}

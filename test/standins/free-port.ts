import { createServer } from 'node:net';

/**
 * A loopback port that was free a moment ago, for servers that must be told their port up front
 * (Apache, Radicale); callers retry when another process took it meanwhile.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

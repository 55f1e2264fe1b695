/**
 * The MCP tool server in this process on a loopback port, wired as server/main.ts wires it, for
 * the local stack (npm start) and the suites.
 */
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { type CallerDeps, callerDeps } from '../server/caller.js';
import { loadConfig } from '../server/config.js';
import { createHttpServer } from '../server/http.js';
import { ALL_TOOLS } from '../server/tools/index.js';

export const quietLog = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** Serves the tools for the Nextcloud at `target.url`. */
export async function startServer(
  target: { readonly url: string },
  overrides: Partial<Pick<CallerDeps, 'apps' | 'readMaxBytes' | 'excludedTags'>> & {
    timeoutMs?: number;
  } = {},
) {
  const { timeoutMs = 10_000, ...fixed } = overrides;
  const config = loadConfig({
    NEXTCLOUD_URL: target.url,
    NEXTCLOUD_TIMEOUT_MS: String(timeoutMs),
    READ_MAX_BYTES: String(1024 * 1024),
  });
  const deps: CallerDeps = { ...callerDeps(config, quietLog), ...fixed };
  const server = createHttpServer(ALL_TOOLS, deps, config);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    deps,
    httpServer: server,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

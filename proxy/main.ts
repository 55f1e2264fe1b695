import { pino } from 'pino';
import { ConfigError } from '../config/env.js';
import { loadProxyConfig } from './config.js';
import { createProxyDeps } from './deps.js';
import { startProxy } from './server.js';

const log = pino({ name: 'nextcloud-mcp-proxy' });

try {
  const config = loadProxyConfig(process.env);
  log.level = config.LOG_LEVEL;
  const proxy = await startProxy(createProxyDeps(config, log));
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log.info({ signal }, 'draining');
      void proxy.stop().then(() => process.exit(0));
    });
  }
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}

import { pino } from 'pino';
import { runProgram } from '../config/cli.js';
import { PROXY_PROGRAM } from './config.js';
import { createProxyDeps } from './deps.js';
import { startProxy } from './server.js';

const log = pino({ name: PROXY_PROGRAM.name });

await runProgram(PROXY_PROGRAM, log, async (config) => {
  const proxy = await startProxy(createProxyDeps(config, log));
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log.info({ signal }, 'draining');
      void proxy.stop().then(() => process.exit(0));
    });
  }
});

import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { runProgram } from '../config/cli.js';
import { callerDeps, isLoopback } from './caller.js';
import { SERVER_PROGRAM } from './config.js';
import { createHttpServer } from './http.js';
import { serveStdio } from './stdio.js';
import { ALL_TOOLS } from './tools/index.js';

// Logs go to stderr: in stdio mode stdout carries the protocol.
const log = pino({ name: SERVER_PROGRAM.name }, pino.destination(2));

await runProgram(SERVER_PROGRAM, log, async (config) => {
  const deps = callerDeps(config, log);
  if (config.EXCLUDED_TAGS.length > 0) {
    log.info(
      { excludedTags: config.EXCLUDED_TAGS },
      'files with these system tags are hidden from every tool',
    );
  }
  if (config.MCP_TRANSPORT === 'stdio' && config.NEXTCLOUD_USER && config.NEXTCLOUD_APP_PASSWORD) {
    log.info(
      { nextcloud: config.NEXTCLOUD_URL.origin, user: config.NEXTCLOUD_USER },
      'standalone stdio mode',
    );
    return serveStdio(ALL_TOOLS, deps, {
      user: config.NEXTCLOUD_USER,
      appPassword: config.NEXTCLOUD_APP_PASSWORD,
    });
  }
  if (!isLoopback(config.HOST) && config.HOST !== 'localhost') {
    log.warn({ host: config.HOST }, 'listening beyond loopback; only loopback peers will be served');
  }
  const server = createHttpServer(ALL_TOOLS, deps, config);
  // A port in use is an 'error' event: it becomes the one "cannot start" line.
  await once(server.listen(config.PORT, config.HOST), 'listening');
  log.info({ host: config.HOST, port: (server.address() as AddressInfo).port }, 'listening');
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
});

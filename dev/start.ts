/**
 * `npm start`: the product on one machine. Starts the MCP tool server against the real
 * Nextcloud given in NEXTCLOUD_URL (+ NEXTCLOUD_USER, NEXTCLOUD_APP_PASSWORD), or else against
 * the Nextcloud stand-in with a demo user (files served by Apache mod_dav when installed).
 * Development tooling, not product code: it may use the stand-ins under test/.
 */
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { ALL_SCOPES, APPS, HEADERS } from '../contract/index.js';
import { createHttpServer } from '../server/http.js';
import { createHttpSettings } from '../server/nextcloud/client.js';
import { ALL_TOOLS } from '../server/tools/index.js';
import { apacheAvailable, startApacheWebdav } from '../test/standins/apache-webdav.js';
import { startNextcloudStandin } from '../test/standins/nextcloud.js';

const log = pino({ level: process.env.LOG_LEVEL ?? 'info' });
const DEMO = { user: 'demo', appPassword: 'demo-app-password' };

async function nextcloud() {
  if (process.env.NEXTCLOUD_URL) {
    const { NEXTCLOUD_URL: url, NEXTCLOUD_USER: user, NEXTCLOUD_APP_PASSWORD: appPassword } = process.env;
    if (!user || !appPassword)
      throw new Error('NEXTCLOUD_URL needs NEXTCLOUD_USER and NEXTCLOUD_APP_PASSWORD');
    return { url, user, appPassword, stop: async () => {} };
  }
  const apache = apacheAvailable() ? await startApacheWebdav([DEMO.user]) : undefined;
  if (!apache)
    log.warn('apache2 (mod_dav) not installed: files and sharing tools will fail (apt-get install apache2)');
  const standin = await startNextcloudStandin({
    users: { [DEMO.user]: DEMO.appPassword },
    ...(apache ? { davUrl: apache.url } : {}),
  });
  log.info({ url: standin.url }, 'Nextcloud stand-in started (demo user "demo")');
  return {
    url: standin.url,
    ...DEMO,
    async stop() {
      await standin.stop();
      await apache?.stop();
    },
  };
}

const target = await nextcloud();
const server = createHttpServer(ALL_TOOLS, {
  http: createHttpSettings(new URL(target.url), 30_000),
  apps: new Set(APPS),
  readMaxBytes: 5 * 1024 * 1024,
  log,
});
await new Promise<void>((resolve) => server.listen(Number(process.env.PORT ?? 8081), '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;
const basic = Buffer.from(`${target.user}:${target.appPassword}`).toString('base64');

process.stdout.write(`
MCP server ready: http://127.0.0.1:${port}/mcp   (Nextcloud: ${target.url}, user ${target.user})

Connect MCP Inspector (npx @modelcontextprotocol/inspector), transport "Streamable HTTP", with headers
  Authorization: Basic ${basic}
  ${HEADERS.user}: ${target.user}
  ${HEADERS.scopes}: ${ALL_SCOPES.join(' ')}
(these are the headers the OAuth proxy sets; the server accepts them from loopback only)

Ctrl-C stops everything.
`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.closeAllConnections();
    server.close();
    void target.stop().then(() => process.exit(0));
  });
}

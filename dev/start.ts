/**
 * `npm start`: the whole request path on this machine. The embedded identity provider (for
 * local use only), the OAuth proxy on :8080, the MCP tool server behind it, and Nextcloud: the
 * real one in NEXTCLOUD_URL (which must trust this IdP through user_oidc with client id
 * `nextcloud`), or else the Nextcloud stand-in with a demo user (files served by Apache mod_dav
 * when it is installed). Development tooling, not product code; it runs no test code (the suites
 * use the same local stack from dev/).
 */
import { pino } from 'pino';
import { ALL_SCOPES } from '../contract/index.js';
import { apacheAvailable } from './apache-webdav.js';
import { DEMO_USER, startFullPath } from './full-path.js';

const log = pino({ level: process.env.LOG_LEVEL ?? 'info' });
if (!process.env.NEXTCLOUD_URL && !apacheAvailable()) {
  log.warn('apache2 (mod_dav) is not installed: file and sharing tools will fail (apt-get install apache2)');
}
const path = await startFullPath({
  log,
  proxyPort: Number(process.env.PORT ?? 8080),
  idpPort: Number(process.env.IDP_PORT ?? 8090),
  webdav: true,
  ...(process.env.NEXTCLOUD_URL ? { nextcloudUrl: process.env.NEXTCLOUD_URL } : {}),
});

process.stdout.write(`
Nextcloud MCP is running on this machine.

  MCP endpoint      ${path.mcpUrl}
  Identity provider ${path.idp.issuer}   (embedded, local use only)
  Nextcloud         ${path.nextcloudUrl}${path.standin ? '   (stand-in)' : ''}
  Sign in as        ${DEMO_USER.name} / ${DEMO_USER.password}

Connect MCP Inspector:  npx @modelcontextprotocol/inspector
  transport "Streamable HTTP", URL ${path.mcpUrl}, then "Open Auth Settings" → "Quick OAuth Flow".
  It registers itself, you sign in and allow the scopes, and tools/list shows the tools.
Scopes offered: ${ALL_SCOPES.join(' ')}

Ctrl-C stops everything.
`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void path.stop().then(() => process.exit(0));
  });
}

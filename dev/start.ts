/**
 * `npm start`: the whole request path on this machine. The embedded identity provider (for
 * local use only), the OAuth proxy on :8080, the MCP tool server behind it, and Nextcloud: the
 * real one in NEXTCLOUD_URL (which must trust this IdP through user_oidc with client id
 * `nextcloud`), or else the Nextcloud stand-in with a demo user (files served by Apache mod_dav
 * when it is installed). Development tooling, not product code; it runs no test code (the suites
 * use the same local stack from dev/).
 */
import { createServer } from 'node:net';
import { pino } from 'pino';
import { ALL_SCOPES } from '../contract/index.js';

const USAGE = `Usage: npm start [-- --help]

Runs the embedded identity provider, the OAuth proxy, the MCP tool server and a Nextcloud
(the stand-in with a demo user unless NEXTCLOUD_URL is set) on 127.0.0.1, for trying things
on one machine. It reads these environment variables:

  PORT           the proxy's port, serving the MCP endpoint at /mcp (default 8080)
  IDP_PORT       the embedded identity provider's port (default 8090)
  NEXTCLOUD_URL  a real Nextcloud that trusts the embedded IdP through user_oidc with the
                 client id "nextcloud" (default: the stand-in)
  LOG_LEVEL      pino log level: trace, debug, info, warn, error, fatal, silent (default info)

Example: PORT=9080 IDP_PORT=9090 npm start
`;

/** What someone who just ran `npm start` needs to hear, on one line, before it exits non-zero. */
function fail(message: string): never {
  process.stderr.write(`npm start: ${message}\n`);
  process.exit(1);
}

function portOf(variable: 'PORT' | 'IDP_PORT', fallback: number): number {
  const value = process.env[variable];
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    fail(`${variable}=${value} is not a port: set ${variable} to a number from 1 to 65535`);
  }
  return port;
}

function inUse(port: number, variable: string): string {
  return `port ${port} (${variable}) is in use: set ${variable}=... to choose another`;
}

/** Whether 127.0.0.1:`port` can be listened on now; checked before anything starts. */
function free(port: number): Promise<boolean> {
  const probe = createServer();
  return new Promise((resolve) => {
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const ports = { PORT: portOf('PORT', 8080), IDP_PORT: portOf('IDP_PORT', 8090) };
if (ports.PORT === ports.IDP_PORT)
  fail(`PORT and IDP_PORT are both ${ports.PORT}: give them different ports`);
for (const [variable, port] of Object.entries(ports)) {
  if (!(await free(port))) fail(inUse(port, variable));
}

// Loaded only now: the stack's modules (oidc-provider's warnings among them) are not needed for --help.
const { apacheAvailable } = await import('./apache-webdav.js');
const { DEMO_USER, startFullPath } = await import('./full-path.js');
const log = pino({ level: process.env.LOG_LEVEL ?? 'info' });
if (!process.env.NEXTCLOUD_URL && !apacheAvailable()) {
  log.warn('apache2 (mod_dav) is not installed: file and sharing tools will fail (apt-get install apache2)');
}
const path = await startFullPath({
  log,
  proxyPort: ports.PORT,
  idpPort: ports.IDP_PORT,
  webdav: true,
  ...(process.env.NEXTCLOUD_URL ? { nextcloudUrl: process.env.NEXTCLOUD_URL } : {}),
}).catch((error: unknown) => {
  // Taken by another process between the check above and now.
  const { code, port } = error as { code?: unknown; port?: unknown };
  const variable = Object.entries(ports).find(([, held]) => held === port)?.[0];
  if (code === 'EADDRINUSE' && variable) fail(inUse(Number(port), variable));
  throw error;
});

const inspector = `--transport http --server-url ${path.mcpUrl}`;
const card = new URL(path.mcpUrl).host;
// The quoted labels are the Inspector's own (its 2.x web UI); a test checks them in its bundle.
process.stdout.write(`
Nextcloud MCP is running on this machine.

  MCP endpoint      ${path.mcpUrl}
  Identity provider ${path.idp.issuer}   (embedded, local use only)
  Nextcloud         ${path.nextcloudUrl}${path.standin ? '   (stand-in)' : ''}
  Sign in as        ${DEMO_USER.name} / ${DEMO_USER.password}

Connect MCP Inspector 2.x (it needs Node 22.19 or newer):
  npx @modelcontextprotocol/inspector ${inspector}
  With an older Node (see node --version), let npx bring Node 24 (the LTS) along:
  npx -y -p node@24 -p @modelcontextprotocol/inspector -- mcp-inspector ${inspector}
  It opens its web UI in your browser. On the server card ${card} ("Disconnected"), flip
  the switch: it registers itself and sends you to sign in here. Sign in, press "Allow",
  and back in the Inspector the card says "Connected" ("Authorization complete");
  the "Tools" tab lists the tools.
Or in a terminal, without the web UI (it opens your browser to sign in):
  npx @modelcontextprotocol/inspector --cli ${inspector} --method tools/list
Scopes offered: ${ALL_SCOPES.join(' ')}

Ctrl-C stops everything.
`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void path.stop().then(() => process.exit(0));
  });
}

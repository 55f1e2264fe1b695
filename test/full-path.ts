import type { JWK } from 'jose';
import type { Logger } from 'pino';
import { APPS } from '../contract/index.js';
import { type EmbeddedIdp, startEmbeddedIdp } from '../idp/embedded.js';
import { loadProxyConfig } from '../proxy/config.js';
import { type RunningProxy, startProxy } from '../proxy/server.js';
import { quietLog, startServer } from './harness.js';
import { type ApacheWebdav, apacheAvailable, startApacheWebdav } from './standins/apache-webdav.js';
import { reservePort } from './standins/free-port.js';
import { type NextcloudStandin, startNextcloudStandin } from './standins/nextcloud.js';

export { freePort } from './standins/free-port.js';

export const DEMO_USER = { name: 'demo', password: 'demo-password', appPassword: 'demo-app-password' };
export const OTHER_USER = {
  name: 'mallory',
  password: 'mallory-password',
  appPassword: 'mallory-app-password',
};
export const PROXY_CLIENT = { id: 'nextcloud-mcp-proxy', secret: 'local-proxy-secret-0123456789' };

export interface FullPath {
  readonly idp: EmbeddedIdp;
  /** Absent when a real Nextcloud was given. */
  readonly standin: NextcloudStandin | undefined;
  readonly nextcloudUrl: string;
  readonly server: Awaited<ReturnType<typeof startServer>>;
  readonly proxy: RunningProxy;
  /** The MCP endpoint clients connect to. */
  readonly mcpUrl: string;
  stop(): Promise<void>;
}

/**
 * The whole request path on loopback: embedded IdP → proxy → server → Nextcloud stand-in (which
 * checks bearer tokens as `user_oidc` does), plus Apache for files when installed.
 */
export async function startFullPath(
  options: {
    env?: Record<string, string>;
    log?: Logger;
    proxyPort?: number;
    idpPort?: number;
    webdav?: boolean;
    signingJwk?: JWK;
    /** A real Nextcloud that trusts this IdP (user_oidc, client id `nextcloud`); else the stand-in. */
    nextcloudUrl?: string;
  } = {},
): Promise<FullPath> {
  const log = options.log ?? quietLog;
  const reserved = options.proxyPort ? undefined : await reservePort();
  const proxyPort = options.proxyPort ?? reserved?.port ?? 0;
  const publicUrl = `http://127.0.0.1:${proxyPort}`;
  const idp = await startEmbeddedIdp({
    resource: `${publicUrl}/mcp`,
    nextcloudAudience: 'nextcloud',
    proxyClient: PROXY_CLIENT,
    users: { [DEMO_USER.name]: DEMO_USER.password, [OTHER_USER.name]: OTHER_USER.password },
    ...(options.signingJwk ? { signingJwk: options.signingJwk } : {}),
    ...(options.idpPort ? { port: options.idpPort } : {}),
    log,
  });
  const apache: ApacheWebdav | undefined =
    options.webdav && !options.nextcloudUrl && apacheAvailable()
      ? await startApacheWebdav([DEMO_USER.name])
      : undefined;
  const standin = options.nextcloudUrl
    ? undefined
    : await startNextcloudStandin({
        users: { [DEMO_USER.name]: DEMO_USER.appPassword, [OTHER_USER.name]: OTHER_USER.appPassword },
        bearer: { issuer: idp.issuer, audience: 'nextcloud', jwksUrl: `${idp.issuer}/jwks` },
        ...(apache ? { davUrl: apache.url } : {}),
      });
  const nextcloudUrl = options.nextcloudUrl ?? standin?.url ?? '';
  const server = await startServer({
    url: nextcloudUrl,
    user: DEMO_USER.name,
    appPassword: '',
    stop: async () => {},
  });
  const config = loadProxyConfig({
    PUBLIC_URL: publicUrl,
    ISSUER_URL: idp.issuer,
    CLIENT_ID: PROXY_CLIENT.id,
    CLIENT_SECRET: PROXY_CLIENT.secret,
    UPSTREAM_URL: server.url.replace(/\/mcp$/, ''),
    HOST: '127.0.0.1',
    PORT: String(proxyPort),
    METRICS_PORT: '0',
    APPS: APPS.join(','),
    ...options.env,
  });
  await reserved?.release();
  const proxy = await startProxy(config, log);
  await proxy.ready;
  return {
    idp,
    standin,
    nextcloudUrl,
    server,
    proxy,
    mcpUrl: `${publicUrl}/mcp`,
    async stop() {
      await proxy.stop();
      await server.stop();
      await standin?.stop();
      await apache?.stop();
      await idp.stop();
    },
  };
}

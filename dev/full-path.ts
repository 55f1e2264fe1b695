import type { JWK } from 'jose';
import type { Logger } from 'pino';
import { APPS } from '../contract/index.js';
import { type EmbeddedIdp, type EmbeddedIdpOptions, startEmbeddedIdp } from '../idp/embedded.js';
import { loadProxyConfig } from '../proxy/config.js';
import { createProxyDeps } from '../proxy/deps.js';
import { type RunningProxy, startProxy } from '../proxy/server.js';
import { type ApacheWebdav, apacheAvailable, startApacheWebdav } from './apache-webdav.js';
import { reservePort } from './free-port.js';
import { quietLog, startServer } from './mcp-server.js';
import { type NextcloudStandin, type StandinOptions, startNextcloudStandin } from './nextcloud/nextcloud.js';

export { freePort } from './free-port.js';

export const DEMO_USER = { name: 'demo', password: 'demo-password', appPassword: 'demo-app-password' };
export const OTHER_USER = {
  name: 'mallory',
  password: 'mallory-password',
  appPassword: 'mallory-app-password',
};
export const PROXY_CLIENT = { id: 'nextcloud-mcp-proxy', secret: 'local-proxy-secret-0123456789' };

/** The IdP a path trusts: where its keys are and the proxy's confidential client there. */
export interface PathIdentity {
  readonly issuer: string;
  readonly jwksUrl: string;
  readonly proxyClient: { readonly id: string; readonly secret: string };
}

export interface PathOptions {
  env?: Record<string, string>;
  log?: Logger;
  webdav?: boolean;
  /** A real Nextcloud that trusts this IdP (user_oidc, client id `nextcloud`); else the stand-in. */
  nextcloudUrl?: string;
  /** The Nextcloud version the stand-in answers as (its default otherwise). */
  nextcloudVersion?: StandinOptions['nextcloudVersion'];
}

export interface ProxyPath {
  /** Absent when a real Nextcloud was given. */
  readonly standin: NextcloudStandin | undefined;
  readonly nextcloudUrl: string;
  readonly server: Awaited<ReturnType<typeof startServer>>;
  readonly proxy: RunningProxy;
  /** The MCP endpoint clients connect to. */
  readonly mcpUrl: string;
  /**
   * Another proxy of the same configuration on a port of its own, as a second pod behind one
   * Service: same issuer, resource and secrets, no state shared with the first. Stopped by `stop`.
   */
  replica(): Promise<RunningProxy>;
  stop(): Promise<void>;
}

export interface FullPath extends ProxyPath {
  readonly idp: EmbeddedIdp;
}

/**
 * The whole request path on loopback: embedded IdP → proxy → server → Nextcloud stand-in (which
 * checks bearer tokens as `user_oidc` does), plus Apache for files when installed.
 */
export async function startFullPath(
  options: PathOptions & {
    proxyPort?: number;
    idpPort?: number;
    signingJwk?: JWK;
    /** How the IdP fetches client metadata documents (see `EmbeddedIdpOptions.fetch`). */
    idpFetch?: EmbeddedIdpOptions['fetch'];
  } = {},
): Promise<FullPath> {
  const log = options.log ?? quietLog;
  const port = options.proxyPort ? { port: options.proxyPort, release: async () => {} } : await reservePort();
  const idp = await startEmbeddedIdp({
    resource: `http://127.0.0.1:${port.port}/mcp`,
    nextcloudAudience: 'nextcloud',
    proxyClient: PROXY_CLIENT,
    users: { [DEMO_USER.name]: DEMO_USER.password, [OTHER_USER.name]: OTHER_USER.password },
    ...(options.signingJwk ? { signingJwk: options.signingJwk } : {}),
    ...(options.idpPort ? { port: options.idpPort } : {}),
    ...(options.idpFetch ? { fetch: options.idpFetch } : {}),
    log,
  });
  const path = await startProxyPath(
    { issuer: idp.issuer, jwksUrl: `${idp.issuer}/jwks`, proxyClient: PROXY_CLIENT },
    port,
    options,
  );
  return {
    ...path,
    idp,
    async stop() {
      await path.stop();
      await idp.stop();
    },
  };
}

/**
 * Proxy → server → Nextcloud stand-in behind any IdP (the embedded one, a real Keycloak). The
 * proxy listens on `port`, held until then, since the IdP puts `<that URL>/mcp` into tokens.
 */
export async function startProxyPath(
  identity: PathIdentity,
  port: { readonly port: number; release(): Promise<void> },
  options: PathOptions = {},
): Promise<ProxyPath> {
  const log = options.log ?? quietLog;
  const publicUrl = `http://127.0.0.1:${port.port}`;
  const apache: ApacheWebdav | undefined =
    options.webdav && !options.nextcloudUrl && apacheAvailable()
      ? await startApacheWebdav([DEMO_USER.name])
      : undefined;
  const standin = options.nextcloudUrl
    ? undefined
    : await startNextcloudStandin({
        users: { [DEMO_USER.name]: DEMO_USER.appPassword, [OTHER_USER.name]: OTHER_USER.appPassword },
        bearer: { issuer: identity.issuer, audience: 'nextcloud', jwksUrl: identity.jwksUrl },
        ...(apache ? { davUrl: apache.url } : {}),
        ...(options.nextcloudVersion ? { nextcloudVersion: options.nextcloudVersion } : {}),
      });
  const nextcloudUrl = options.nextcloudUrl ?? standin?.url ?? '';
  const server = await startServer({ url: nextcloudUrl });
  const config = loadProxyConfig({
    PUBLIC_URL: publicUrl,
    ISSUER_URL: identity.issuer,
    CLIENT_ID: identity.proxyClient.id,
    CLIENT_SECRET: identity.proxyClient.secret,
    UPSTREAM_URL: server.url.replace(/\/mcp$/, ''),
    HOST: '127.0.0.1',
    PORT: String(port.port),
    METRICS_PORT: '0',
    APPS: APPS.join(','),
    // MCP Inspector's web UI (its default port), which `npm start` tells people to use.
    ALLOWED_ORIGINS: [publicUrl, 'http://localhost:6274', 'http://127.0.0.1:6274'].join(','),
    ...options.env,
  });
  await port.release();
  const proxy = await startProxy(createProxyDeps(config, log));
  await proxy.ready;
  const replicas: RunningProxy[] = [];
  return {
    standin,
    nextcloudUrl,
    server,
    proxy,
    mcpUrl: `${publicUrl}/mcp`,
    async replica() {
      const replica = await startProxy(createProxyDeps({ ...config, PORT: 0, METRICS_PORT: 0 }, log));
      replicas.push(replica);
      await replica.ready;
      return replica;
    },
    async stop() {
      for (const replica of replicas) await replica.stop();
      await proxy.stop();
      await server.stop();
      await standin?.stop();
      await apache?.stop();
    },
  };
}

import { setTimeout as sleep } from 'node:timers/promises';
import * as oidc from 'openid-client';
import type { Logger } from 'pino';
import type { ProxyConfig } from './config.js';
import { IdpUnavailableError } from './errors.js';
import type { Metrics } from './metrics.js';

/** The issuer as the proxy knows it once discovery succeeded. */
export interface IdentityProvider {
  readonly client: oidc.Configuration;
  readonly issuer: string;
  readonly jwksUri: URL;
}

/** Names IdP round trips for the latency metric by the endpoint they hit. */
function operation(url: string, metadata: oidc.ServerMetadata | undefined): string {
  if (metadata?.token_endpoint === url) return 'token';
  if (metadata?.introspection_endpoint === url) return 'introspection';
  if (url.includes('/.well-known/')) return 'discovery';
  return 'other';
}

/**
 * Discovers the issuer (`/.well-known/openid-configuration`), retrying with exponential backoff
 * until it answers or `signal` aborts; the proxy stays not-ready until this resolves.
 */
export async function discoverIssuer(
  config: ProxyConfig,
  metrics: Metrics,
  log: Logger,
  signal: AbortSignal,
): Promise<IdentityProvider> {
  let metadata: oidc.ServerMetadata | undefined;
  const timedFetch: oidc.CustomFetch = async (url, options) => {
    const stop = metrics.idpLatency.startTimer({ operation: operation(url, metadata) });
    try {
      return await fetch(url, options as RequestInit);
    } finally {
      stop();
    }
  };
  const insecure = new URL(config.ISSUER_URL).protocol === 'http:';
  if (insecure)
    log.warn({ issuer: config.ISSUER_URL }, 'issuer uses plain http: acceptable on loopback only');
  for (let attempt = 1; ; attempt++) {
    try {
      const client = await oidc.discovery(
        new URL(config.ISSUER_URL),
        config.CLIENT_ID ?? 'nextcloud-mcp-proxy',
        undefined,
        config.CLIENT_SECRET ? oidc.ClientSecretBasic(config.CLIENT_SECRET) : oidc.None(),
        {
          [oidc.customFetch]: timedFetch,
          timeout: config.IDP_TIMEOUT_MS / 1000,
          ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
        },
      );
      metadata = client.serverMetadata();
      if (!metadata.jwks_uri) throw new Error('the issuer publishes no jwks_uri');
      log.info({ issuer: metadata.issuer, attempt }, 'issuer discovered');
      return { client, issuer: metadata.issuer, jwksUri: new URL(metadata.jwks_uri) };
    } catch (error) {
      if (signal.aborted) throw error;
      const delay = Math.min(30_000, 500 * 2 ** Math.min(attempt - 1, 6));
      const failure = new IdpUnavailableError('issuer discovery failed', { cause: error });
      log.warn({ attempt, retryInMs: delay, issuer: config.ISSUER_URL }, `${failure.message}; retrying`);
      await sleep(delay, undefined, { signal });
    }
  }
}

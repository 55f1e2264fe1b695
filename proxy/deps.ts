import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { ProxyConfig } from './config.js';
import { createUpstreamAgent } from './forward.js';
import { discoverIssuer } from './identity-provider.js';
import { createMetrics, type Metrics } from './metrics.js';
import { SessionBinder } from './session.js';
import { TokenExchanger } from './token-exchange.js';
import { TokenValidator } from './token-validation.js';

/** What the app needs once the issuer is known; until then every /mcp request is "not ready". */
export interface Security {
  readonly validator: TokenValidator;
  /** Absent in passthrough mode: the client's token goes to Nextcloud as it is. */
  readonly exchanger: TokenExchanger | undefined;
}

export interface AppDeps {
  readonly config: ProxyConfig;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly sessions: SessionBinder;
  readonly dispatcher: Dispatcher;
  readonly security: () => Security | undefined;
}

/** The app's dependencies and the one step that completes them: discovering the issuer. */
export interface ProxyDeps extends AppDeps {
  /** Discovers the issuer (retrying until it answers or `signal` aborts), then sets `security`. */
  discover(signal: AbortSignal): Promise<void>;
}

/** Builds everything the proxy runs on from its configuration: the one wiring, for main.ts and the suites. */
export function createProxyDeps(config: ProxyConfig, log: Logger): ProxyDeps {
  if (config.AUTH_MODE === 'passthrough') {
    log.warn(
      { issuer: config.ISSUER_URL },
      'AUTH_MODE=passthrough: client tokens go to Nextcloud unexchanged; only for an issuer that IS Nextcloud',
    );
  }
  const metrics = createMetrics();
  let security: Security | undefined;
  return {
    config,
    log,
    metrics,
    dispatcher: createUpstreamAgent(config.UPSTREAM_TIMEOUT_MS),
    sessions: new SessionBinder(config.SESSION_SECRET ?? config.CLIENT_SECRET ?? ''),
    security: () => security,
    async discover(signal) {
      const idp = await discoverIssuer(config, metrics, log, signal);
      security = {
        validator: new TokenValidator(config, idp, metrics),
        exchanger: config.AUTH_MODE === 'exchange' ? new TokenExchanger(config, idp, metrics) : undefined,
      };
    },
  };
}

export const METADATA_PATH = '/.well-known/oauth-protected-resource';

/** Response headers browser-based MCP clients must be able to read. */
export const EXPOSED_HEADERS = ['mcp-session-id', 'www-authenticate', 'retry-after'];

/** The metadata URL every challenge points at. */
export function resourceMetadataUrl(config: ProxyConfig): string {
  return `${config.PUBLIC_URL}${METADATA_PATH}/mcp`;
}

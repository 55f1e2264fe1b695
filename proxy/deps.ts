import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { ProxyConfig } from './config.js';
import type { Metrics } from './metrics.js';
import type { SessionBinder } from './session.js';
import type { TokenExchanger } from './token-exchange.js';
import type { TokenValidator } from './token-validation.js';

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

export const METADATA_PATH = '/.well-known/oauth-protected-resource';

/** Response headers browser-based MCP clients must be able to read. */
export const EXPOSED_HEADERS = ['mcp-session-id', 'www-authenticate', 'retry-after'];

/** The metadata URL every challenge points at. */
export function resourceMetadataUrl(config: ProxyConfig): string {
  return `${config.PUBLIC_URL}${METADATA_PATH}/mcp`;
}

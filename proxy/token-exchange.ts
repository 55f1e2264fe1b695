import { LRUCache } from 'lru-cache';
import * as oidc from 'openid-client';
import type { ProxyConfig } from './config.js';
import { IdpMisconfiguredError, IdpUnavailableError, InvalidTokenError } from './errors.js';
import type { IdentityProvider } from './identity-provider.js';
import type { Metrics } from './metrics.js';
import type { Principal } from './token-validation.js';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/** IdP answers that mean "this subject token cannot be exchanged": the client must sign in again. */
const REJECTED = new Set([
  'invalid_grant',
  'invalid_token',
  'access_denied',
  'invalid_target',
  'invalid_scope',
]);

/** IdP answers that mean the proxy's own client is wrong (secret, permissions, exchange not enabled). */
const MISCONFIGURED = new Set([
  'invalid_client',
  'unauthorized_client',
  'invalid_request',
  'unsupported_grant_type',
]);

interface Exchanged {
  readonly token: string;
  readonly expiresAt: number;
}

/**
 * RFC 8693 exchange of the client's token for one whose audience is Nextcloud. Results are
 * cached per (token hash, scopes) until their expiry minus a margin in a bounded LRU, and
 * concurrent misses for one key share one request to the IdP.
 */
export class TokenExchanger {
  private readonly cache: LRUCache<string, Exchanged>;
  private readonly inFlight = new Map<string, Promise<Exchanged>>();

  constructor(
    private readonly config: ProxyConfig,
    private readonly idp: IdentityProvider,
    private readonly metrics: Metrics,
  ) {
    this.cache = new LRUCache({ max: config.EXCHANGE_CACHE_SIZE });
  }

  /** The token to present to Nextcloud on the principal's behalf. */
  async tokenFor(principal: Principal): Promise<string> {
    const scope = [...principal.scopes].sort().join(' ');
    const key = `${principal.tokenHash} ${scope}`;
    const cached = this.cache.get(key);
    this.metrics.cache.inc({ cache: 'exchange', result: cached ? 'hit' : 'miss' });
    if (cached) return cached.token;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.exchange(principal, scope).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    const exchanged = await pending;
    const ttl = (exchanged.expiresAt - this.config.EXCHANGE_MARGIN_S) * 1000 - Date.now();
    if (ttl > 0) this.cache.set(key, exchanged, { ttl });
    return exchanged.token;
  }

  private async exchange(principal: Principal, scope: string): Promise<Exchanged> {
    const stop = this.metrics.idpLatency.startTimer({ operation: 'token_exchange' });
    try {
      const response = await oidc.genericGrantRequest(this.idp.client, TOKEN_EXCHANGE, {
        subject_token: principal.token,
        subject_token_type: ACCESS_TOKEN_TYPE,
        requested_token_type: ACCESS_TOKEN_TYPE,
        audience: this.config.NEXTCLOUD_AUDIENCE,
        ...(scope ? { scope } : {}),
      });
      this.metrics.exchanges.inc({ result: 'ok' });
      const expiresIn = response.expires_in ?? principal.expiresAt - Math.floor(Date.now() / 1000);
      return { token: response.access_token, expiresAt: Math.floor(Date.now() / 1000) + expiresIn };
    } catch (error) {
      if (error instanceof oidc.ResponseBodyError && REJECTED.has(error.error)) {
        this.metrics.exchanges.inc({ result: 'rejected' });
        throw new InvalidTokenError('exchange_rejected', `IdP refused the exchange: ${error.error}`, {
          cause: error,
        });
      }
      // invalid_client comes as a 401 challenge when the proxy authenticated with Basic.
      const code =
        error instanceof oidc.ResponseBodyError
          ? error.error
          : error instanceof oidc.WWWAuthenticateChallengeError
            ? error.cause[0]?.parameters.error
            : undefined;
      if (code && MISCONFIGURED.has(code)) {
        this.metrics.exchanges.inc({ result: 'misconfigured' });
        throw new IdpMisconfiguredError(`IdP refused the proxy's exchange request: ${code}`, {
          cause: error,
        });
      }
      this.metrics.exchanges.inc({ result: 'error' });
      throw new IdpUnavailableError('token exchange failed', { cause: error });
    } finally {
      stop();
    }
  }
}

import { LRUCache } from 'lru-cache';
import * as oidc from 'openid-client';
import { z } from 'zod';
import type { ProxyConfig } from './config.js';
import { IdpMisconfiguredError, IdpUnavailableError, InvalidTokenError, type ProxyError } from './errors.js';
import type { IdentityProvider } from './identity-provider.js';
import type { Metrics } from './metrics.js';
import type { Principal } from './token-validation.js';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/**
 * Refusals of the subject token: the person must sign in again. RFC 8693 answers `invalid_request`
 * for a subject token that is invalid "for any reason": Keycloak does so for one whose session ended.
 */
const REJECTED = new Set(['invalid_grant', 'invalid_token', 'access_denied', 'invalid_request']);

/**
 * Refusals of the proxy's own client (secret, exchange permission, the Nextcloud audience or a tool
 * scope out of its reach): signing in again cannot help.
 */
const MISCONFIGURED = new Set([
  'invalid_client',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_target',
]);

/** Keycloak's `invalid_request` when the client's standard token exchange switch is off. */
const EXCHANGE_DISABLED = /token exchange is not enabled/i;

/** The exchange's answer as far as the proxy relies on it. */
const ExchangeResponse = z.object({
  access_token: z.string().min(1),
  issued_token_type: z.enum([ACCESS_TOKEN_TYPE, 'urn:ietf:params:oauth:token-type:jwt']).optional(),
  expires_in: z.number().positive().optional(),
});

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
    let response: oidc.TokenEndpointResponse;
    try {
      response = await oidc.genericGrantRequest(this.idp.client, TOKEN_EXCHANGE, {
        subject_token: principal.token,
        subject_token_type: ACCESS_TOKEN_TYPE,
        requested_token_type: ACCESS_TOKEN_TYPE,
        audience: this.config.NEXTCLOUD_AUDIENCE,
        ...(scope ? { scope } : {}),
      });
    } catch (error) {
      throw this.refused(error);
    } finally {
      stop();
    }
    const parsed = ExchangeResponse.safeParse(response);
    if (!parsed.success) {
      this.metrics.exchanges.inc({ result: 'error' });
      throw new IdpUnavailableError(`token exchange answered unusably: ${z.prettifyError(parsed.error)}`);
    }
    this.metrics.exchanges.inc({ result: 'ok' });
    const expiresIn = parsed.data.expires_in ?? principal.expiresAt - Math.floor(Date.now() / 1000);
    return { token: parsed.data.access_token, expiresAt: Math.floor(Date.now() / 1000) + expiresIn };
  }

  /** The proxy's error for a failed exchange request, counted by kind. */
  private refused(error: unknown): ProxyError {
    const refusal = oauthError(error);
    const kind = refusal && classify(refusal);
    if (!refusal || !kind) {
      this.metrics.exchanges.inc({ result: 'error' });
      return new IdpUnavailableError('token exchange failed', { cause: error });
    }
    // The IdP's own words go to the log (never to the client): they name what to fix.
    const said = `${refusal.error}${refusal.description ? ` (${refusal.description})` : ''}`;
    if (kind === 'rejected') {
      this.metrics.exchanges.inc({ result: 'rejected' });
      return new InvalidTokenError('exchange_rejected', `IdP refused the exchange: ${said}`, {
        cause: error,
      });
    }
    this.metrics.exchanges.inc({ result: 'misconfigured' });
    return new IdpMisconfiguredError(`IdP refused the proxy's exchange request: ${said}`, { cause: error });
  }
}

/** The IdP's OAuth error: the JSON body, or for `invalid_client` after Basic authentication the 401 challenge. */
function oauthError(error: unknown): { error: string; description: string } | undefined {
  if (error instanceof oidc.ResponseBodyError) {
    return { error: error.error, description: printable(error.error_description) };
  }
  if (error instanceof oidc.WWWAuthenticateChallengeError) {
    const parameters = error.cause[0]?.parameters;
    if (parameters?.error)
      return { error: parameters.error, description: printable(parameters.error_description) };
  }
  return undefined;
}

function classify(refusal: { error: string; description: string }): 'rejected' | 'misconfigured' | undefined {
  if (MISCONFIGURED.has(refusal.error)) return 'misconfigured';
  if (refusal.error === 'invalid_request' && EXCHANGE_DISABLED.test(refusal.description))
    return 'misconfigured';
  return REJECTED.has(refusal.error) ? 'rejected' : undefined;
}

/** An IdP's free text made safe for one log line: control characters dropped, length bounded. */
function printable(text: string | undefined): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: dropping control characters is the point
  return (text ?? '').replace(/[\x00-\x1f\x7f]/g, '').slice(0, 200);
}

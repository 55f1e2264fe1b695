import { createHash } from 'node:crypto';
import {
  createRemoteJWKSet,
  customFetch,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  jwtVerify,
} from 'jose';
import { LRUCache } from 'lru-cache';
import * as oidc from 'openid-client';
import { RateLimiterMemory, type RateLimiterRes } from 'rate-limiter-flexible';
import { parseScopes, type Scope } from '../contract/index.js';
import type { ProxyConfig } from './config.js';
import {
  IdpUnavailableError,
  IntrospectionLimitedError,
  InvalidTokenError,
  type InvalidTokenReason,
} from './errors.js';
import type { IdentityProvider } from './identity-provider.js';
import type { Metrics } from './metrics.js';

/** Who a valid token speaks for. */
export interface Principal {
  readonly subject: string;
  /** `preferred_username` or `sub`: the Nextcloud user id the server is told. */
  readonly username: string;
  readonly clientId: string | undefined;
  readonly scopes: ReadonlySet<Scope>;
  readonly token: string;
  /** SHA-256 of the token, hex: the only form of it that logs and cache keys see. */
  readonly tokenHash: string;
  /** Seconds since the epoch. */
  readonly expiresAt: number;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

const CLOCK_SKEW_S = 60;

/**
 * Validates access tokens as DESIGN.md orders it: JWS against the issuer's JWKS (algorithm
 * allowlist, exact issuer, exp/nbf with 60 s skew, an accepted audience), or RFC 7662
 * introspection for opaque tokens, cached by token hash.
 */
export class TokenValidator {
  private readonly jwks;
  private readonly introspected: LRUCache<string, Principal | InvalidTokenError>;
  /** Calls to the introspection endpoint per second, for all tokens together. */
  private readonly introspectionRate: RateLimiterMemory;
  /** JWTs already verified, by hash, until they expire: the signature check is the hot path's cost. */
  private readonly verified = new LRUCache<string, Principal>({ max: 10_000 });

  constructor(
    private readonly config: ProxyConfig,
    private readonly idp: IdentityProvider,
    private readonly metrics: Metrics,
  ) {
    this.jwks = createRemoteJWKSet(idp.jwksUri, {
      cooldownDuration: config.JWKS_COOLDOWN_MS,
      timeoutDuration: config.IDP_TIMEOUT_MS,
      [customFetch]: (url, options) => {
        metrics.jwksFetches.inc();
        const stop = metrics.idpLatency.startTimer({ operation: 'jwks' });
        return fetch(url, options).finally(stop);
      },
    });
    this.introspected = new LRUCache({ max: 10_000, ttlAutopurge: false });
    this.introspectionRate = new RateLimiterMemory({ points: config.INTROSPECTIONS_PER_SECOND, duration: 1 });
  }

  async validate(token: string): Promise<Principal> {
    try {
      return isJws(token) ? await this.verifyJwt(token) : await this.introspect(token);
    } catch (error) {
      if (error instanceof InvalidTokenError) this.metrics.validationFailures.inc({ reason: error.reason });
      throw error;
    }
  }

  private async verifyJwt(token: string): Promise<Principal> {
    const key = hashToken(token);
    const known = this.verified.get(key);
    this.metrics.cache.inc({ cache: 'jwt', result: known ? 'hit' : 'miss' });
    if (known && unexpired(known)) return known;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.jwks, {
        issuer: this.idp.issuer,
        algorithms: this.config.TOKEN_ALGORITHMS,
        clockTolerance: CLOCK_SKEW_S,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      throw mapJoseError(error);
    }
    const principal = this.principal(token, payload, key);
    this.verified.set(key, principal, {
      ttl: Math.max(1, principal.expiresAt + CLOCK_SKEW_S - now()) * 1000,
    });
    return principal;
  }

  private async introspect(token: string): Promise<Principal> {
    if (!this.config.CLIENT_SECRET)
      throw new InvalidTokenError('malformed', 'opaque token and no client to introspect');
    const key = hashToken(token);
    const cached = this.introspected.get(key);
    // An entry's TTL is at most the token's life, but exp is checked again: the clock decides.
    const fresh = cached instanceof InvalidTokenError || (cached && unexpired(cached));
    this.metrics.cache.inc({ cache: 'introspection', result: fresh ? 'hit' : 'miss' });
    if (cached instanceof InvalidTokenError) throw cached;
    if (cached && fresh) return cached;
    // Every miss costs the IdP a client-authenticated call; random tokens must not flood it.
    await this.introspectionRate.consume('introspection').catch((limited: RateLimiterRes) => {
      throw new IntrospectionLimitedError(Math.max(1, Math.ceil(limited.msBeforeNext / 1000)));
    });
    let response: oidc.IntrospectionResponse;
    try {
      response = await oidc.tokenIntrospection(this.idp.client, token);
    } catch (error) {
      throw new IdpUnavailableError('introspection failed', { cause: error });
    }
    const ttl = this.config.INTROSPECTION_CACHE_TTL_S;
    try {
      if (!response.active) throw new InvalidTokenError('inactive', 'introspection says inactive');
      if (response.iss !== undefined && response.iss !== this.idp.issuer) {
        throw new InvalidTokenError('issuer', 'introspected issuer differs');
      }
      if (typeof response.exp !== 'number')
        throw new InvalidTokenError('claims', 'introspection gave no exp');
      if (response.nbf !== undefined && response.nbf > now() + CLOCK_SKEW_S) {
        throw new InvalidTokenError('not_yet_valid', 'nbf in the future');
      }
      const principal = this.principal(token, response as JWTPayload, key);
      // Never 0: lru-cache reads a zero TTL as "keep forever".
      const life = Math.min(ttl, principal.expiresAt + CLOCK_SKEW_S - now());
      if (life > 0) this.introspected.set(key, principal, { ttl: life * 1000 });
      return principal;
    } catch (error) {
      if (error instanceof InvalidTokenError) this.introspected.set(key, error, { ttl: ttl * 1000 });
      throw error;
    }
  }

  /** The checks JWT and introspection share: expiry, audience, subject. */
  private principal(
    token: string,
    claims: JWTPayload & Record<string, unknown>,
    tokenHash: string,
  ): Principal {
    const exp = Number(claims.exp);
    if (!(exp > now() - CLOCK_SKEW_S)) throw new InvalidTokenError('expired', 'token expired');
    const audiences = claims.aud === undefined ? [] : Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.some((aud) => this.config.audiences.includes(aud))) {
      const onlyNextcloud =
        audiences.length > 0 && audiences.every((aud) => aud === this.config.NEXTCLOUD_AUDIENCE);
      throw new InvalidTokenError(
        onlyNextcloud ? 'nextcloud_only' : 'audience',
        audiences.length === 0 ? 'token has no audience' : `audience ${audiences.join(',')} not accepted`,
      );
    }
    const subject = typeof claims.sub === 'string' ? claims.sub : '';
    if (!subject) throw new InvalidTokenError('claims', 'token has no subject');
    const scope =
      typeof claims.scope === 'string' ? claims.scope : Array.isArray(claims.scp) ? claims.scp.join(' ') : '';
    const username = typeof claims.preferred_username === 'string' ? claims.preferred_username : subject;
    const clientId = typeof claims.azp === 'string' ? claims.azp : (claims.client_id as string | undefined);
    return {
      subject,
      username,
      clientId,
      scopes: parseScopes(scope),
      token,
      tokenHash,
      expiresAt: exp,
    };
  }
}

/** Within exp, allowing the skew every check allows. */
function unexpired(principal: Principal): boolean {
  return principal.expiresAt + CLOCK_SKEW_S > now();
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

function isJws(token: string): boolean {
  if (token.split('.').length !== 3) return false;
  try {
    decodeProtectedHeader(token);
    return true;
  } catch {
    // Three dot-separated parts that are not a JWS header: treat as opaque.
    return false;
  }
}

/** The one place jose's errors become ours. */
function mapJoseError(error: unknown): InvalidTokenError | IdpUnavailableError {
  const reason = ((): InvalidTokenReason | undefined => {
    if (error instanceof errors.JWTExpired) return 'expired';
    if (error instanceof errors.JWTClaimValidationFailed) {
      if (error.claim === 'iss') return 'issuer';
      if (error.claim === 'nbf') return 'not_yet_valid';
      return 'claims';
    }
    if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported)
      return 'algorithm';
    if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
      return 'unknown_key';
    }
    if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature';
    if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'malformed';
    return undefined;
  })();
  if (reason) return new InvalidTokenError(reason, (error as Error).message, { cause: error });
  // JWKS could not be fetched (timeout, network, bad answer): the IdP's problem, not the token's.
  return new IdpUnavailableError('JWKS unavailable', { cause: error });
}

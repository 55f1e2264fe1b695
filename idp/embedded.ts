import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, importJWK, type JWK, jwtVerify } from 'jose';
import Provider, { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from 'pino';
import { ALL_SCOPES } from '../contract/index.js';
import { clientBasedCors, registrationCors } from './cors.js';
import { handleInteraction } from './interactions.js';

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const REGISTRATION_ROUTE = '/reg';

export interface EmbeddedIdpOptions {
  /** The protected resource MCP clients ask tokens for (`<proxy public URL>/mcp`). */
  readonly resource: string;
  /** The audience exchanged tokens are minted for (Nextcloud's `user_oidc` client id). */
  readonly nextcloudAudience: string;
  /** The proxy's confidential client, allowed to exchange tokens. */
  readonly proxyClient: { readonly id: string; readonly secret: string };
  /** Who may sign in: user id → password. */
  readonly users: Readonly<Record<string, string>>;
  readonly port?: number;
  readonly accessTokenTtlSeconds?: number;
  /** A private RS256 JWK (with `kid`) to sign with; a fresh key is generated when absent. */
  readonly signingJwk?: JWK;
  /**
   * How the IdP fetches what clients publish (Client ID Metadata Documents; also any `jwks_uri`).
   * oidc-provider's own refuses private, loopback and other special-use addresses, so a test that
   * serves a document on loopback passes one that reaches it (and trusts its certificate).
   */
  readonly fetch?: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  readonly log: Logger;
}

export interface EmbeddedIdp {
  readonly issuer: string;
  readonly provider: Provider;
  stop(): Promise<void>;
}

/**
 * A local OpenID Provider (panva's certified `oidc-provider`) configured like the Keycloak realm
 * the operator manages: authorization code + PKCE, MCP clients identified by Client ID Metadata
 * Documents (an https URL as `client_id`) or else by open dynamic client registration, RFC 8707
 * resource indicators (JWT access tokens whose `aud` is the resource), the
 * tool scopes, introspection, CORS for browser-based clients, and an RFC 8693 token-exchange grant that mints Nextcloud-audience
 * tokens for the proxy's client. For one machine only: never the IdP inside Kubernetes.
 */
export async function startEmbeddedIdp(options: EmbeddedIdpOptions): Promise<EmbeddedIdp> {
  const jwk: JWK = options.signingJwk ?? {
    ...(await exportJWK((await generateKeyPair('RS256', { extractable: true })).privateKey)),
    kid: 'local-1',
  };
  const publicKey = await importJWK({ kty: jwk.kty, n: jwk.n, e: jwk.e }, 'RS256');
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    // A busy port rejects (EADDRINUSE, with the port) instead of crashing the process.
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ttl = options.accessTokenTtlSeconds ?? 3600;
  const toolScopes = ALL_SCOPES.join(' ');

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: options.proxyClient.id,
        client_secret: options.proxyClient.secret,
        grant_types: [TOKEN_EXCHANGE],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [{ ...jwk, alg: 'RS256', use: 'sig' }] },
    scopes: ['openid', 'profile', 'offline_access', ...ALL_SCOPES],
    claims: { openid: ['sub'], profile: ['preferred_username', 'name'] },
    cookies: { keys: [crypto.randomUUID()] },
    pkce: { required: () => true },
    routes: { registration: REGISTRATION_ROUTE },
    clientBasedCORS: clientBasedCors,
    features: {
      devInteractions: { enabled: false },
      // Deprecated by MCP 2026-07-28 but still what most clients do when CIMD is not advertised.
      registration: { enabled: true },
      // MCP 2026-07-28 prefers CIMD. oidc-provider takes only https URLs with a path as such ids,
      // checks that the document names its own URL as client_id, refuses secrets in it, and matches
      // redirect_uri against its redirect_uris; its fetch refuses special-use addresses (unless
      // `options.fetch` replaces it), times out after 2.5 s and caps the body size.
      clientIdMetadataDocument: {
        enabled: true,
        // The draft it implements; a provider upgrade to another draft fails here instead of silently.
        ack: 'draft-02',
        allowFetch: (_ctx, clientId) => {
          // Who gets fetched is chosen by whoever starts a sign-in: worth a line in the log.
          options.log.info({ clientId }, 'fetching a client metadata document');
          return true;
        },
      },
      introspection: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => options.resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          if (indicator !== options.resource) throw new errors.InvalidTarget(`unknown resource ${indicator}`);
          return {
            scope: toolScopes,
            audience: options.resource,
            accessTokenFormat: 'jwt',
            accessTokenTTL: ttl,
          };
        },
      },
    },
    findAccount: (_ctx, sub) =>
      sub in options.users
        ? { accountId: sub, claims: () => ({ sub, preferred_username: sub, name: sub }) }
        : undefined,
    extraTokenClaims: (_ctx, token) =>
      'accountId' in token && token.accountId ? { preferred_username: token.accountId } : undefined,
    formats: {
      customizers: {
        jwt: (_ctx, _token, jwt) => {
          jwt.payload.aud = audienceOf(jwt.payload.aud, options);
        },
      },
    },
    ...(options.fetch ? { fetch: options.fetch } : {}),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { AccessToken: ttl, AuthorizationCode: 60, Grant: 86_400, Interaction: 600, Session: 86_400 },
  });

  registrationCors(provider, REGISTRATION_ROUTE);
  provider.registerGrantType(
    TOKEN_EXCHANGE,
    (ctx) => exchange(ctx as unknown as KoaContextWithOIDC, publicKey, options),
    ['subject_token', 'subject_token_type', 'audience', 'requested_token_type', 'scope'],
  );

  const callback = provider.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/interaction/')) {
      handleInteraction(provider, options.users, req, res).catch((error: unknown) => {
        options.log.warn({ err: error }, 'interaction failed');
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
        res.end('Sign-in failed; start again from your MCP client.');
      });
      return;
    }
    callback(req, res);
  });
  options.log.warn({ issuer }, 'embedded identity provider started: for local use only, never in a cluster');
  return {
    issuer,
    provider,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * As the operator's audience mappers do in Keycloak: a token for the MCP resource also names the
 * proxy's client, which standard token exchange requires of the exchanging client.
 */
function audienceOf(aud: unknown, options: EmbeddedIdpOptions): unknown {
  return aud === options.resource ? [options.resource, options.proxyClient.id] : aud;
}

/** A refusal as Keycloak words it: its status, OAuth error code and description. */
function refusal(status: number, error: string, description: string, cause?: unknown): Error {
  const refused = new errors.CustomOIDCProviderError(error, description, { cause });
  refused.status = status;
  refused.statusCode = status;
  return refused;
}

/** The scopes the proxy's client may be given, as its client scopes are in Keycloak. */
const EXCHANGE_SCOPES = new Set<string>(['profile', ...ALL_SCOPES]);

/**
 * The RFC 8693 grant with Keycloak's standard token exchange (V2) rules and answers: an access token
 * of ours as subject, the exchanging client among its audiences, a known audience, scopes the
 * client may hold. The new token is for Nextcloud, for the same user, with no more scope than the
 * subject token had (Keycloak would grant any of the client's scopes: narrower is safer).
 */
async function exchange(
  ctx: KoaContextWithOIDC,
  publicKey: Parameters<typeof jwtVerify>[1],
  options: EmbeddedIdpOptions,
): Promise<void> {
  const { params, client, provider } = ctx.oidc as unknown as {
    params: Record<string, string | undefined>;
    client: NonNullable<KoaContextWithOIDC['oidc']['client']>;
    provider: Provider;
  };
  if (params.subject_token_type !== ACCESS_TOKEN_TYPE) {
    throw refusal(400, 'invalid_request', "Parameter 'subject_token' supports access tokens only");
  }
  const subject = await subjectClaims(provider, params.subject_token ?? '', publicKey, options);
  const aud = subject.aud;
  if (!(Array.isArray(aud) ? aud : [aud]).includes(client.clientId)) {
    throw refusal(403, 'access_denied', 'Client is not within the token audience');
  }
  const audience = params.audience ?? options.nextcloudAudience;
  if (audience !== options.nextcloudAudience) throw refusal(400, 'invalid_client', 'Audience not found');
  const requested = params.scope ? params.scope.split(' ') : undefined;
  const unknown = requested?.filter((item) => !EXCHANGE_SCOPES.has(item)) ?? [];
  if (unknown.length > 0) throw refusal(400, 'invalid_scope', `Invalid scopes: ${unknown.join(' ')}`);
  const held = new Set(String(subject.scope ?? '').split(' '));
  const scope = (requested ?? [...held]).filter((item) => held.has(item)).join(' ');
  const accountId = String(subject.sub);
  // Every access token belongs to a grant; the exchange's own grant records what was minted.
  const grant = new provider.Grant({ accountId, clientId: client.clientId });
  grant.addResourceScope(audience, scope);
  const grantId = await grant.save();
  const token = new provider.AccessToken({ accountId, client, scope, grantId, gty: 'token_exchange' });
  token.resourceServer = new provider.ResourceServer(audience, {
    scope: ALL_SCOPES.join(' '),
    audience,
    accessTokenFormat: 'jwt',
  });
  const value = await token.save();
  ctx.body = {
    access_token: value,
    issued_token_type: ACCESS_TOKEN_TYPE,
    token_type: 'Bearer',
    expires_in: token.expiration,
    scope,
  };
}

/** The claims of a subject token we issued: a JWT (verified) or an opaque one (looked up). */
async function subjectClaims(
  provider: Provider,
  value: string,
  publicKey: Parameters<typeof jwtVerify>[1],
  options: EmbeddedIdpOptions,
): Promise<{ sub?: unknown; aud?: unknown; scope?: unknown }> {
  if (value.split('.').length === 3) {
    // Access tokens only (RFC 9068's typ), as Keycloak checks the type: an ID token carries the
    // client it was minted for as its audience, so any registered client could exchange its own.
    const verified = await jwtVerify(value, publicKey, {
      issuer: provider.issuer,
      algorithms: ['RS256'],
      typ: 'at+jwt',
    }).catch((error: unknown) => {
      throw refusal(400, 'invalid_request', 'Invalid token', error);
    });
    return verified.payload;
  }
  const token = await provider.AccessToken.find(value);
  if (!token || token.isExpired) throw refusal(400, 'invalid_request', 'Invalid token');
  // The model holds one audience; the token's full audience is what a JWT of it would carry.
  return { sub: token.accountId, aud: audienceOf(token.aud, options), scope: token.scope };
}

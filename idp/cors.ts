import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';

type Client = NonNullable<KoaContextWithOIDC['oidc']['client']>;

function originOf(uri: unknown): string | undefined {
  return typeof uri === 'string' ? URL.parse(uri)?.origin : undefined;
}

/**
 * oidc-provider's `clientBasedCORS`: which origin may call the token, revocation, introspection
 * and userinfo endpoints for a client. A browser-based client is a public one (no secret a page
 * could keep) whose page lives on the origin of one of its redirect URIs; a confidential client
 * (the proxy) never calls from a browser. Discovery and JWKS are open to any origin already.
 */
export function clientBasedCors(_ctx: unknown, origin: string, client: Client): boolean {
  if (origin === 'null' || client.clientAuthMethod !== 'none') return false;
  return (client.redirectUris ?? []).some((uri) => originOf(uri) === origin);
}

const ALLOWED_REQUEST_HEADERS = new Set(['content-type', 'authorization']);

/**
 * CORS for dynamic client registration, which oidc-provider leaves without (its other endpoints
 * have their own). No client exists yet when the preflight comes, so the preflight is answered
 * for any origin; the registration's answer is readable only by a page on the origin of a
 * redirect URI it just registered (or an error, to say why). Registration is open to anyone who
 * reaches the IdP anyway: this lets a browser client do from its page what a native one does.
 */
export function registrationCors(provider: Provider, route: string): void {
  provider.use(async (ctx, next) => {
    const origin = ctx.get('Origin');
    if (ctx.path !== route || !origin || origin === 'null') return next();
    ctx.vary('Origin');
    if (ctx.method === 'OPTIONS') {
      if (ctx.get('Access-Control-Request-Method') !== 'POST') return next();
      const asked = ctx
        .get('Access-Control-Request-Headers')
        .split(',')
        .map((name) => name.trim().toLowerCase())
        .filter((name) => ALLOWED_REQUEST_HEADERS.has(name));
      ctx.set('Access-Control-Allow-Origin', origin);
      ctx.set('Access-Control-Allow-Methods', 'POST');
      if (asked.length > 0) ctx.set('Access-Control-Allow-Headers', asked.join(', '));
      ctx.set('Access-Control-Max-Age', '600');
      ctx.status = 204;
      return;
    }
    await next();
    if (ctx.method !== 'POST') return;
    const registered = (ctx.body as { redirect_uris?: unknown } | undefined)?.redirect_uris;
    const tied = Array.isArray(registered) && registered.some((uri) => originOf(uri) === origin);
    if (tied || ctx.status >= 400) ctx.set('Access-Control-Allow-Origin', origin);
  });
}

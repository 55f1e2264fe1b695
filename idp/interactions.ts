import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';

/** HTML-escapes text for the sign-in and consent pages. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function page(res: ServerResponse, title: string, body: string): void {
  res
    .writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      // No form-action: browsers apply it to the redirect back to the client after consent.
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    })
    .end(
      `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
        '<style>body{font-family:sans-serif;max-width:28rem;margin:4rem auto}input,button{display:block;margin:.5rem 0;padding:.4rem;width:100%}</style>' +
        `</head><body><h1>${escapeHtml(title)}</h1><p><small>Local identity provider: for trying things on one machine only.</small></p>${body}</body></html>`,
    );
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 16_384) throw new Error('form too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function passwordMatches(expected: string | undefined, given: string): boolean {
  if (expected === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The sign-in and consent steps of the embedded IdP: a password check against its user list,
 * then a consent page naming the client and the scopes it asked for.
 */
export async function handleInteraction(
  provider: Provider,
  users: Readonly<Record<string, string>>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  const { uid, prompt, params } = details;
  const action = (req.url ?? '').split('?')[0]?.split('/')[3];

  if (req.method === 'GET' && prompt.name === 'login') {
    return page(
      res,
      'Sign in',
      `<form method="post" action="/interaction/${escapeHtml(uid)}/login">` +
        '<label>User <input name="login" autocomplete="username" required autofocus></label>' +
        '<label>Password <input name="password" type="password" autocomplete="current-password" required></label>' +
        '<button type="submit">Sign in</button></form>',
    );
  }
  if (req.method === 'POST' && action === 'login') {
    const form = await readForm(req);
    const login = form.get('login') ?? '';
    if (!passwordMatches(users[login], form.get('password') ?? '')) {
      return page(res, 'Sign in', '<p>Wrong user or password. Go back and try again.</p>');
    }
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: login } },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  if (req.method === 'GET' && prompt.name === 'consent') {
    const scopes = String(params.scope ?? '')
      .split(' ')
      .filter(Boolean);
    return page(
      res,
      'Allow access?',
      `<p><b>${escapeHtml(String(params.client_id))}</b> asks for:</p><ul>${scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul>` +
        // CIMD requires it: a document's redirect_uris may point anywhere, not only at its URL's host,
        // so the person must see where the code goes (oidc-provider already matched it to the client).
        `<p>Access is handed to <b>${escapeHtml(new URL(String(params.redirect_uri)).host)}</b>.</p>` +
        `<form method="post" action="/interaction/${escapeHtml(uid)}/confirm"><button type="submit">Allow</button></form>`,
    );
  }
  if (req.method === 'POST' && action === 'confirm' && prompt.name === 'consent') {
    const accountId = details.session?.accountId;
    if (!accountId) throw new Error('consent without a session');
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId, clientId: String(params.client_id) });
    if (!grant) throw new Error('grant vanished');
    const missing = prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }
  res
    .writeHead(400, { 'content-type': 'text/plain' })
    .end('Unexpected step; start again from your MCP client.');
}

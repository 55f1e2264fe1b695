import type { ServerResponse } from 'node:http';
import { SCOPE_DESCRIPTIONS } from '../contract/index.js';

/** What the OpenID scopes a client may ask for mean, in a person's words. */
const OPENID_SCOPE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  openid: 'Know who you are (your user id)',
  profile: 'See your user name',
  email: 'See your email address',
  offline_access: 'Stay signed in: keep access while you are away, until you revoke it',
};

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  ...OPENID_SCOPE_DESCRIPTIONS,
  ...SCOPE_DESCRIPTIONS,
};

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
        '<style>body{font-family:sans-serif;max-width:30rem;margin:4rem auto}input,button{display:block;margin:.5rem 0;padding:.4rem;width:100%}' +
        'li{margin:.3rem 0}code{font-size:.85em;color:#555}.error{color:#a00}</style>' +
        `</head><body><h1>${escapeHtml(title)}</h1><p><small>Local identity provider: for trying things on one machine only.</small></p>${body}</body></html>`,
    );
}

/** The sign-in form; after a wrong password, again with the error and the user name kept. */
export function signInPage(res: ServerResponse, uid: string, failed?: { readonly login: string }): void {
  page(
    res,
    'Sign in',
    (failed ? '<p class="error" role="alert">Wrong user or password. Try again.</p>' : '') +
      `<form method="post" action="/interaction/${escapeHtml(uid)}/login">` +
      `<label>User <input name="login" autocomplete="username" required${failed ? ` value="${escapeHtml(failed.login)}"` : ' autofocus'}></label>` +
      `<label>Password <input name="password" type="password" autocomplete="current-password" required${failed ? ' autofocus' : ''}></label>` +
      '<button type="submit">Sign in</button></form>',
  );
}

/**
 * The consent page: who asks (its self-chosen name, and its id), each scope with what it allows,
 * where the code goes, and Allow or Deny.
 */
export function consentPage(
  res: ServerResponse,
  consent: {
    readonly uid: string;
    readonly clientId: string;
    readonly clientName: string | undefined;
    readonly scopes: readonly string[];
    readonly redirectUri: string;
  },
): void {
  const who = consent.clientName
    ? `<b>${escapeHtml(consent.clientName)}</b> <small>(client <code>${escapeHtml(consent.clientId)}</code>)</small>`
    : `<b>${escapeHtml(consent.clientId)}</b>`;
  const items = consent.scopes.map((scope) => {
    const description = DESCRIPTIONS[scope];
    return `<li>${description ? `${escapeHtml(description)} ` : ''}<code>${escapeHtml(scope)}</code></li>`;
  });
  const action = `/interaction/${escapeHtml(consent.uid)}`;
  page(
    res,
    'Allow access?',
    `<p>${who} asks to:</p><ul>${items.join('')}</ul>` +
      // CIMD requires it: a document's redirect_uris may point anywhere, not only at its URL's host,
      // so the person must see where the code goes (oidc-provider already matched it to the client).
      `<p>Access is handed to <b>${escapeHtml(new URL(consent.redirectUri).host)}</b>.</p>` +
      `<form method="post" action="${action}/confirm"><button type="submit">Allow</button></form>` +
      `<form method="post" action="${action}/deny"><button type="submit">Deny</button></form>`,
  );
}

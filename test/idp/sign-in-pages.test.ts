import { createHash, randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPE_DESCRIPTIONS } from '../../contract/index.js';
import { type EmbeddedIdp, startEmbeddedIdp } from '../../idp/embedded.js';

const RESOURCE = 'http://127.0.0.1:9/mcp';
const REDIRECT = 'http://127.0.0.1:9/callback';
const USER = { name: 'demo', password: 'demo-password' };

/** A browser's cookie jar and manual redirects, one step at a time. */
function browser() {
  const cookies = new Map<string, string>();
  return async (url: string, form?: Record<string, string>): Promise<Response> => {
    const response = await fetch(url, {
      redirect: 'manual',
      headers: {
        cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { method: 'POST', body: new URLSearchParams(form).toString() } : {}),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return response;
  };
}

/** The form actions a page offers, unescaped. */
function actions(html: string): string[] {
  return [...html.matchAll(/<form method="post" action="([^"]+)"/g)].map((m) => m[1] ?? '');
}

/** The sign-in and consent pages of the embedded IdP, as a person's browser sees them. */
describe('the embedded IdP sign-in pages', () => {
  let idp: EmbeddedIdp;

  beforeAll(async () => {
    idp = await startEmbeddedIdp({
      resource: RESOURCE,
      nextcloudAudience: 'nextcloud',
      proxyClient: { id: 'proxy', secret: 'proxy-secret-0123456789' },
      users: { [USER.name]: USER.password },
      log: pino({ level: 'silent' }),
    });
  });
  afterAll(async () => {
    await idp?.stop();
  });

  /** Registers a client named `name` and opens its authorization request: the first page. */
  async function start(name: string | undefined, scope: string) {
    const registered = await fetch(`${idp.issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        ...(name === undefined ? {} : { client_name: name }),
        redirect_uris: [REDIRECT],
        token_endpoint_auth_method: 'none',
      }),
    });
    expect(registered.status).toBe(201);
    const { client_id: clientId } = (await registered.json()) as { client_id: string };
    const url = new URL(`${idp.issuer}/auth`);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: REDIRECT,
      scope,
      resource: RESOURCE,
      state: 'state-1',
      code_challenge: createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    const send = browser();
    let response = await send(url.href);
    while (response.status >= 300 && response.status < 400) {
      response = await send(new URL(response.headers.get('location') ?? '', url).href);
    }
    return { send, clientId, response, html: await response.text(), url: response.url || url.href };
  }

  /** Follows redirects from `response` until a page or the client's redirect URI. */
  async function follow(send: ReturnType<typeof browser>, response: Response, base: string) {
    let current = response;
    let location = base;
    while (current.status >= 300 && current.status < 400) {
      location = new URL(current.headers.get('location') ?? '', location).href;
      if (location.startsWith(REDIRECT)) return { callback: new URL(location), html: '' };
      current = await send(location);
    }
    return { callback: undefined, html: await current.text(), response: current };
  }

  it('shows the sign-in form again with an error after a wrong password, then signs in', async () => {
    const { send, html, response } = await start('Wrong password client', 'openid notes:read');
    expect(response.status).toBe(200);
    expect(html).toContain('name="password"');
    const [login] = actions(html);
    const wrong = await send(new URL(login ?? '', idp.issuer).href, { login: '"><b>demo', password: 'nope' });
    expect(wrong.status).toBe(200);
    expect(wrong.headers.get('content-security-policy')).toContain("default-src 'none'");
    const again = await wrong.text();
    expect(again).toContain('Wrong user or password');
    // The same form, the user name kept (escaped), ready for another try.
    expect(actions(again)).toEqual([login]);
    expect(again).toContain('name="password"');
    expect(again).toContain('value="&#34;&#62;&#60;b&#62;demo"');
    expect(again).not.toContain('"><b>demo');

    const right = await send(new URL(login ?? '', idp.issuer).href, {
      login: USER.name,
      password: USER.password,
    });
    const consent = await follow(send, right, idp.issuer);
    expect(consent.html).toContain('Allow access?');
  });

  it('names the client by its client_name (escaped) and says what each scope allows', async () => {
    const name = 'Notes <script>alert(1)</script> app';
    const { send, clientId, html } = await start(name, 'openid notes:read mail:send');
    const right = await send(new URL(actions(html)[0] ?? '', idp.issuer).href, {
      login: USER.name,
      password: USER.password,
    });
    const consent = await follow(send, right, idp.issuer);
    expect(consent.response?.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(consent.html).toContain('Notes &#60;script&#62;alert(1)&#60;/script&#62; app');
    expect(consent.html).not.toContain('<script>');
    expect(consent.html).toContain(clientId);
    for (const description of [
      'Know who you are (your user id)',
      SCOPE_DESCRIPTIONS['notes:read'],
      SCOPE_DESCRIPTIONS['mail:send'],
    ]) {
      expect(consent.html).toContain(description);
    }
    expect(consent.html).not.toContain(SCOPE_DESCRIPTIONS['notes:write']);
  });

  it('falls back to the client id when the client gave no name', async () => {
    const { send, clientId, html } = await start(undefined, 'openid notes:read');
    const right = await send(new URL(actions(html)[0] ?? '', idp.issuer).href, {
      login: USER.name,
      password: USER.password,
    });
    const consent = await follow(send, right, idp.issuer);
    expect(consent.html).toContain(`<b>${clientId}</b> asks to:`);
  });

  it('Deny ends the request with access_denied on the client’s redirect URI, and no code', async () => {
    const { send, html } = await start('Denied client', 'openid notes:read');
    const right = await send(new URL(actions(html)[0] ?? '', idp.issuer).href, {
      login: USER.name,
      password: USER.password,
    });
    const consent = await follow(send, right, idp.issuer);
    const [allow, deny] = actions(consent.html);
    expect(allow).toMatch(/\/confirm$/);
    expect(deny).toMatch(/\/deny$/);
    expect(consent.html).toContain('>Deny</button>');
    const denied = await follow(send, await send(new URL(deny ?? '', idp.issuer).href, {}), idp.issuer);
    expect(denied.callback?.searchParams.get('error')).toBe('access_denied');
    expect(denied.callback?.searchParams.get('state')).toBe('state-1');
    expect(denied.callback?.searchParams.get('code')).toBeNull();
  });
});

describe('scope descriptions', () => {
  it('has a distinct, non-empty one for every tool scope', () => {
    const descriptions = Object.values(SCOPE_DESCRIPTIONS);
    expect(descriptions.every((text) => text.length > 0)).toBe(true);
    expect(new Set(descriptions).size).toBe(descriptions.length);
  });
});

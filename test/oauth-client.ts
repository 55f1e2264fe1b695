import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';

const REDIRECT = 'http://127.0.0.1:9/callback';

/** An MCP client's OAuth state kept in memory, as a desktop client keeps it on disk. */
export class MemoryOAuthProvider implements OAuthClientProvider {
  authorizationUrl: URL | undefined;
  private info: OAuthClientInformationMixed | undefined;
  private saved: OAuthTokens | undefined;
  private verifier = '';

  constructor(
    private readonly scope: string,
    private readonly redirect = REDIRECT,
    /** Where this client publishes its metadata (CIMD): the SDK uses it as client_id when offered. */
    readonly clientMetadataUrl?: string,
  ) {}

  get redirectUrl(): string {
    return this.redirect;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'test MCP client',
      redirect_uris: [this.redirect],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      scope: this.scope,
    };
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}

/** Plays the person at the browser, like {@link authorize}, and returns the code it got back. */
export async function signIn(authorizationUrl: URL, user: string, password: string): Promise<string> {
  const code = (await authorize(authorizationUrl, user, password)).searchParams.get('code');
  if (!code) throw new Error('no code in the callback');
  return code;
}

/**
 * Plays the person at the browser: follows the authorization URL through sign-in and consent
 * (keeping the IdP's cookies) and returns the callback URL it redirects back to, the client's
 * `redirect_uri` (code and `iss`, which a 2026 client checks), without visiting it.
 */
export async function authorize(authorizationUrl: URL, user: string, password: string): Promise<URL> {
  const redirect = authorizationUrl.searchParams.get('redirect_uri') ?? REDIRECT;
  const cookies = new Map<string, string>();
  const send = async (url: string, init: RequestInit = {}): Promise<Response> => {
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: {
        ...(init.headers as Record<string, string>),
        cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return response;
  };
  let url = authorizationUrl.href;
  for (let step = 0; step < 20; step++) {
    if (url.startsWith(`${redirect}?`)) return new URL(url);
    const response = await send(url);
    if (response.status >= 300 && response.status < 400) {
      url = new URL(response.headers.get('location') ?? '', url).href;
      continue;
    }
    const html = await response.text();
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`unexpected page at ${url}: ${html.slice(0, 300)}`);
    const form = /name="password"/.test(html)
      ? new URLSearchParams({ login: user, password })
      : new URLSearchParams();
    const posted = await send(new URL(action.replace(/&#47;/g, '/'), url).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    url = new URL(posted.headers.get('location') ?? '', url).href;
  }
  throw new Error('sign-in did not finish');
}

/** An MCP client that signs in through the whole OAuth dance and ends up connected. */
export async function connectWithOAuth(
  mcpUrl: string,
  user: string,
  password: string,
  scope: string,
  provider = new MemoryOAuthProvider(scope),
) {
  const connect = async () => {
    const client = new Client({ name: 'oauth-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
    await client.connect(transport);
    return { client, transport };
  };
  try {
    return { ...(await connect()), provider };
  } catch (error) {
    if (!(error instanceof UnauthorizedError) || !provider.authorizationUrl) throw error;
  }
  const code = await signIn(provider.authorizationUrl, user, password);
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
  await transport.finishAuth(code);
  return { ...(await connect()), provider };
}

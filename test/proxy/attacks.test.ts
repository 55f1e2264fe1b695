import { generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { ERAS, expectRefusal } from './eras.js';
import { useSignedPath } from './fixture.js';

/**
 * Requests to the proxy with hand-made tokens, each checked for status, challenge and reach, as a
 * 2025 and as a 2026-07-28 client sends them: the token and its scopes decide, not the era.
 */
describe('the proxy refuses tokens and scopes it must, and tells the client only what it should', () => {
  const env = useSignedPath('test-1');

  const resourceMetadata = () =>
    `${env.path.mcpUrl.replace(/\/mcp$/, '')}/.well-known/oauth-protected-resource/mcp`;
  const unsigned = (payload: object, header: object) =>
    `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;

  describe.each(ERAS)('from a $name client', (era) => {
    const listTools = era.request('tools/list');
    const createNote = era.request('tools/call', { name: 'nc_notes_create_note', arguments: { title: 'x' } });

    it('challenges a request without a token, pointing at the metadata and offering the scopes', async () => {
      const { response, reachedServer, text } = await env.post(listTools, undefined);
      expectRefusal(era, response, text, 401);
      const challenge = response.headers.get('www-authenticate') ?? '';
      expect(challenge).toMatch(/^Bearer /);
      expect(challenge).toContain(`resource_metadata="${resourceMetadata()}"`);
      expect(challenge).toContain('scope="notes:read notes:write');
      expect(challenge).not.toContain('error=');
      expect(reachedServer).toBe(false);
    });

    it.each<[string, () => Promise<string>]>([
      ['malformed', async () => 'not-a-jwt.at.all'],
      ['alg none', async () => unsigned({ iss: 'x', sub: 'demo', exp: 9e9 }, { alg: 'none' })],
      [
        'HS256 signed with the public key',
        async () => {
          const key = env.signer.jwk;
          const publicJwk = { kty: 'RSA', n: key.n, e: key.e };
          const now = Math.floor(Date.now() / 1000);
          return new SignJWT({
            iss: env.path.idp.issuer,
            sub: 'demo',
            aud: env.path.mcpUrl,
            scope: 'notes:read',
            exp: now + 60,
          })
            .setProtectedHeader({ alg: 'HS256', kid: key.kid })
            .sign(new TextEncoder().encode(JSON.stringify(publicJwk)));
        },
      ],
      ['unknown kid', () => env.token({}, { kid: 'no-such-key' })],
      ['wrong issuer', () => env.token({ iss: 'https://evil.example/realms/x' })],
      ['expired', () => env.token({ exp: Math.floor(Date.now() / 1000) - 120 })],
      ['not yet valid', () => env.token({ nbf: Math.floor(Date.now() / 1000) + 300 })],
      ['audience only nextcloud', () => env.token({ aud: 'nextcloud' })],
      ['audience absent', () => env.token({ aud: undefined })],
      ['audience of another resource', () => env.token({ aud: 'https://other.example/mcp' })],
      [
        'signed by another key with our kid',
        async () => {
          const other = await generateKeyPair('RS256');
          return new SignJWT({
            iss: env.path.idp.issuer,
            sub: 'demo',
            aud: env.path.mcpUrl,
            scope: 'notes:read',
            exp: 9e9,
          })
            .setProtectedHeader({ alg: 'RS256', kid: env.signer.jwk.kid })
            .sign(other.privateKey);
        },
      ],
    ])('refuses a token that is %s with 401 invalid_token and never forwards it', async (_name, make) => {
      const { response, reachedServer, text } = await env.post(listTools, await make());
      expectRefusal(era, response, text, 401);
      const challenge = response.headers.get('www-authenticate') ?? '';
      expect(challenge).toContain('error="invalid_token"');
      expect(challenge).toContain(`resource_metadata="${resourceMetadata()}"`);
      expect(text).not.toMatch(/expired|issuer|audience|signature|kid|alg/i);
      expect(reachedServer).toBe(false);
    });

    it('fetches the JWKS at most twice for a flood of 1,000 unknown key ids', async () => {
      const fetches = async () =>
        Number(
          /nextcloud_mcp_proxy_jwks_fetches_total (\d+)/.exec(
            await (await fetch(env.path.proxy.metricsUrl)).text(),
          )?.[1] ?? 0,
        );
      const before = await fetches();
      const tokens = await Promise.all(
        Array.from({ length: 1000 }, (_, i) => env.token({}, { kid: `random-${era.era}-${i}` })),
      );
      for (let i = 0; i < tokens.length; i += 100) {
        const batch = await Promise.all(tokens.slice(i, i + 100).map((t) => env.post(listTools, t)));
        expect(batch.every(({ response }) => response.status === 401)).toBe(true);
      }
      expect((await fetches()) - before).toBeLessThanOrEqual(2);
    });

    it('asks to step up for a tool whose scope the token lacks, before forwarding', async () => {
      const readOnly = await env.token({ scope: 'openid notes:read files:read' });
      const { response, reachedServer, text } = await env.post(createNote, readOnly);
      expectRefusal(era, response, text, 403);
      const challenge = response.headers.get('www-authenticate') ?? '';
      expect(challenge).toContain('error="insufficient_scope"');
      expect(challenge).toContain('scope="notes:write notes:read files:read"');
      expect(challenge).toContain(`resource_metadata="${resourceMetadata()}"`);
      expect(reachedServer).toBe(false);
    });

    it('does not let routing headers naming an allowed tool carry a call of a forbidden one', async () => {
      const readOnly = await env.token({ scope: 'notes:read' });
      const { response, reachedServer, text } = await env.post(createNote, readOnly, {
        'mcp-method': 'tools/call',
        'mcp-name': 'nc_notes_get_note',
      });
      expect(response.status).toBe(400);
      // Refused for the disagreement itself, which a 2026 client reads as HeaderMismatch.
      if (era.era === 'modern') expect(JSON.parse(text)).toMatchObject({ id: 1, error: { code: -32020 } });
      else expectRefusal(era, response, text, 400);
      expect(reachedServer).toBe(false);
    });

    it('refuses a token with no tool scope at all', async () => {
      const { response, reachedServer, text } = await env.post(
        listTools,
        await env.token({ scope: 'openid profile' }),
      );
      expectRefusal(era, response, text, 403);
      expect(response.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
      expect(reachedServer).toBe(false);
    });

    it('answers 401 when the IdP refuses the exchange (access_denied)', async () => {
      // Accepted by the proxy (the resource is an accepted audience) but without the proxy's client
      // in `aud`, so the IdP will not let the proxy exchange it.
      const { response, reachedServer, text } = await env.post(
        listTools,
        await env.token({ aud: env.path.mcpUrl }),
      );
      expectRefusal(era, response, text, 401);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
      expect(reachedServer).toBe(false);
    });
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProxyConfig } from '../../proxy/config.js';

const base = {
  PUBLIC_URL: 'https://mcp.acme.example/',
  ISSUER_URL: 'https://sso.example/realms/acme',
  CLIENT_ID: 'mcp-proxy',
  CLIENT_SECRET: 'a-long-enough-secret',
};

describe('proxy configuration', () => {
  it('applies the documented defaults and derives the resource and audiences', () => {
    const config = loadProxyConfig(base);
    expect(config).toMatchObject({
      AUTH_MODE: 'exchange',
      NEXTCLOUD_AUDIENCE: 'nextcloud',
      UPSTREAM_URL: 'http://127.0.0.1:8081',
      PORT: 8080,
      METRICS_PORT: 9090,
      resource: 'https://mcp.acme.example/mcp',
    });
    expect(config.audiences).toEqual(['https://mcp.acme.example/mcp', 'mcp-proxy']);
    expect(config.TOKEN_ALGORITHMS).not.toContain('none');
  });

  it('reads the client secret from a mounted file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'proxy-config-'));
    writeFileSync(join(dir, 'secret'), 'from-a-file-secret\n');
    const { CLIENT_SECRET: _, ...rest } = base;
    expect(loadProxyConfig({ ...rest, CLIENT_SECRET_FILE: join(dir, 'secret') }).CLIENT_SECRET).toBe(
      'from-a-file-secret',
    );
  });

  it.each([
    [{ ...base, PUBLIC_URL: undefined }, /PUBLIC_URL/],
    [{ ...base, ISSUER_URL: 'not a url' }, /ISSUER_URL/],
    [{ ...base, CLIENT_SECRET: undefined }, /CLIENT_ID: CLIENT_ID and CLIENT_SECRET/],
    [{ ...base, AUTH_MODE: 'trust-me' }, /AUTH_MODE/],
    [{ ...base, TOKEN_ALGORITHMS: 'RS256,HS256' }, /TOKEN_ALGORITHMS: asymmetric/],
    [{ ...base, TOKEN_ALGORITHMS: 'none' }, /TOKEN_ALGORITHMS/],
    [{ ...base, APPS: 'notes,games' }, /APPS/],
    [{ ...base, MAX_BODY_BYTES: '0' }, /MAX_BODY_BYTES/],
  ])('refuses %j with one line naming the variable', (env, message) => {
    expect(() => loadProxyConfig(env)).toThrow(message);
  });

  it('allows passthrough without a client, but only when asked for', () => {
    const { CLIENT_ID: _id, CLIENT_SECRET: _secret, ...rest } = base;
    expect(() => loadProxyConfig(rest)).toThrow();
    expect(
      loadProxyConfig({ ...rest, AUTH_MODE: 'passthrough', SESSION_SECRET: 'sixteen-chars-min!' }).AUTH_MODE,
    ).toBe('passthrough');
  });
});

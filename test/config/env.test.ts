import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/env.js';
import { loadProxyConfig } from '../../proxy/config.js';
import { loadConfig } from '../../server/config.js';

describe('the shared environment loader', () => {
  it('tells every problem at once, on one line', () => {
    let error: unknown;
    try {
      loadProxyConfig({ ISSUER_URL: 'not a url', APPS: 'notes,games', PORT: '70000' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    for (const variable of ['PUBLIC_URL', 'ISSUER_URL', 'APPS: unknown app(s) games', 'PORT']) {
      expect(message).toContain(variable);
    }
  });

  it('reports a *_FILE that cannot be read as one line naming it, not a stack', () => {
    expect(() =>
      loadConfig({
        NEXTCLOUD_URL: 'https://c.example',
        NEXTCLOUD_APP_PASSWORD_FILE: '/nonexistent/password',
      }),
    ).toThrow(
      /^invalid configuration: NEXTCLOUD_APP_PASSWORD_FILE: cannot read \/nonexistent\/password \(ENOENT\)$/,
    );
  });

  it('gives the three programs one app-list parser', () => {
    const apps = 'notes, files';
    expect(loadConfig({ NEXTCLOUD_URL: 'https://c.example', APPS: apps }).APPS).toEqual(['notes', 'files']);
    expect(
      loadProxyConfig({
        PUBLIC_URL: 'https://mcp.example',
        ISSUER_URL: 'https://id.example',
        SESSION_SECRET: 'sixteen-chars-min!',
        AUTH_MODE: 'passthrough',
        APPS: apps,
      }).APPS,
    ).toEqual(['notes', 'files']);
  });
});

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

  it('tells a cross-field rule along with the fields that failed, and an unreadable file once', () => {
    const problems = (env: NodeJS.ProcessEnv) => {
      try {
        loadProxyConfig(env);
      } catch (error) {
        return (error as ConfigError).problems;
      }
      return [];
    };
    expect(problems({ ISSUER_URL: 'not a url' })).toEqual([
      'PUBLIC_URL: required, not set',
      'ISSUER_URL: Invalid URL',
      'CLIENT_ID: CLIENT_ID and CLIENT_SECRET (or CLIENT_SECRET_FILE) are required in exchange mode',
      'SESSION_SECRET: required when there is no CLIENT_SECRET',
    ]);
    // The secret was given, as a file that cannot be read: nothing else complains about it.
    expect(
      problems({
        PUBLIC_URL: 'https://mcp.example',
        ISSUER_URL: 'https://sso.example',
        CLIENT_ID: 'proxy',
        CLIENT_SECRET_FILE: '/nonexistent/secret',
      }),
    ).toEqual(['CLIENT_SECRET_FILE: cannot read /nonexistent/secret (ENOENT)']);
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

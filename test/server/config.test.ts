import { describe, expect, it } from 'vitest';
import { APPS } from '../../contract/index.js';
import { loadConfig } from '../../server/config.js';

describe('server configuration', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({ NEXTCLOUD_URL: 'https://cloud.example' });
    expect(config).toMatchObject({ HOST: '127.0.0.1', PORT: 8081, APPS: [...APPS], LOG_LEVEL: 'info' });
    expect(config.MCP_TRANSPORT).toBe('http');
    expect(config.EXCLUDED_TAGS).toEqual([]);
  });

  it.each([
    [{}, /^invalid configuration: NEXTCLOUD_URL: /],
    [{ NEXTCLOUD_URL: 'ftp://cloud.example' }, /NEXTCLOUD_URL/],
    [{ NEXTCLOUD_URL: 'https://c.example', PORT: '70000' }, /PORT/],
    [
      { NEXTCLOUD_URL: 'https://c.example', APPS: 'notes,spreadsheets' },
      /APPS: unknown app\(s\) spreadsheets/,
    ],
    [
      { NEXTCLOUD_URL: 'https://c.example', EXCLUDED_TAGS: 'x'.repeat(65) },
      /^invalid configuration: EXCLUDED_TAGS\.0: a tag name has at most 64 characters$/,
    ],
    [
      {
        NEXTCLOUD_URL: 'https://c.example',
        EXCLUDED_TAGS: Array.from({ length: 21 }, (_, i) => `t${i}`).join(),
      },
      /^invalid configuration: EXCLUDED_TAGS: at most 20 tags$/,
    ],
    [
      { NEXTCLOUD_URL: 'https://c.example', MCP_TRANSPORT: 'stdio' },
      /NEXTCLOUD_USER and NEXTCLOUD_APP_PASSWORD/,
    ],
  ])('refuses %j with a one-line message naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('parses the enabled apps list', () => {
    expect(loadConfig({ NEXTCLOUD_URL: 'https://c.example', APPS: 'notes, files' }).APPS).toEqual([
      'notes',
      'files',
    ]);
  });

  it('parses the excluded tags: trimmed, without empties or repeats', () => {
    expect(
      loadConfig({ NEXTCLOUD_URL: 'https://c.example', EXCLUDED_TAGS: ' private, ,Confidential,private,' })
        .EXCLUDED_TAGS,
    ).toEqual(['private', 'Confidential']);
  });
});

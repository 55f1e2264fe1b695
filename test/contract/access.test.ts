import { describe, expect, it } from 'vitest';
import { type App, CATALOGUE, type Scope, toolAccess } from '../../contract/index.js';

const scopes = (...list: Scope[]) => new Set<Scope>(list);
const apps = (...list: App[]) => new Set<App>(list);

describe('toolAccess: the one rule both programs render', () => {
  it('answers unknown for a name that is no tool and for a tool of an app the tenant left out', () => {
    expect(toolAccess('nc_notes_drop_table', { scopes: scopes('notes:read'), apps: apps('notes') })).toEqual({
      kind: 'unknown',
    });
    expect(toolAccess('nc_notes_get_note', { scopes: scopes('notes:read'), apps: apps('files') }).kind).toBe(
      'unknown',
    );
    // A tool reaching into another app's data is unknown unless the tenant enabled that app too.
    expect(
      toolAccess('deck_attach_file', { scopes: scopes('deck:write', 'files:read'), apps: apps('deck') }).kind,
    ).toBe('unknown');
  });

  it('answers app-off, naming the apps, when this Nextcloud lacks an app the tenant enabled', () => {
    const access = toolAccess('deck_attach_note', {
      scopes: scopes('deck:write', 'files:read', 'notes:read'),
      apps: apps('deck', 'files', 'notes'),
      present: apps('deck', 'files'),
    });
    expect(access).toMatchObject({ kind: 'app-off', apps: ['notes'] });
  });

  it('answers missing with exactly the scopes the token lacks', () => {
    const access = toolAccess('deck_attach_note', {
      scopes: scopes('deck:write'),
      apps: apps('deck', 'files', 'notes'),
    });
    expect(access).toMatchObject({ kind: 'missing', scopes: ['files:read', 'notes:read'] });
  });

  it('answers ok with the canonical entry, for the name and for its nc_ alias', () => {
    const ctx = { scopes: scopes('deck:read'), apps: apps('deck') };
    expect(toolAccess('deck_get_boards', ctx)).toMatchObject({
      kind: 'ok',
      entry: { name: 'deck_get_boards' },
    });
    expect(toolAccess('nc_deck_get_boards', ctx)).toMatchObject({
      kind: 'ok',
      entry: { name: 'deck_get_boards', app: 'deck' },
    });
  });

  it('derives app and alias from each row: the app of its scope, nc_ + name for unprefixed names', () => {
    for (const entry of CATALOGUE) {
      expect(entry.app).toBe(entry.scope.split(':')[0]);
      expect(entry.alias).toBe(entry.name.startsWith('nc_') ? undefined : `nc_${entry.name}`);
      expect(entry.scopes[0]).toBe(entry.scope);
    }
  });
});

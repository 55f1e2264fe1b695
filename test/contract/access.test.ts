import { describe, expect, it } from 'vitest';
import {
  ALL_SCOPES,
  type App,
  CATALOGUE,
  type Scope,
  scopeAccess,
  toolAccess,
} from '../../contract/index.js';

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
    expect(access).toMatchObject({
      kind: 'app-off',
      apps: ['notes'],
      reason: 'needs the notes app, which is not enabled on this Nextcloud for you',
    });
  });

  it('answers app-off with the reason for tools on REST routes that refuse the credential, and only for those', () => {
    const ctx = {
      scopes: new Set(ALL_SCOPES),
      apps: apps('deck', 'files', 'notes', 'tables', 'mail', 'talk'),
      refused: new Map<App, string>([
        ['notes', 'needs Nextcloud 31 (Notes)'],
        ['deck', 'needs Nextcloud 31 (Deck)'],
        ['tables', 'needs Nextcloud 31 (Tables)'],
        ['mail', 'needs Nextcloud 31 (Mail)'],
      ]),
    };
    expect(toolAccess('nc_notes_get_note', ctx)).toMatchObject({
      kind: 'app-off',
      apps: ['notes'],
      reason: 'needs Nextcloud 31 (Notes)',
    });
    expect(toolAccess('deck_attach_note', ctx)).toMatchObject({
      kind: 'app-off',
      apps: ['deck', 'notes'],
      reason: 'needs Nextcloud 31 (Deck); needs Nextcloud 31 (Notes)',
    });
    const off = (name: string) => toolAccess(name, ctx).kind === 'app-off';
    // OCS and DAV take bearer tokens on every Nextcloud.
    expect(
      ['nc_tables_list_tables', 'nc_tables_get_schema', 'nc_tables_insert_row', 'deck_get_card_comments'].map(
        off,
      ),
    ).toEqual([false, false, false, false]);
    expect(
      ['nc_mail_list_messages', 'nc_mail_get_attachment', 'nc_mail_send_message', 'talk_send_message'].map(
        off,
      ),
    ).toEqual([false, false, false, false]);
    expect(
      ['nc_tables_read_table', 'nc_tables_delete_row', 'nc_mail_move_message', 'deck_get_boards'].map(off),
    ).toEqual([true, true, true, true]);
  });

  it('answers missing with exactly the scopes the token lacks', () => {
    const access = toolAccess('deck_attach_note', {
      scopes: scopes('deck:write'),
      apps: apps('deck', 'files', 'notes'),
    });
    expect(access).toMatchObject({ kind: 'missing', scopes: ['files:read', 'notes:read'] });
  });

  it('asks the files read scope of every tool that shares a path, as reading it would', () => {
    const ctx = { scopes: scopes('sharing:write'), apps: apps('sharing', 'files') };
    for (const name of ['nc_share_create', 'nc_share_create_public_link', 'nc_share_update']) {
      expect(toolAccess(name, ctx), name).toMatchObject({ kind: 'missing', scopes: ['files:read'] });
      expect(toolAccess(name, { ...ctx, scopes: scopes('sharing:write', 'files:read') }).kind).toBe('ok');
    }
    // Ending or listing shares hands nothing out.
    expect(toolAccess('nc_share_delete', ctx).kind).toBe('ok');
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

describe('scopeAccess: a scope reached beyond the tool’s own', () => {
  it('needs the app enabled for the tenant and the scope held', () => {
    expect(scopeAccess('deck:write', { scopes: scopes('deck:write'), apps: apps('deck') })).toBe('ok');
    expect(scopeAccess('deck:write', { scopes: scopes('deck:write'), apps: apps('files') })).toBe(
      'app-not-enabled',
    );
    expect(scopeAccess('deck:write', { scopes: scopes('deck:read'), apps: apps('deck') })).toBe('missing');
  });
});

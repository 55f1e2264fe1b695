import { describe, expect, it } from 'vitest';
import { deleteDeckBoard, deleteFolderIfEmpty, detachAll, folderExists, useCleanup } from '../cleanup.js';
import { call, callOk, unique, useServer } from '../harness.js';
import { hasApp } from '../nextcloud-apps.js';

/**
 * A note's file is not always named after its title: Notes calls a second note of a title
 * "<title> (2).md" (and sanitises names). Attaching a note must share the note's own file.
 */
describe.skipIf(!hasApp('deck'))('deck_attach_note', () => {
  const env = useServer({ webdav: true });
  const cleanup = useCleanup();
  const ok = (name: string, args: Record<string, unknown> = {}) => callOk(env.client, name, args);

  it('shares the file of the note it names, not the file its title would name', async () => {
    const board = await ok('deck_create_board', { title: unique('Attach'), color: '0082c9' });
    const stack = await ok('deck_create_stack', { board_id: board.id, title: 'Work' });
    const card = await ok('deck_create_card', { board_id: board.id, stack_id: stack.id, title: 'Plan' });
    cleanup.add(`Deck board ${board.id}`, () => deleteDeckBoard(env.target, board.id));
    const where = { board_id: board.id, stack_id: stack.id, card_id: card.id };
    cleanup.add(`the attachments of card ${card.id}`, () => detachAll(env.client, where));
    if (!(await folderExists(env.client, '/Notes'))) {
      await ok('nc_webdav_create_directory', { path: '/Notes' });
      cleanup.add('/Notes', () => deleteFolderIfEmpty(env.client, '/Notes'));
    }
    const title = unique('Twin');
    const first = await ok('nc_notes_create_note', { title, content: 'first' });
    cleanup.tool(() => env.client, 'nc_notes_delete_note', { note_id: first.id });
    const second = await ok('nc_notes_create_note', { title, content: 'second' });
    cleanup.tool(() => env.client, 'nc_notes_delete_note', { note_id: second.id });
    // The stand-in's Notes API keeps no files; a real Notes app writes them, the second as " (2)".
    if (env.target.standin) {
      for (const [name, content] of [
        [`${title}.md`, 'first'],
        [`${title} (2).md`, 'second'],
      ]) {
        await ok('nc_webdav_write_file', { path: `/Notes/${name}`, content });
        cleanup.tool(() => env.client, 'nc_webdav_delete_resource', { path: `/Notes/${name}` });
      }
    }
    const attached = await ok('deck_attach_note', { card_id: card.id, note_id: second.id });
    expect(attached.path).toBe(`/Notes/${title} (2).md`);
    const missing = await call(env.client, 'deck_attach_note', { card_id: card.id, note_id: 999_999_999 });
    expect(missing.isError).toBe(true);
  });
});

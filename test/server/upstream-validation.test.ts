import { describe, expect, it } from 'vitest';
import { call, useServer } from '../harness.js';

/**
 * Answers of the wrong shape: a Nextcloud app that changed its API must give a tool error naming
 * what was wrong, never a crash, a wrong result, or the user's data in the message. These bend the
 * stand-in's state, so they skip against a real server.
 */
describe.skipIf(Boolean(process.env.TEST_NEXTCLOUD_URL))(
  'when Nextcloud answers in an unexpected shape',
  () => {
    const env = useServer();

    const standin = () => {
      if (!env.target.standin) throw new Error('needs the stand-in');
      return env.target.standin;
    };

    /** A note whose stored fields are then replaced, as an app with another API would send them. */
    async function bentNote(changes: Record<string, unknown>): Promise<number> {
      const { data } = await call(env.client, 'nc_notes_create_note', {
        title: 'Bent',
        content: 'a private diary entry',
      });
      const id = data.id as number;
      const note = standin().notes.notes.get(id);
      if (!note) throw new Error(`the stand-in has no note ${id}`);
      Object.assign(note, changes);
      return id;
    }

    it('names the field that has the wrong type, not its value', async () => {
      const id = await bentNote({ title: 4711 });
      const result = await call(env.client, 'nc_notes_get_note', { note_id: id });
      expect(result.isError).toBe(true);
      expect(result.text).toBe(`Nextcloud sent an unexpected answer for Note ${id} (title: expected string)`);
      expect(result.text).not.toContain('diary');
      expect(result.text).not.toContain('4711');
      standin().notes.notes.delete(id);
    });

    it('refuses a list with one malformed entry instead of listing wrong times', async () => {
      const id = await bentNote({ modified: 'yesterday' });
      const result = await call(env.client, 'nc_notes_list_notes', {});
      expect(result.isError).toBe(true);
      expect(result.text).toMatch(/^Nextcloud sent an unexpected answer for The notes list \(\d+/);
      standin().notes.notes.delete(id);
    });

    it('says so when a resource read meets a malformed answer', async () => {
      const id = await bentNote({ content: ['not', 'text'] });
      await expect(env.client.readResource({ uri: `nc://notes/${id}` })).rejects.toThrow(
        `Nextcloud sent an unexpected answer for Note ${id} (content: expected string)`,
      );
      standin().notes.notes.delete(id);
    });

    it('checks the answers of other apps too (Tables columns)', async () => {
      const table = standin().tables.tables.get(1);
      const column = table?.columns[0];
      if (!column) throw new Error('the stand-in has no seeded table');
      const title = column.title;
      Object.assign(column, { title: null });
      try {
        const result = await call(env.client, 'nc_tables_get_schema', { table_id: 1 });
        expect(result.isError).toBe(true);
        expect(result.text).toBe(
          'Nextcloud sent an unexpected answer for Table 1 (0.title: expected string)',
        );
      } finally {
        column.title = title;
      }
    });
  },
);

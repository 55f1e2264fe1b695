/**
 * What the parameters taken over from the Python server (v0.181.0) do: the same as there. The
 * generated suite (python-calls.test.ts) shows they are accepted; this shows what they mean.
 */
import { describe, expect, it } from 'vitest';
import { deleteDeckBoard, useCleanup } from '../cleanup.js';
import { davHome } from '../dav-client.js';
import {
  basicAuth,
  call,
  callOk,
  groupwareAvailable,
  unique,
  useServer,
  webdavAvailable,
} from '../harness.js';
import { hasApp } from '../nextcloud-apps.js';

describe.runIf(webdavAvailable() && groupwareAvailable())(
  'parameters as the Python server means them',
  () => {
    const env = useServer({ webdav: true, groupware: true });
    const cleanup = useCleanup();
    const ok = (name: string, args: Record<string, unknown> = {}) => callOk(env.client, name, args);

    it.skipIf(!hasApp('deck'))(
      'Deck: description lengths, include_cards, done as a time, archived, type, source_* names',
      async () => {
        const board = await ok('deck_create_board', { title: unique('Compat'), color: '00aa00' });
        cleanup.add(`Deck board ${board.id}`, () => deleteDeckBoard(env.target, board.id));
        const stack = await ok('deck_create_stack', { board_id: board.id, title: 'To do', order: 1 });
        const where = { board_id: board.id, stack_id: stack.id };
        const card = await ok('deck_create_card', {
          ...where,
          title: 'Plan',
          description: 'x'.repeat(50),
          type: 'text',
        });
        expect((await ok('deck_get_card', { ...where, card_id: card.id })).title).toBe('Plan');

        const summary = await ok('deck_get_cards', { ...where, description_preview_length: 10 });
        expect(summary.cards[0].description_preview).toBe(`${'x'.repeat(10)}…`);
        const full = await ok('deck_get_cards', { ...where, detail: 'full', description_max_length: 20 });
        expect(full.cards[0].description).toBe(`${'x'.repeat(20)}…`);
        const bare = await ok('deck_get_stacks', { board_id: board.id, include_cards: false });
        expect(bare.stacks[0].cards).toEqual([]);

        const done = await ok('deck_update_card', {
          ...where,
          card_id: card.id,
          done: '2026-01-15T14:00:00+00:00',
        });
        expect(Date.parse(done.done)).toBe(Date.parse('2026-01-15T14:00:00Z'));
        const archived = await ok('deck_update_card', { ...where, card_id: card.id, archived: true });
        expect(archived).toMatchObject({ archived: true, title: 'Plan' });
        await ok('deck_update_card', { ...where, card_id: card.id, archived: false });

        const other = await ok('deck_create_board', { title: unique('Compat'), color: '0000aa' });
        cleanup.add(`Deck board ${other.id}`, () => deleteDeckBoard(env.target, other.id));
        const target = await ok('deck_create_stack', { board_id: other.id, title: 'In', order: 1 });
        const moved = await ok('deck_move_card_to_board', {
          source_board_id: board.id,
          source_stack_id: stack.id,
          card_id: card.id,
          target_board_id: other.id,
          target_stack_id: target.id,
        });
        expect(moved.stack_id).toBe(target.id);
      },
    );

    it('sharing: OCS share types and permission masks, short-lived links', async () => {
      const path = `/${unique('compat-share')}.md`;
      await ok('nc_webdav_write_file', { path, content: 'shared' });
      cleanup.tool(() => env.client, 'nc_webdav_delete_resource', { path });
      const user = await ok('nc_share_create', { path, share_with: 'bob', share_type: 0, permissions: 3 });
      expect(user).toMatchObject({ type: 'user', shareWith: 'bob', permissions: ['read', 'update'] });
      const narrowed = await ok('nc_share_update', { share_id: user.id, permissions: 1 });
      expect(narrowed.permissions).toEqual(['read']);
      const link = await ok('nc_share_create', { path, share_type: 3 });
      expect(link).toMatchObject({ type: 'link', shareWith: null, permissions: ['read'] });
      const mailed = await ok('nc_share_create', { path, share_type: 4, share_with: 'carol@example.com' });
      expect(mailed).toMatchObject({ type: 'email', shareWith: 'carol@example.com' });
      // A Deck card share reaches Deck's share provider, which answers for a card that is not there.
      const toCard = await call(env.client, 'nc_share_create', {
        path,
        share_type: 12,
        share_with: '999999',
      });
      expect(toCard.text).not.toMatch(/Input validation error|needs the deck:write scope/);
      const withRecipient = await call(env.client, 'nc_share_create', {
        path,
        share_type: 3,
        share_with: 'bob',
      });
      expect(withRecipient.text).toMatch(/A public link addresses nobody/);

      const day = (minutes: number) =>
        new Date(Date.now() + minutes * 60_000 + 86_400_000).toISOString().slice(0, 10);
      const short = await ok('nc_share_create_public_link', { path });
      expect([day(30), day(31)]).toContain(short.expiration);
      const week = await ok('nc_share_create_public_link', { path, expires_in_minutes: 7 * 24 * 60 });
      expect([day(7 * 24 * 60), day(7 * 24 * 60 + 1)]).toContain(week.expiration);
    });

    it('files: if_destination_match replaces only the version of the destination you read', async () => {
      const dir = `/${unique('compat-move')}`;
      await ok('nc_webdav_create_directory', { path: dir });
      cleanup.tool(() => env.client, 'nc_webdav_delete_resource', { path: dir });
      await ok('nc_webdav_write_file', { path: `${dir}/a.md`, content: 'new' });
      await ok('nc_webdav_write_file', { path: `${dir}/b.md`, content: 'old' });
      const { etag } = await ok('nc_webdav_read_file', { path: `${dir}/b.md` });
      const stale = await call(env.client, 'nc_webdav_copy_resource', {
        source_path: `${dir}/a.md`,
        destination_path: `${dir}/b.md`,
        overwrite: true,
        if_destination_match: '"not-the-etag"',
      });
      expect(stale.text).toMatch(/changed since you read it/);
      expect((await ok('nc_webdav_read_file', { path: `${dir}/b.md` })).content).toBe('old');
      const contradictory = await call(env.client, 'nc_webdav_move_resource', {
        source_path: `${dir}/a.md`,
        destination_path: `${dir}/b.md`,
        if_destination_match: etag,
      });
      expect(contradictory.text).toMatch(/needs overwrite: true/);
      await ok('nc_webdav_move_resource', {
        source_path: `${dir}/a.md`,
        destination_path: `${dir}/b.md`,
        overwrite: true,
        if_destination_match: etag,
      });
      expect((await ok('nc_webdav_read_file', { path: `${dir}/b.md` })).content).toBe('new');
      const gone = await call(env.client, 'nc_webdav_copy_resource', {
        source_path: `${dir}/b.md`,
        destination_path: `${dir}/missing.md`,
        overwrite: true,
        if_destination_match: etag,
      });
      expect(gone.text).toMatch(/does not exist/);
    });

    it('files: parse_document "raw" reads a document as it is; "auto" extracts text, refusing a broken PDF clearly', async () => {
      const path = `/${unique('compat-doc')}.pdf`;
      await ok('nc_webdav_write_file', { path, content: 'JVBERi0xLjQ=', encoding: 'base64' });
      cleanup.tool(() => env.client, 'nc_webdav_delete_resource', { path });
      expect((await ok('nc_webdav_read_file', { path, parse_document: 'raw' })).mimeType).toBe(
        'application/pdf',
      );
      const parsed = await call(env.client, 'nc_webdav_read_file', { path, parse_document: 'auto' });
      expect(parsed.text).toMatch(
        / is not a readable PDF \(.*\); parse_document: "raw" returns it as it is$/,
      );
    });

    it('calendar: reminders become VALARMs, Python defaults, complete_todo with a time and an etag', async () => {
      const calendar = unique('compat')
        .replace(/[^\w-]/g, '-')
        .toLowerCase();
      await ok('nc_calendar_manage_calendar', {
        action: 'create',
        calendar_name: calendar,
        display_name: 'Compat',
      });
      cleanup.add(`calendar ${calendar}`, () =>
        call(env.client, 'nc_calendar_manage_calendar', { action: 'delete', calendar_name: calendar }),
      );
      const ics = async (uid: string) => {
        const home = await davHome(env.target, 'calendar');
        const response = await fetch(`${env.target.url}/remote.php/dav${home}${calendar}/${uid}.ics`, {
          headers: { authorization: basicAuth(env.target.user, env.target.appPassword) },
        });
        return (await response.text()).replace(/\r\n /g, '');
      };
      const event = await ok('nc_calendar_create_event', {
        calendar_name: calendar,
        title: 'Review',
        start_datetime: '2026-01-15T14:00:00',
        color: 'tomato',
        reminders: JSON.stringify([
          { minutes_before: 30 },
          { action: 'EMAIL', trigger: '-P1D', related: 'END' },
          { trigger_at: '2026-01-15T08:00:00' },
        ]),
      });
      const written = await ics(event.uid);
      expect(written).toMatch(/PRIORITY:5\r\n/);
      expect(written).toMatch(/CLASS:PUBLIC\r\n/);
      expect(written).toMatch(/COLOR:tomato\r\n/);
      expect(written).toMatch(/TRIGGER:-PT30M\r\n/);
      expect(written).toMatch(/TRIGGER;RELATED=END:-P1D\r\n/);
      expect(written).toMatch(/TRIGGER;VALUE=DATE-TIME:20260115T080000Z\r\n/);
      expect(written).toMatch(/ACTION:EMAIL\r\nDESCRIPTION:Event reminder\r\nSUMMARY:Review\r\n/);

      await ok('nc_calendar_update_event', {
        calendar_name: calendar,
        event_uid: event.uid,
        reminder_email: true,
      });
      const shorthand = await ics(event.uid);
      expect(shorthand.match(/BEGIN:VALARM/g)).toHaveLength(2);
      expect(shorthand.match(/TRIGGER:-PT30M/g)).toHaveLength(2);
      expect(shorthand).toMatch(/ACTION:EMAIL/);

      const todo = await ok('nc_calendar_create_todo', {
        calendar_name: calendar,
        summary: 'Report',
        reminders: [{ minutes_before: 10 }],
      });
      expect(await ics(todo.uid)).toMatch(/DESCRIPTION:Todo reminder\r\nTRIGGER:-PT10M/);
      const stale = await call(env.client, 'nc_calendar_complete_todo', {
        calendar_name: calendar,
        todo_uid: todo.uid,
        etag: '"stale"',
      });
      expect(stale.isError).toBe(true);
      const completed = await ok('nc_calendar_complete_todo', {
        calendar_name: calendar,
        todo_uid: todo.uid,
        completed: '2026-01-15T14:00:00',
      });
      expect(completed).toMatchObject({
        status: 'COMPLETED',
        percent_complete: 100,
        completed: '2026-01-15T14:00:00Z',
      });
    });

    it.skipIf(!hasApp('tables'))('tables: a row is updated by its id alone', async () => {
      const { tables } = await ok('nc_tables_list_tables');
      const table = tables[0];
      if (!table) return; // a real Nextcloud without tables: nothing to update
      const schema = await ok('nc_tables_get_schema', { table_id: table.id });
      const column = schema.columns.find((c: { type: string }) => c.type === 'text');
      if (!column) return;
      const row = await ok('nc_tables_insert_row', { table_id: table.id, data: { [column.id]: 'before' } });
      cleanup.tool(() => env.client, 'nc_tables_delete_row', { row_id: row.id });
      const updated = await ok('nc_tables_update_row', { row_id: row.id, data: { [column.id]: 'after' } });
      expect(JSON.stringify(updated)).toContain('after');
    });
  },
);

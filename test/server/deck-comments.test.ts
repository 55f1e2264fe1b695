import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteDeckBoard, deleteFolderIfEmpty, detachAll, folderExists, useCleanup } from '../cleanup.js';
import {
  basicAuth,
  call,
  callOk,
  connectClient,
  STANDIN_USERS,
  textOf,
  unique,
  useServer,
} from '../harness.js';
import { hasApp } from '../nextcloud-apps.js';

/**
 * Deck comments, attachments, conditional reads, aliases and access rules; against the stand-in
 * (backed by a real WebDAV server for files) or a real Nextcloud's Deck.
 */
describe.skipIf(!hasApp('deck'))('deck comments and attachments', () => {
  const env = useServer({ webdav: true });
  const cleanup = useCleanup();
  const ok = (name: string, args: Record<string, unknown> = {}) => callOk(env.client, name, args);
  let where: { board_id: number; stack_id: number; card_id: number };

  beforeAll(async () => {
    const board = await ok('deck_create_board', { title: unique('Comments'), color: '0082c9' });
    const stack = await ok('deck_create_stack', { board_id: board.id, title: 'Work' });
    const card = await ok('deck_create_card', { board_id: board.id, stack_id: stack.id, title: 'Discuss' });
    where = { board_id: board.id, stack_id: stack.id, card_id: card.id };
    cleanup.add(`Deck board ${board.id}`, () => deleteDeckBoard(env.target, board.id));
    cleanup.add(`the attachments of card ${card.id}`, () => detachAll(env.client, where));
  });

  it('comments, replies, pages, edits and deletes', async () => {
    const first = await ok('deck_create_card_comment', {
      card_id: where.card_id,
      message: 'First thoughts',
    });
    expect(first).toMatchObject({ part_count: 1, parts: null, comment: { message: 'First thoughts' } });
    const reply = await ok('deck_create_card_comment', {
      card_id: where.card_id,
      message: 'A reply',
      parent_id: first.comment.id,
    });
    expect(reply.comment.reply_to).toBe(first.comment.id);
    for (const n of [1, 2, 3])
      await ok('deck_create_card_comment', { card_id: where.card_id, message: `Note ${n}` });
    const page = await ok('deck_get_card_comments', { card_id: where.card_id, limit: 2 });
    expect(page.comments.map((c: { message: string }) => c.message)).toEqual(['Note 3', 'Note 2']);
    expect(page.next_offset).toBe(2);
    const oldest = await ok('deck_get_card_comments', {
      card_id: where.card_id,
      limit: 2,
      order: 'oldest',
    });
    expect(oldest.comments.map((c: { message: string }) => c.message)).toEqual(['Note 2', 'Note 3']);
    const edited = await ok('deck_update_card_comment', {
      card_id: where.card_id,
      comment_id: first.comment.id,
      message: 'Second thoughts',
    });
    expect(edited.message).toBe('Second thoughts');
    await ok('deck_delete_card_comment', { card_id: where.card_id, comment_id: reply.comment.id });
    const all = await ok('deck_get_card_comments', { card_id: where.card_id, limit: 100 });
    expect(all.comments.map((c: { message: string }) => c.message)).toEqual([
      'Note 3',
      'Note 2',
      'Note 1',
      'Second thoughts',
    ]);
  });

  it('refuses an over-long comment without posting, or splits it into a thread on request', async () => {
    const before = (await ok('deck_get_card_comments', { card_id: where.card_id, limit: 100 })).comments
      .length;
    const paragraph = (n: number) => `Paragraph ${n}: ${'lorem ipsum dolor '.repeat(30)}done.`;
    const long = [1, 2, 3, 4].map(paragraph).join('\n\n');
    const refused = await call(env.client, 'deck_create_card_comment', {
      card_id: where.card_id,
      message: long,
    });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/over Deck's limit of 1000; nothing was posted\. .* as 4 comments/);
    expect(
      (await ok('deck_get_card_comments', { card_id: where.card_id, limit: 100 })).comments,
    ).toHaveLength(before);

    const thread = await ok('deck_create_card_comment', {
      card_id: where.card_id,
      message: long,
      overflow: 'split',
    });
    expect(thread.part_count).toBe(4);
    expect(thread.parts.map((p: { message: string }) => p.message.slice(0, 6))).toEqual([
      '(1/4) ',
      '(2/4) ',
      '(3/4) ',
      '(4/4) ',
    ]);
    for (const part of thread.parts.slice(1)) expect(part.reply_to).toBe(thread.comment.id);
    for (const part of thread.parts) expect([...part.message].length).toBeLessThanOrEqual(1000);
    expect(
      thread.parts.map((p: { message: string }) => p.message.replace(/^\(\d\/4\) /, '')).join('\n\n'),
    ).toBe(long);

    const tooLongEdit = await call(env.client, 'deck_update_card_comment', {
      card_id: where.card_id,
      comment_id: thread.comment.id,
      message: 'x'.repeat(1001),
    });
    expect(textOf(tooLongEdit)).toContain('nothing was changed');
  });

  it('attaches a file and a note by sharing them with the card, and detaches without deleting', async () => {
    const path = `/${unique('spec')}.md`;
    await ok('nc_webdav_write_file', { path, content: '# Spec' });
    cleanup.tool(() => env.client, 'nc_webdav_delete_resource', { path });
    const attached = await ok('deck_attach_file', { card_id: where.card_id, path });
    expect(attached).toMatchObject({ card_id: where.card_id, path });
    const note = await ok('nc_notes_create_note', { title: unique('Plan'), content: 'Plan body' });
    // The stand-in's Notes API keeps no files; a real Notes app writes the note's file (and /Notes) itself.
    if (!(await folderExists(env.client, '/Notes'))) {
      await ok('nc_webdav_create_directory', { path: '/Notes' });
      cleanup.add('/Notes', () => deleteFolderIfEmpty(env.client, '/Notes'));
    }
    await ok('nc_webdav_write_file', { path: `/Notes/${note.title}.md`, content: 'Plan body' });
    cleanup.tool(() => env.client, 'nc_webdav_delete_resource', { path: `/Notes/${note.title}.md` });
    // Deleting the note first: a real Notes app removes its file with it.
    cleanup.tool(() => env.client, 'nc_notes_delete_note', { note_id: note.id });
    const noteAttached = await ok('deck_attach_note', { card_id: where.card_id, note_id: note.id });
    expect(noteAttached.path).toBe(`/Notes/${note.title}.md`);

    const listed = await ok('deck_list_attachments', where);
    expect(listed.attachments.map((a: { type: string; path: string }) => [a.type, a.path])).toEqual(
      expect.arrayContaining([
        ['file', path],
        ['file', `/Notes/${note.title}.md`],
      ]),
    );
    await ok('deck_delete_attachment', { ...where, attachment_id: attached.attachment_id });
    const after = await ok('deck_list_attachments', where);
    expect(after.attachments.map((a: { id: number }) => a.id)).not.toContain(attached.attachment_id);
    expect((await ok('nc_webdav_read_file', { path })).content).toBe('# Spec');
    const missing = await call(env.client, 'deck_attach_file', {
      card_id: where.card_id,
      path: '/no/such/file.txt',
    });
    expect(missing.isError).toBe(true);
  });

  it('accepts the nc_deck_ alias on calls and lists each tool once', async () => {
    const tools = (await env.client.listTools()).tools.map((tool) => tool.name);
    expect(tools).toContain('deck_get_boards');
    expect(tools.some((name) => name.startsWith('nc_deck_'))).toBe(false);
    const aliased = await call(env.client, 'nc_deck_get_card', where);
    expect(aliased.isError, textOf(aliased)).toBeFalsy();
    expect(aliased.data.title).toBe('Discuss');
  });

  it('needs files:read besides deck:write to attach a file', async () => {
    const client = await connectClient(env.server.url, env.target, ['deck:read', 'deck:write']);
    const tools = (await client.listTools()).tools.map((tool) => tool.name);
    expect(tools).toContain('deck_create_card');
    expect(tools).not.toContain('deck_attach_file');
    const refused = await call(client, 'nc_deck_attach_file', { card_id: where.card_id, path: '/x.md' });
    expect(textOf(refused)).toContain('needs the files:read scope');
    await client.close();
  });

  describe.runIf(!process.env.TEST_NEXTCLOUD_URL)('with the stand-in', () => {
    afterAll(() => env.target.standin?.ocs.missingApps.delete('deck'));

    it('revalidates board reads by ETag and reuses the stacks until the board changes', async () => {
      const standin = env.target.standin;
      if (!standin) return;
      const stacksPath = `GET /index.php/apps/deck/api/v1.0/boards/${where.board_id}/stacks`;
      const count = () => standin.log.filter((line) => line === stacksPath).length;
      const title = async () =>
        (await ok('deck_get_board_overview', { board_id: where.board_id })).stacks[0].cards[0].title;
      // Deck's ETags have one-second resolution: only answers older than the last change are kept.
      await sleep(1100);
      await title();
      const first = count();
      await title();
      expect(count()).toBe(first);
      expect(standin.log.filter((line) => line.startsWith('304 GET')).length).toBeGreaterThan(0);
      await ok('deck_update_card', { ...where, title: 'Discuss soon' });
      expect(await title()).toBe('Discuss soon');
      expect(count()).toBe(first + 1);
      // A second change within the same second leaves Deck's ETags as they were: still seen.
      await ok('deck_update_card', { ...where, title: 'Discuss now' });
      expect(await title()).toBe('Discuss now');
    });

    it("refuses another user's board and hides Deck where the app is missing", async () => {
      const standin = env.target.standin;
      if (!standin) return;
      const response = await fetch(`${standin.url}/index.php/apps/deck/api/v1.0/boards`, {
        method: 'POST',
        headers: {
          authorization: basicAuth('bob', STANDIN_USERS.bob),
          'content-type': 'application/json',
          'ocs-apirequest': 'true',
        },
        body: JSON.stringify({ title: 'Private', color: 'ff0000' }),
      });
      const bobs = (await response.json()) as { id: number };
      const foreign = await call(env.client, 'deck_get_board', { board_id: bobs.id });
      expect(textOf(foreign)).toContain('Not allowed to access Deck board');
      expect(textOf(foreign)).toContain('Permission denied');

      standin.ocs.missingApps.add('deck');
      // Capabilities are cached per credential: bob has not been seen by the server yet.
      const bob = await connectClient(env.server.url, {
        ...env.target,
        user: 'bob',
        appPassword: STANDIN_USERS.bob,
      });
      const tools = (await bob.listTools()).tools.map((tool) => tool.name);
      expect(tools.some((name) => name.startsWith('deck_'))).toBe(false);
      expect(textOf(await call(bob, 'deck_get_boards'))).toContain('needs the deck app');
      await bob.close();
    });
  });
});

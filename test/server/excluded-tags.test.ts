import { beforeAll, describe, expect, it } from 'vitest';
import { deleteDeckBoard, detachAll, suiteTagAndFolder, useCleanup } from '../cleanup.js';
import { assignTag, dav, markFavorite, unassignTag } from '../dav-client.js';
import { call, unique, useServer, webdavAvailable } from '../harness.js';
import { hasApp } from '../nextcloud-apps.js';

/** With a real Nextcloud, TEST_NEXTCLOUD_SHARE_WITH names a user to share with (default: the stand-in's bob). */
const SHARE_WITH = process.env.TEST_NEXTCLOUD_SHARE_WITH ?? 'bob';
const EXCLUDED =
  /is excluded by this tenant's privacy settings: it or a folder above it carries an excluded tag$/;
const HOLDS = /holds files excluded by this tenant's privacy settings/;

describe.runIf(webdavAvailable())('excluded tags', () => {
  // A name of its own, so a real Nextcloud's existing "private" tag is not disturbed.
  const tagName = 'mcp-test-private';
  const env = useServer({ webdav: true, excludedTags: [tagName, 'no-such-tag'] });
  const cleanup = useCleanup();
  const root = `/${unique('mcp-excluded')}`;
  const open = `${root}/notes.txt`;
  const secret = `${root}/diary.txt`;
  const vault = `${root}/vault`;
  const inVault = `${vault}/passwords.txt`;
  let tagId: number;
  let secretId: number;
  let secretShare: number;

  /** The file's content straight from Nextcloud, to prove a refused write changed nothing. */
  async function contentOf(path: string): Promise<string> {
    return (await dav(env.target, 'GET', `/files/${env.target.user}${path}`)).text();
  }

  const names = (result: { data: { entries: { path: string }[] } }) =>
    result.data.entries.map((entry) => entry.path).sort();

  beforeAll(async () => {
    // The tag exists before the first tool call, as it would in a tenant configured for it.
    tagId = await suiteTagAndFolder(env, cleanup, tagName, root);
    await call(env.client, 'nc_webdav_create_directory', { path: vault });
    for (const [path, content] of [
      [open, 'shopping list'],
      [secret, 'dear diary'],
      [inVault, 'hunter2'],
    ] as const) {
      await call(env.client, 'nc_webdav_write_file', { path, content, content_type: 'text/plain' });
      await markFavorite(env.target, path);
    }
    // Shared before it was tagged: the share exists, but no tool shows it any more.
    const shared = await call(env.client, 'nc_share_create', {
      path: secret,
      share_type: 'user',
      share_with: SHARE_WITH,
    });
    secretShare = shared.data.id;
    cleanup.tool(() => env.client, 'nc_share_delete', { share_id: secretShare });
    secretId = (await call(env.client, 'nc_webdav_get_file_tags', { path: secret })).data.file_id;
    const vaultId = (await call(env.client, 'nc_webdav_get_file_tags', { path: vault })).data.file_id;
    await assignTag(env.target, secretId, tagId);
    await assignTag(env.target, vaultId, tagId);
    // First of all undone: the tools see what the tag hides again, to remove it.
    cleanup.add(`tag ${tagName} on ${secret} and ${vault}`, async () => {
      await unassignTag(env.target, secretId, tagId);
      await unassignTag(env.target, vaultId, tagId);
    });
  });

  it('never lists a tagged file, a tagged folder or what is inside it', async () => {
    expect(names(await call(env.client, 'nc_webdav_list_directory', { path: root }))).toEqual([open]);
    const inside = await call(env.client, 'nc_webdav_list_directory', { path: vault });
    expect(inside.isError).toBe(true);
    expect(inside.text).toMatch(EXCLUDED);
    expect(inside.text.startsWith(vault)).toBe(true);
  });

  it('never finds them by search, name, type or favorite', async () => {
    const txt = await call(env.client, 'nc_webdav_search_files', { scope: root, name_pattern: '*.txt' });
    expect(names(txt)).toEqual([open]);
    for (const pattern of ['diary', 'passwords', 'vault']) {
      expect(names(await call(env.client, 'nc_webdav_find_by_name', { pattern, scope: root }))).toEqual([]);
    }
    expect(
      names(await call(env.client, 'nc_webdav_find_by_type', { mime_type: 'text', scope: root })),
    ).toEqual([open]);
    expect(names(await call(env.client, 'nc_webdav_list_favorites', { scope: root }))).toEqual([open]);
    const inVaultScope = await call(env.client, 'nc_webdav_find_by_name', { pattern: 'pass', scope: vault });
    expect(inVaultScope.text).toMatch(EXCLUDED);
  });

  it('refuses to read them, their tags or their comments', async () => {
    for (const path of [secret, inVault]) {
      for (const [tool, args] of [
        ['nc_webdav_read_file', {}],
        ['nc_webdav_get_file_tags', {}],
        ['nc_webdav_list_comments', {}],
        ['nc_webdav_create_comment', { message: 'hi' }],
      ] as const) {
        const result = await call(env.client, tool, { path, ...args });
        expect(result.isError, `${tool} ${path}`).toBe(true);
        expect(result.text).toMatch(EXCLUDED);
      }
    }
    const readable = await call(env.client, 'nc_webdav_read_file', { path: open });
    expect(readable.data.content).toBe('shopping list');
  });

  it('refuses to write, create, move, copy or delete them, or into a tagged folder', async () => {
    const refused: [string, Record<string, unknown>, RegExp][] = [
      ['nc_webdav_write_file', { path: secret, content: 'overwritten' }, EXCLUDED],
      ['nc_webdav_write_file', { path: `${vault}/new.txt`, content: 'x' }, EXCLUDED],
      ['nc_webdav_create_directory', { path: `${vault}/sub` }, EXCLUDED],
      ['nc_webdav_delete_resource', { path: secret }, EXCLUDED],
      ['nc_webdav_delete_resource', { path: vault }, EXCLUDED],
      ['nc_webdav_delete_resource', { path: root }, HOLDS],
      ['nc_webdav_move_resource', { source_path: secret, destination_path: `${root}/moved.txt` }, EXCLUDED],
      ['nc_webdav_move_resource', { source_path: open, destination_path: `${vault}/notes.txt` }, EXCLUDED],
      ['nc_webdav_copy_resource', { source_path: inVault, destination_path: `${root}/copy.txt` }, EXCLUDED],
      ['nc_webdav_copy_resource', { source_path: root, destination_path: `${root}-copy` }, HOLDS],
    ];
    for (const [tool, args, message] of refused) {
      const result = await call(env.client, tool, args);
      expect(result.isError, `${tool} ${JSON.stringify(args)}`).toBe(true);
      expect(result.text).toMatch(message);
    }
    expect(await contentOf(secret)).toBe('dear diary');
    expect(await contentOf(inVault)).toBe('hunter2');
    expect((await dav(env.target, 'GET', `/files/${env.target.user}${root}/moved.txt`)).status).toBe(404);
    expect((await dav(env.target, 'GET', `/files/${env.target.user}${root}/copy.txt`)).status).toBe(404);

    const copy = `${root}/notes-copy.txt`;
    const copied = await call(env.client, 'nc_webdav_copy_resource', {
      source_path: open,
      destination_path: copy,
    });
    expect(copied.isError).toBeFalsy();
    expect((await call(env.client, 'nc_webdav_delete_resource', { path: copy })).isError).toBeFalsy();
  });

  it('refuses to share them and hides their shares', async () => {
    for (const [tool, args, message] of [
      ['nc_share_create', { path: secret, share_type: 'user', share_with: SHARE_WITH }, EXCLUDED],
      ['nc_share_create_public_link', { path: inVault }, EXCLUDED],
      ['nc_share_create_public_link', { path: root }, HOLDS],
    ] as const) {
      const result = await call(env.client, tool, args);
      expect(result.isError, `${tool} ${JSON.stringify(args)}`).toBe(true);
      expect(result.text).toMatch(message);
    }
    const link = await call(env.client, 'nc_share_create_public_link', { path: open });
    expect(link.isError).toBeFalsy();
    try {
      const all = await call(env.client, 'nc_share_list');
      const ids = all.data.shares.map((share: { id: number }) => share.id);
      expect(ids).toContain(link.data.id);
      expect(ids).not.toContain(secretShare);
      const inRoot = await call(env.client, 'nc_share_list', { path: root, subfiles: true });
      expect(inRoot.data.shares.map((share: { path: string }) => share.path)).toEqual([open]);
      for (const [tool, args] of [
        ['nc_share_get', { share_id: secretShare }],
        ['nc_share_update', { share_id: secretShare, note: 'widen it' }],
      ] as const) {
        const result = await call(env.client, tool, args);
        expect(result.isError, tool).toBe(true);
        expect(result.text).toMatch(EXCLUDED);
      }
    } finally {
      await call(env.client, 'nc_share_delete', { share_id: link.data.id });
    }
  });

  it.skipIf(!hasApp('deck'))('refuses to attach them to a Deck card', async () => {
    const board = await call(env.client, 'deck_create_board', {
      title: unique('Private'),
      color: 'ff0000',
    });
    const stack = await call(env.client, 'deck_create_stack', { board_id: board.data.id, title: 'Work' });
    const card = await call(env.client, 'deck_create_card', {
      board_id: board.data.id,
      stack_id: stack.data.id,
      title: 'Read this',
    });
    const where = { board_id: board.data.id, stack_id: stack.data.id, card_id: card.data.id };
    cleanup.add(`Deck board ${board.data.id}`, () => deleteDeckBoard(env.target, board.data.id));
    cleanup.add(`the attachments of card ${card.data.id}`, () => detachAll(env.client, where));
    const refused = await call(env.client, 'deck_attach_file', { card_id: card.data.id, path: inVault });
    expect(refused.isError).toBe(true);
    expect(refused.text).toMatch(EXCLUDED);
    const attached = await call(env.client, 'deck_attach_file', { card_id: card.data.id, path: open });
    expect(attached.isError, attached.text).toBeFalsy();
  });

  it('fails closed: when the tagged files cannot be read, nothing is listed', async (context) => {
    const standin = env.target.standin;
    if (!standin) return context.skip();
    standin.fail({ match: /^\/remote\.php\/dav\/files\//, method: 'REPORT', status: 503, times: 3 });
    const result = await call(env.client, 'nc_webdav_list_directory', { path: root });
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(
      /^The tenant's excluded tags could not be checked, so no file is shown or changed/,
    );
    expect(names(await call(env.client, 'nc_webdav_list_directory', { path: root }))).toEqual([open]);
  });

  it('follows a tag that an admin deleted and created again under a new id', async (context) => {
    const meta = env.target.standin?.filesMeta;
    const tag = meta?.tags.get(tagId);
    if (!meta || !tag) return context.skip();
    // What an admin's delete and re-create leaves: same name, new id, on the same files.
    const renewed = { ...tag, id: meta.nextTagId++ };
    const swap = (from: number, to: number) => {
      for (const ids of meta.tagged.values()) if (ids.delete(from)) ids.add(to);
    };
    meta.tags.delete(tagId);
    meta.tags.set(renewed.id, renewed);
    swap(tagId, renewed.id);
    try {
      expect(names(await call(env.client, 'nc_webdav_list_directory', { path: root }))).toEqual([open]);
    } finally {
      meta.tags.delete(renewed.id);
      meta.tags.set(tagId, tag);
      swap(renewed.id, tagId);
    }
  });

  it('shows a file again as soon as the tag is removed', async () => {
    await unassignTag(env.target, secretId, tagId);
    try {
      expect(names(await call(env.client, 'nc_webdav_list_directory', { path: root }))).toEqual([
        secret,
        open,
      ]);
      expect((await call(env.client, 'nc_webdav_read_file', { path: secret })).data.content).toBe(
        'dear diary',
      );
    } finally {
      await assignTag(env.target, secretId, tagId);
    }
  });
});

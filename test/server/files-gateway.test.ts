import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_TOOLS } from '../../server/tools/index.js';
import { deleteDeckBoard, detachAll, suiteTagAndFolder, useCleanup } from '../cleanup.js';
import { assignTag, dav, markFavorite, unassignTag } from '../dav-client.js';
import { call, unique, useServer, webdavAvailable } from '../harness.js';
import { hasApp } from '../nextcloud-apps.js';

/** With a real Nextcloud, TEST_NEXTCLOUD_SHARE_WITH names a user to share with (default: the stand-in's bob). */
const SHARE_WITH = process.env.TEST_NEXTCLOUD_SHARE_WITH ?? 'bob';
const WITH_DECK = hasApp('deck');
const EXCLUDED =
  /is excluded by this tenant's privacy settings: it or a folder above it carries an excluded tag$/;
/** The arguments that name a file or folder of the caller's; every tool taking one needs a case below. */
const PATH_ARGUMENTS = ['path', 'source_path', 'destination_path', 'scope'];

/** The server's own sources, as `server/...` paths with their text. */
function serverSources(): { file: string; text: string }[] {
  const root = join(import.meta.dirname, '../..');
  return readdirSync(join(root, 'server'), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(root, 'server', name))
    .map((path) => ({ file: relative(root, path), text: readFileSync(path, 'utf8') }));
}

describe.runIf(webdavAvailable())('the files gateway', () => {
  const tagName = 'mcp-test-gateway';
  const env = useServer({ webdav: true, excludedTags: [tagName] });
  const cleanup = useCleanup();
  const root = `/${unique('mcp-gateway')}`;
  const open = `${root}/open.txt`;
  // Tagged, with a name that has a decomposed form: "é" as one code point (NFC, as Nextcloud stores it).
  const secret = `${root}/caf\u00e9.txt`;
  // The same name as macOS writes it (NFD); Nextcloud maps it to the same file.
  const decomposed = secret.normalize('NFD');
  const vault = `${root}/vault`;
  const inVault = `${vault}/inner.txt`;
  let tagId: number;
  let secretShare: number;
  let card = 0;
  let where: { board_id: number; stack_id: number; card_id: number } | undefined;

  const paths = (result: { data: { entries: { path: string }[] } }) =>
    result.data.entries.map((entry) => entry.path).sort();

  beforeAll(async () => {
    expect(decomposed).not.toBe(secret);
    tagId = await suiteTagAndFolder(env, cleanup, tagName, root);
    await call(env.client, 'nc_webdav_create_directory', { path: vault });
    for (const path of [open, secret, inVault]) {
      await call(env.client, 'nc_webdav_write_file', {
        path,
        content: `text of ${path}`,
        content_type: 'text/plain',
      });
      await markFavorite(env.target, path);
    }
    // Shared before it was tagged, so there is a share of it to hide.
    const shared = await call(env.client, 'nc_share_create', {
      path: secret,
      share_type: 'user',
      share_with: SHARE_WITH,
    });
    secretShare = shared.data.id;
    cleanup.tool(() => env.client, 'nc_share_delete', { share_id: secretShare });
    if (WITH_DECK) {
      const board = await call(env.client, 'deck_create_board', {
        title: unique('Gateway'),
        color: '00ff00',
      });
      const stack = await call(env.client, 'deck_create_stack', { board_id: board.data.id, title: 'To do' });
      card = (
        await call(env.client, 'deck_create_card', {
          board_id: board.data.id,
          stack_id: stack.data.id,
          title: 'Attach here',
        })
      ).data.id;
      where = { board_id: board.data.id, stack_id: stack.data.id, card_id: card };
      const attachedTo = where;
      cleanup.add(`Deck board ${board.data.id}`, () => deleteDeckBoard(env.target, board.data.id));
      cleanup.add(`the attachments of card ${card}`, () => detachAll(env.client, attachedTo));
      // Attached before the tag, so the card lists a file the tag now hides.
      for (const path of [open, secret]) await call(env.client, 'deck_attach_file', { card_id: card, path });
    }
    for (const path of [secret, vault]) {
      const { file_id } = (await call(env.client, 'nc_webdav_get_file_tags', { path })).data;
      await assignTag(env.target, file_id, tagId);
      // First of all undone: the tools see what the tag hides again, to remove it.
      cleanup.add(`tag ${tagName} on ${path}`, () => unassignTag(env.target, file_id, tagId));
    }
  });

  /**
   * Per tool that takes a path: calls aimed at what the tag covers, each of which must be refused.
   * The decomposed spelling of the tagged name is among them for every tool that names one file.
   */
  const refused: Record<string, () => Record<string, unknown>[]> = {
    nc_webdav_list_directory: () => [{ path: vault }],
    nc_webdav_read_file: () => [{ path: secret }, { path: inVault }, { path: decomposed }],
    nc_webdav_write_file: () => [
      { path: secret, content: 'changed' },
      { path: decomposed, content: 'changed' },
      { path: `${vault}/new.txt`, content: 'new' },
    ],
    nc_webdav_create_directory: () => [{ path: `${vault}/sub` }],
    nc_webdav_delete_resource: () => [{ path: secret }, { path: decomposed }, { path: inVault }],
    nc_webdav_move_resource: () => [
      { source_path: decomposed, destination_path: `${root}/moved.txt` },
      { source_path: open, destination_path: `${vault}/open.txt` },
      { source_path: open, destination_path: decomposed, overwrite: true },
    ],
    nc_webdav_copy_resource: () => [
      { source_path: inVault, destination_path: `${root}/copy.txt` },
      { source_path: open, destination_path: decomposed, overwrite: true },
    ],
    nc_webdav_search_files: () => [{ scope: vault, name_pattern: '*' }],
    nc_webdav_find_by_name: () => [{ scope: vault, pattern: 'inner' }],
    nc_webdav_find_by_type: () => [{ scope: vault, mime_type: 'text' }],
    nc_webdav_list_favorites: () => [{ scope: vault }],
    nc_webdav_get_file_tags: () => [{ path: decomposed }, { path: inVault }],
    nc_webdav_list_comments: () => [{ path: decomposed }, { path: inVault }],
    nc_webdav_create_comment: () => [
      { path: decomposed, message: 'hi' },
      { path: inVault, message: 'hi' },
    ],
    nc_versions_list: () => [{ path: decomposed }, { path: inVault }],
    nc_versions_restore: () => [
      { path: decomposed, version_id: '1' },
      { path: inVault, version_id: '1' },
    ],
    nc_share_list: () => [{ path: decomposed }, { path: vault, subfiles: true }],
    nc_share_create: () => [{ path: decomposed, share_type: 'user', share_with: SHARE_WITH }],
    nc_share_create_public_link: () => [{ path: decomposed }, { path: inVault }],
    deck_attach_file: () =>
      WITH_DECK
        ? [
            { card_id: card, path: decomposed },
            { card_id: card, path: inVault },
          ]
        : [],
  };

  it('has refusal cases for every tool that takes a path of your files', () => {
    const pathTools = ALL_TOOLS.filter((tool) =>
      Object.keys(tool.input).some((key) => PATH_ARGUMENTS.includes(key)),
    );
    expect(Object.keys(refused).sort()).toEqual(pathTools.map((tool) => tool.name).sort());
  });

  it.each(Object.keys(refused))('%s refuses what the excluded tag covers', async (tool) => {
    for (const args of refused[tool]?.() ?? []) {
      const result = await call(env.client, tool, args);
      expect(result.isError, `${tool} ${JSON.stringify(args)}: ${result.text}`).toBe(true);
      expect(result.text).toMatch(EXCLUDED);
    }
  });

  it('changed nothing that was refused', async () => {
    const read = async (path: string) =>
      (await dav(env.target, 'GET', `/files/${env.target.user}${path}`)).text();
    expect(await read(secret)).toBe(`text of ${secret}`);
    expect(await read(inVault)).toBe(`text of ${inVault}`);
    for (const path of [`${root}/moved.txt`, `${root}/copy.txt`, `${vault}/new.txt`, `${vault}/open.txt`]) {
      expect((await dav(env.target, 'GET', `/files/${env.target.user}${path}`)).status, path).toBe(404);
    }
  });

  it('leaves what the tag covers out of every listing and search', async () => {
    expect(paths(await call(env.client, 'nc_webdav_list_directory', { path: root }))).toEqual([open]);
    const listings = [
      ['nc_webdav_search_files', { scope: root, name_pattern: '*.txt' }],
      ['nc_webdav_search_files', { scope: root, only_favorites: true }],
      ['nc_webdav_find_by_name', { scope: root, pattern: 'caf' }],
      ['nc_webdav_find_by_name', { scope: root, pattern: 'inner' }],
      ['nc_webdav_find_by_type', { scope: root, mime_type: 'text/plain' }],
      ['nc_webdav_list_favorites', { scope: root }],
    ] as const;
    for (const [tool, args] of listings) {
      const found = paths(await call(env.client, tool, args));
      expect(found, `${tool} ${JSON.stringify(args)}`).not.toContain(secret);
      expect(found).not.toContain(inVault);
      expect(found).not.toContain(vault);
    }
    expect(paths(await call(env.client, 'nc_webdav_list_favorites', { scope: root }))).toEqual([open]);
    const shares = await call(env.client, 'nc_share_list', { path: root, subfiles: true });
    expect(shares.data.shares.map((share: { id: number }) => share.id)).not.toContain(secretShare);
  });

  it('refuses to show or widen an existing share of what the tag covers', async () => {
    for (const [tool, args] of [
      ['nc_share_get', { share_id: secretShare }],
      ['nc_share_update', { share_id: secretShare, expire_date: '2999-12-31' }],
    ] as const) {
      const result = await call(env.client, tool, args);
      expect(result.isError, tool).toBe(true);
      expect(result.text).toMatch(EXCLUDED);
    }
  });

  it('still serves the files the tag does not cover', async () => {
    expect((await call(env.client, 'nc_webdav_read_file', { path: open })).data.content).toBe(
      `text of ${open}`,
    );
    const copy = `${root}/open-copy.txt`;
    const copied = await call(env.client, 'nc_webdav_copy_resource', {
      source_path: open,
      destination_path: copy,
    });
    expect(copied.isError, copied.text).toBeFalsy();
    expect((await call(env.client, 'nc_webdav_delete_resource', { path: copy })).isError).toBeFalsy();
    const link = await call(env.client, 'nc_share_create_public_link', { path: open });
    expect(link.isError, link.text).toBeFalsy();
    await call(env.client, 'nc_share_delete', { share_id: link.data.id });
  });

  it.runIf(WITH_DECK)("leaves a file the tags hide out of a card's attachments", async () => {
    const listed = await call(env.client, 'deck_list_attachments', where ?? {});
    expect(listed.isError, listed.text).toBeFalsy();
    const paths = listed.data.attachments.map((attachment: { path: string | null }) => attachment.path);
    expect(paths).toContain(open);
    expect(paths).not.toContain(secret);
  });

  it('is the only code that applies the excluded tags', () => {
    const users = serverSources().filter(({ text }) => text.includes("/tag-exclusion.js'"));
    expect(users.map(({ file }) => file)).toEqual([join('server', 'nextcloud', 'files.ts')]);
    // Tools reach files through ctx.files, not the DAV code below it; mail only borrows its text
    // decoding (no file).
    const lowLevel = serverSources().filter(
      ({ file, text }) =>
        file.includes(join('server', 'tools')) && /\/nextcloud\/(webdav|file-meta)\.js'/.test(text),
    );
    expect(lowLevel.map(({ file }) => file).sort()).toEqual(
      ['mail.ts'].map((name) => join('server', 'tools', name)),
    );
  });
});

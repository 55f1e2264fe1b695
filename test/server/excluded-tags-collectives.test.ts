import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignTag, deleteTag, suiteTag } from '../dav-client.js';
import { call, callOk, unique, useServer, webdavAvailable } from '../harness.js';
import { hasApp } from '../nextcloud-apps.js';

/**
 * The excluded tags hold for Collectives pages: a page is a markdown file in the collective's
 * folder and its id is that file's id, so a tagged page, or one in a tagged folder (an index page's
 * subpages), is neither listed, found, read, changed, moved, copied nor trashed, and no page is
 * moved or created into a tagged folder.
 */
const EXCLUDED = /is excluded by this tenant's privacy settings/;

interface Page {
  id: number;
  title: string;
  path: string | null;
}

describe.skipIf(!hasApp('collectives') || !webdavAvailable())('excluded tags on collectives', () => {
  // Fixed: only admins may delete a system tag, so a real Nextcloud keeps it for the next run.
  const tagName = 'mcp-test-pages-private';
  const env = useServer({ webdav: true, excludedTags: [tagName] });
  const name = unique('Wiki');
  let tagId: number;
  let collective: number;
  let open: Page;
  let secret: Page;
  let vault: Page;
  let inside: Page;

  const ok = (name: string, args: Record<string, unknown> = {}) => callOk(env.client, name, args);
  const create = (parent: number, title: string, content: string): Promise<Page> =>
    ok('collectives_create_page', { collective_id: collective, parent_id: parent, title, content });
  const pageIds = async () =>
    (await ok('collectives_get_pages', { collective_id: collective })).pages.map((p: Page) => p.id);

  beforeAll(async () => {
    tagId = await suiteTag(env.target, tagName);
    collective = (await ok('collectives_create_collective', { name })).id;
    open = await create(0, 'Open', 'nothing secret here');
    secret = await create(0, 'Secret', 'the secret recipe');
    vault = await create(0, 'Vault', 'the vault');
    inside = await create(vault.id, 'Inside', 'the secret inside');
    // The vault became an index page: its folder holds it and its subpages.
    const folder = (await ok('collectives_get_page', { collective_id: collective, page_id: vault.id })).path;
    const folderId = (await ok('nc_webdav_get_file_tags', { path: folder.replace(/\/Readme\.md$/, '') }))
      .file_id;
    await assignTag(env.target, secret.id, tagId);
    await assignTag(env.target, folderId, tagId);
  });
  afterAll(async () => {
    if (!env.client || collective === undefined) return;
    await call(env.client, 'collectives_trash_collective', { collective_id: collective });
    await call(env.client, 'collectives_delete_collective', { collective_id: collective, delete_team: true });
    await deleteTag(env.target, tagId);
  });

  it('never lists or finds a tagged page, or a page in a tagged folder', async () => {
    const ids = await pageIds();
    expect(ids).toContain(open.id);
    for (const hidden of [secret, vault, inside]) expect(ids, hidden.title).not.toContain(hidden.id);
    const listed = await ok('collectives_get_pages', { collective_id: collective });
    expect(listed.total).toBe(ids.length);
    const found = await ok('collectives_search_pages', { collective_id: collective, query: 'secret' });
    expect(found.pages.map((p: Page) => p.id)).toEqual([open.id]);
    expect(JSON.stringify(found)).not.toMatch(/Secret|Inside/);
  });

  it('refuses to read, change, move, copy or trash them, and to move or create pages into them', async () => {
    const page = { collective_id: collective };
    for (const [tool, args] of [
      ['collectives_get_page', { ...page, page_id: secret.id }],
      ['collectives_get_page', { ...page, page_id: inside.id }],
      ['collectives_set_page_emoji', { ...page, page_id: secret.id, emoji: '🔓' }],
      ['collectives_assign_tag', { ...page, page_id: inside.id, tag_id: 1 }],
      ['collectives_move_page', { ...page, page_id: secret.id, title: 'Public' }],
      ['collectives_move_page', { ...page, page_id: inside.id, parent_id: 0 }],
      ['collectives_move_page', { ...page, page_id: secret.id, parent_id: open.id, copy: true }],
      ['collectives_move_page', { ...page, page_id: open.id, parent_id: vault.id }],
      ['collectives_create_page', { ...page, parent_id: vault.id, title: 'More' }],
      ['collectives_trash_page', { ...page, page_id: secret.id }],
      ['collectives_trash_page', { ...page, page_id: vault.id }],
    ] as const) {
      const result = await call(env.client, tool, args);
      expect(result.isError, `${tool} ${JSON.stringify(args)}: ${result.text}`).toBe(true);
      expect(result.text).toMatch(EXCLUDED);
    }
    const state = env.target.standin?.collectives.pages;
    if (state) {
      expect(state.get(secret.id)).toMatchObject({ path: 'Secret.md', emoji: null });
      expect(state.get(secret.id)?.trash).toBeUndefined();
      expect(state.get(inside.id)).toMatchObject({ path: 'Vault/Inside.md', tags: [] });
      expect(state.get(open.id)?.path).toBe('Open.md');
      expect([...state.values()].filter((p) => p.collectiveId === collective)).toHaveLength(5);
    }
    const read = await ok('collectives_get_page', { ...page, page_id: open.id });
    expect(read.content).toBe('nothing secret here');
  });
});

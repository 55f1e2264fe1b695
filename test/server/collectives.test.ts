import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  connectClient,
  STANDIN_USERS,
  textOf,
  unique,
  useServer,
  webdavAvailable,
} from '../harness.js';
import { hasApp } from '../nextcloud-apps.js';

const real = Boolean(process.env.TEST_NEXTCLOUD_URL);

interface Page {
  id: number;
  title: string;
  parent_id: number;
  path: string | null;
}

/**
 * Collectives tools against the Collectives stand-in, whose page files live on the real WebDAV
 * server (Apache mod_dav) as they live in a member's files on Nextcloud.
 */
describe.skipIf(!hasApp('collectives') || !webdavAvailable())('collectives tools', () => {
  const env = useServer({ webdav: true });
  const name = unique('Wiki');
  let collective: number;
  let landing: number;
  const pages = async () =>
    (await call(env.client, 'collectives_get_pages', { collective_id: collective })).data.pages as Page[];
  const page = async (title: string) => {
    const found = (await pages()).find((p) => p.title === title);
    if (!found) throw new Error(`no page "${title}"`);
    return found;
  };

  beforeAll(async () => {
    const created = await call(env.client, 'collectives_create_collective', { name, emoji: '📘' });
    expect(created.isError, textOf(created)).toBeFalsy();
    collective = created.data.id;
  });
  afterAll(async () => {
    // A real Nextcloud keeps what a run created unless it is trashed and deleted with its team.
    if (!env.client || collective === undefined) return;
    await call(env.client, 'collectives_trash_collective', { collective_id: collective });
    await call(env.client, 'collectives_delete_collective', {
      collective_id: collective,
      delete_team: true,
    });
  });

  it('creates a collective with a landing page and refuses a second of the same name', async () => {
    const list = await call(env.client, 'collectives_get_collectives');
    expect(list.data.collectives).toContainEqual(
      expect.objectContaining({ id: collective, name, emoji: '📘', can_edit: true, trashed_at: null }),
    );
    const duplicate = await call(env.client, 'collectives_create_collective', { name });
    expect(duplicate.isError).toBe(true);
    expect(textOf(duplicate)).toContain('already exists');
    const [only] = await pages();
    expect(only).toMatchObject({ parent_id: 0, title: 'Landing page' });
    expect(only?.path).toMatch(new RegExp(`/${name}/Readme\\.md$`));
    landing = only?.id ?? 0;
    const read = await call(env.client, 'collectives_get_page', {
      collective_id: collective,
      page_id: landing,
    });
    expect(read.isError, textOf(read)).toBeFalsy();
    expect(typeof read.data.content).toBe('string');
  });

  it('creates pages with their text, nests them, numbers taken titles and pages the list', async () => {
    const recipes = await call(env.client, 'collectives_create_page', {
      collective_id: collective,
      parent_id: 0,
      title: 'Recipes',
      content: '# Recipes\n\nBanana bread and more.\n',
    });
    expect(recipes.isError, textOf(recipes)).toBeFalsy();
    expect(recipes.data).toMatchObject({ title: 'Recipes', parent_id: landing, emoji: null, tags: [] });
    expect(recipes.data.path).toMatch(new RegExp(`/${name}/Recipes\\.md$`));
    const bread = await call(env.client, 'collectives_create_page', {
      collective_id: collective,
      parent_id: recipes.data.id,
      title: 'Bread',
    });
    expect(bread.data).toMatchObject({ title: 'Bread', parent_id: recipes.data.id });
    expect(bread.data.path).toMatch(/\/Recipes\/Bread\.md$/);
    // A page with a subpage becomes the index page of a folder, keeping its id and its text.
    const read = await call(env.client, 'collectives_get_page', {
      collective_id: collective,
      page_id: recipes.data.id,
    });
    expect(read.data).toMatchObject({ title: 'Recipes', content: '# Recipes\n\nBanana bread and more.\n' });
    expect(read.data.path).toMatch(/\/Recipes\/Readme\.md$/);
    expect(read.data.etag).toBeTruthy();
    const again = await call(env.client, 'collectives_create_page', {
      collective_id: collective,
      parent_id: 0,
      title: 'Recipes',
    });
    expect(again.data.title).toBe('Recipes (2)');
    const first = await call(env.client, 'collectives_get_pages', { collective_id: collective, limit: 2 });
    expect(first.data).toMatchObject({ total: 4, next_offset: 2 });
    expect(first.data.pages).toHaveLength(2);
    const rest = await call(env.client, 'collectives_get_pages', { collective_id: collective, offset: 2 });
    expect(rest.data.next_offset).toBeNull();
    expect([...first.data.pages, ...rest.data.pages].map((p: Page) => p.title).sort()).toEqual([
      'Bread',
      'Landing page',
      'Recipes',
      'Recipes (2)',
    ]);
  });

  it('hands out the path that the WebDAV tools read and write', async () => {
    const bread = await page('Bread');
    const written = await call(env.client, 'nc_webdav_write_file', {
      path: bread.path,
      content: '# Bread\n\nFlour, water, salt.\n',
    });
    expect(written.isError, textOf(written)).toBeFalsy();
    const read = await call(env.client, 'collectives_get_page', {
      collective_id: collective,
      page_id: bread.id,
    });
    expect(read.data.content).toBe('# Bread\n\nFlour, water, salt.\n');
    expect(read.data.size).toBe(Buffer.byteLength('# Bread\n\nFlour, water, salt.\n'));
    expect(read.data.modified).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('moves, renames and copies pages, never the landing page or into itself', async () => {
    const bread = await page('Bread');
    const moved = await call(env.client, 'collectives_move_page', {
      collective_id: collective,
      page_id: bread.id,
      parent_id: 0,
      title: 'Sourdough',
    });
    expect(moved.isError, textOf(moved)).toBeFalsy();
    expect(moved.data).toMatchObject({
      id: bread.id,
      title: 'Sourdough',
      parent_id: landing,
      copied: false,
    });
    expect(moved.data.path).toMatch(new RegExp(`/${name}/Sourdough\\.md$`));
    const copy = await call(env.client, 'collectives_move_page', {
      collective_id: collective,
      page_id: bread.id,
      copy: true,
    });
    expect(copy.data).toMatchObject({ title: 'Sourdough (2)', parent_id: landing, copied: true });
    expect(copy.data.id).not.toBe(bread.id);
    const copied = await call(env.client, 'collectives_get_page', {
      collective_id: collective,
      page_id: copy.data.id,
    });
    expect(copied.data.content).toBe('# Bread\n\nFlour, water, salt.\n');
    const landingMove = await call(env.client, 'collectives_move_page', {
      collective_id: collective,
      page_id: landing,
      title: 'Home',
    });
    expect(textOf(landingMove)).toContain('landing page');
    const recipes = await page('Recipes');
    const intoItself = await call(env.client, 'collectives_move_page', {
      collective_id: collective,
      page_id: recipes.id,
      parent_id: recipes.id,
    });
    expect(textOf(intoItself)).toContain('to itself');
  });

  it('tags pages and sets and clears emojis', async () => {
    const tag = await call(env.client, 'collectives_create_tag', {
      collective_id: collective,
      name: 'urgent',
      color: '#FF0000',
    });
    expect(tag.isError, textOf(tag)).toBeFalsy();
    expect(tag.data).toMatchObject({ name: 'urgent', color: 'FF0000' });
    const twice = await call(env.client, 'collectives_create_tag', {
      collective_id: collective,
      name: 'urgent',
      color: '00FF00',
    });
    expect(textOf(twice)).toContain('already exists');
    const red = await call(env.client, 'collectives_create_tag', {
      collective_id: collective,
      name: 'red',
      color: 'red',
    });
    expect(textOf(red)).toContain('Input validation error');
    const tags = await call(env.client, 'collectives_get_tags', { collective_id: collective });
    expect(tags.data.tags).toEqual([{ id: tag.data.id, name: 'urgent', color: 'FF0000' }]);

    const recipes = await page('Recipes');
    const ids = { collective_id: collective, page_id: recipes.id, tag_id: tag.data.id };
    expect((await call(env.client, 'collectives_assign_tag', ids)).data.tags).toEqual([tag.data.id]);
    expect((await call(env.client, 'collectives_assign_tag', ids)).data.tags).toEqual([tag.data.id]);
    expect((await call(env.client, 'collectives_remove_tag', ids)).data.tags).toEqual([]);
    const unknown = await call(env.client, 'collectives_assign_tag', { ...ids, tag_id: 999_999 });
    expect(textOf(unknown)).toContain('not found');

    const ids2 = { collective_id: collective, page_id: recipes.id };
    expect((await call(env.client, 'collectives_set_page_emoji', { ...ids2, emoji: '🍞' })).data.emoji).toBe(
      '🍞',
    );
    expect((await call(env.client, 'collectives_get_page', ids2)).data.emoji).toBe('🍞');
    await call(env.client, 'collectives_set_page_emoji', ids2);
    expect((await call(env.client, 'collectives_get_page', ids2)).data.emoji).toBeNull();
    const notOne = await call(env.client, 'collectives_set_page_emoji', { ...ids2, emoji: 'ab' });
    expect(textOf(notOne)).toContain('single emoji');

    const set = await call(env.client, 'collectives_set_collective_emoji', {
      collective_id: collective,
      emoji: '📚',
    });
    expect(set.data.emoji).toBe('📚');
    const cleared = await call(env.client, 'collectives_set_collective_emoji', {
      collective_id: collective,
    });
    expect(cleared.data.emoji).toBeNull();
  });

  it('searches the text of pages', async () => {
    const found = await call(env.client, 'collectives_search_pages', {
      collective_id: collective,
      query: 'banana',
    });
    expect(found.isError, textOf(found)).toBeFalsy();
    expect(found.data.query).toBe('banana');
    // A real Nextcloud indexes page text in a background job, so only the stand-in is current.
    if (!real) expect(found.data.pages.map((p: Page) => p.title)).toEqual(['Recipes']);
  });

  it('trashes a page and restores it with its text', async () => {
    const sourdough = await page('Sourdough');
    const ids = { collective_id: collective, page_id: sourdough.id };
    const trashed = await call(env.client, 'collectives_trash_page', ids);
    expect(trashed.isError, textOf(trashed)).toBeFalsy();
    expect(trashed.data.trashed_at).toMatch(/^\d{4}-/);
    expect((await pages()).map((p) => p.id)).not.toContain(sourdough.id);
    expect(textOf(await call(env.client, 'collectives_get_page', ids))).toContain('not found');
    const trash = await call(env.client, 'collectives_get_trashed_pages', { collective_id: collective });
    expect(trash.data.pages).toContainEqual(
      expect.objectContaining({ id: sourdough.id, title: 'Sourdough', path: null }),
    );
    const restored = await call(env.client, 'collectives_restore_page', ids);
    expect(restored.data).toMatchObject({ id: sourdough.id, title: 'Sourdough', trashed_at: null });
    expect((await call(env.client, 'collectives_get_page', ids)).data.content).toBe(
      '# Bread\n\nFlour, water, salt.\n',
    );
    const again = await call(env.client, 'collectives_restore_page', ids);
    expect(textOf(again)).toContain('not found');
  });

  it('trashes, restores and deletes a collective', async () => {
    const other = await call(env.client, 'collectives_create_collective', { name: unique('Scratch') });
    const id = other.data.id;
    const trashed = await call(env.client, 'collectives_trash_collective', { collective_id: id });
    expect(trashed.data.trashed_at).toMatch(/^\d{4}-/);
    const live = await call(env.client, 'collectives_get_collectives');
    expect(live.data.collectives.map((c: { id: number }) => c.id)).not.toContain(id);
    const trash = await call(env.client, 'collectives_get_trashed_collectives');
    expect(trash.data.collectives.map((c: { id: number }) => c.id)).toContain(id);
    expect(textOf(await call(env.client, 'collectives_get_pages', { collective_id: id }))).toContain(
      'not found',
    );
    const restored = await call(env.client, 'collectives_restore_collective', { collective_id: id });
    expect(restored.data).toMatchObject({ id, trashed_at: null });
    const [home] = (await call(env.client, 'collectives_get_pages', { collective_id: id })).data.pages;
    const text = await call(env.client, 'collectives_get_page', { collective_id: id, page_id: home.id });
    expect(typeof text.data.content).toBe('string');

    await call(env.client, 'collectives_trash_collective', { collective_id: id });
    const deleted = await call(env.client, 'collectives_delete_collective', {
      collective_id: id,
      delete_team: true,
    });
    expect(deleted.data).toMatchObject({ collective_id: id, deleted: true, team_deleted: true });
    const gone = await call(env.client, 'collectives_get_trashed_collectives');
    expect(gone.data.collectives.map((c: { id: number }) => c.id)).not.toContain(id);
    const twice = await call(env.client, 'collectives_delete_collective', { collective_id: id });
    expect(textOf(twice)).toContain('not found');
  });

  it('takes the nc_ alias on calls and lists only the Python name', async () => {
    const byAlias = await call(env.client, 'nc_collectives_get_pages', { collective_id: collective });
    expect(byAlias.isError, textOf(byAlias)).toBeFalsy();
    expect(byAlias.data.total).toBeGreaterThan(0);
    const names = (await env.client.listTools()).tools.map((tool) => tool.name);
    expect(names).toContain('collectives_get_pages');
    expect(names).not.toContain('nc_collectives_get_pages');
  });

  it.skipIf(real)('keeps a collective from other users and says when the app is missing', async () => {
    const bob = await connectClient(env.server.url, {
      ...env.target,
      user: 'bob',
      appPassword: STANDIN_USERS.bob,
    });
    const list = await call(bob, 'collectives_get_collectives');
    expect(list.data.collectives).toEqual([]);
    expect(textOf(await call(bob, 'collectives_get_pages', { collective_id: collective }))).toContain(
      'not found',
    );
    await bob.close();
    env.target.standin?.ocs.missingApps.add('collectives');
    const missing = await call(env.client, 'collectives_get_collectives');
    env.target.standin?.ocs.missingApps.delete('collectives');
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toContain('Collectives app is not installed or not enabled');
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { suiteTagAndFolder, useCleanup } from '../cleanup.js';
import { assignTag, dav, unassignTag } from '../dav-client.js';
import { call, callOk, unique, useServer, webdavAvailable } from '../harness.js';

type Item = { name: string; filename: string; original_location: string; type: string; deleted_at: string };

describe.runIf(webdavAvailable())('trash bin', () => {
  const env = useServer({ webdav: true });
  const cleanup = useCleanup();
  const root = `/${unique('mcp-trash')}`;

  /** Writes a file and deletes it with the tool; its item in the trash bin. */
  async function trashed(path: string, content = 'x'): Promise<Item> {
    await callOk(env.client, 'nc_webdav_write_file', { path, content });
    await callOk(env.client, 'nc_webdav_delete_resource', { path });
    const { items } = await callOk(env.client, 'nc_trashbin_list');
    const item = items.find((candidate: Item) => candidate.original_location === path);
    expect(item, path).toBeDefined();
    return item;
  }
  const read = async (path: string) => (await callOk(env.client, 'nc_webdav_read_file', { path })).content;

  beforeAll(async () => {
    await callOk(env.client, 'nc_webdav_create_directory', { path: root });
    cleanup.tool(() => env.client, 'nc_webdav_delete_resource', { path: root });
  });

  it('lists a deleted file with where it was, and restores it there', async () => {
    const item = await trashed(`${root}/a.txt`, 'alpha');
    expect(item).toMatchObject({ filename: 'a.txt', type: 'file', size: 5, file_id: expect.any(Number) });
    expect(item.name).toMatch(/^a\.txt\.d\d+$/);
    expect(new Date(item.deleted_at).getTime()).toBeGreaterThan(Date.now() - 60_000);
    const restored = await callOk(env.client, 'nc_trashbin_restore', { name: item.name });
    expect(restored).toMatchObject({ restored_to: `${root}/a.txt`, renamed: false });
    expect(await read(`${root}/a.txt`)).toBe('alpha');
    const { items } = await callOk(env.client, 'nc_trashbin_list');
    expect(items.some((candidate: Item) => candidate.name === item.name)).toBe(false);
  });

  it('restores beside a file that took its name since, as Nextcloud renames it', async () => {
    const item = await trashed(`${root}/b.txt`, 'old');
    await callOk(env.client, 'nc_webdav_write_file', { path: `${root}/b.txt`, content: 'new' });
    const restored = await callOk(env.client, 'nc_trashbin_restore', { name: item.name });
    expect(restored).toMatchObject({ restored_to: `${root}/b (restored).txt`, renamed: true });
    expect(await read(`${root}/b.txt`)).toBe('new');
    expect(await read(`${root}/b (restored).txt`)).toBe('old');
  });

  it('restores to the files root when its folder is gone', async () => {
    const folder = `${root}/gone-${unique('f')}`;
    await callOk(env.client, 'nc_webdav_create_directory', { path: folder });
    const item = await trashed(`${folder}/c.txt`, 'gamma');
    await callOk(env.client, 'nc_webdav_delete_resource', { path: folder });
    const restored = await callOk(env.client, 'nc_trashbin_restore', { name: item.name });
    cleanup.tool(() => env.client, 'nc_webdav_delete_resource', { path: restored.restored_to });
    expect(restored.restored_to).toMatch(/^\/c( \(restored( \d+)?\))?\.txt$/);
    expect(restored.renamed).toBe(true);
    expect(await read(restored.restored_to)).toBe('gamma');
  });

  it('deletes an item for good, after which it cannot be restored', async () => {
    const item = await trashed(`${root}/d.txt`);
    expect(await callOk(env.client, 'nc_trashbin_delete', { name: item.name })).toMatchObject({
      deleted: true,
    });
    const again = await call(env.client, 'nc_trashbin_restore', { name: item.name });
    expect(again.isError).toBe(true);
    expect(again.text).toBe(
      `There is no item ${item.name} in your trash bin; nc_trashbin_list shows their names`,
    );
  });

  it('says clearly when an item is not there', async () => {
    for (const tool of ['nc_trashbin_restore', 'nc_trashbin_delete']) {
      const result = await call(env.client, tool, { name: 'nope.txt.d1' });
      expect(result.text).toBe(
        'There is no item nope.txt.d1 in your trash bin; nc_trashbin_list shows their names',
      );
    }
    const bad = await call(env.client, 'nc_trashbin_delete', { name: '../x' });
    expect(bad.text).toMatch(/^Input validation error: nc_trashbin_delete: name:/);
  });

  // Only against the stand-in: emptying a real account's trash bin would destroy what it holds.
  it.runIf(!process.env.TEST_NEXTCLOUD_URL)('empties the trash bin', async () => {
    await trashed(`${root}/e.txt`);
    const { items } = await callOk(env.client, 'nc_trashbin_list');
    expect(await callOk(env.client, 'nc_trashbin_empty')).toEqual({ deleted_items: items.length });
    expect((await callOk(env.client, 'nc_trashbin_list')).items).toEqual([]);
  });
});

describe.runIf(webdavAvailable())('trash bin and excluded tags', () => {
  const tagName = 'mcp-test-private';
  const env = useServer({ webdav: true, excludedTags: [tagName] });
  const cleanup = useCleanup();
  const root = `/${unique('mcp-trash-excluded')}`;
  const open = `${root}/open.txt`;
  const secret = `${root}/secret.txt`;
  const vault = `${root}/vault`;
  const HIDDEN = /^There is no item .* in your trash bin; nc_trashbin_list shows their names$/;
  /** Every item's name, as Nextcloud's own trash bin lists them, past the tools. */
  let allNames: string[] = [];

  beforeAll(async () => {
    const tagId = await suiteTagAndFolder(env, cleanup, tagName, root);
    await callOk(env.client, 'nc_webdav_create_directory', { path: vault });
    for (const path of [open, secret, `${vault}/inner.txt`])
      await callOk(env.client, 'nc_webdav_write_file', { path, content: 'x' });
    const idOf = async (path: string) =>
      (await callOk(env.client, 'nc_webdav_get_file_tags', { path })).file_id;
    const ids = [await idOf(secret), await idOf(vault)];
    for (const id of ids) await assignTag(env.target, id, tagId);
    // Deleted past the tools, which refuse to: in the web interface, say.
    for (const path of [`${vault}/inner.txt`, secret, vault, open])
      expect((await dav(env.target, 'DELETE', `/files/${env.target.user}${path}`)).status).toBe(204);
    cleanup.add('untag', async () => {
      for (const id of ids) await unassignTag(env.target, id, tagId).catch(() => undefined);
    });
    const listing = await dav(env.target, 'PROPFIND', `/trashbin/${env.target.user}/trash`, { depth: '1' });
    allNames = [...(await listing.text()).matchAll(/<nc:trashbin-filename>([^<]+)</g)].map((m) => m[1] ?? '');
  });

  it('never lists a trashed tagged file, a tagged folder or what was deleted from inside it', async () => {
    expect(allNames).toEqual(expect.arrayContaining(['secret.txt', 'vault', 'inner.txt', 'open.txt']));
    const { items } = await callOk(env.client, 'nc_trashbin_list');
    const mine = items.filter((item: Item) => item.original_location.startsWith(`${root}/`));
    expect(mine.map((item: Item) => item.original_location)).toEqual([open]);
  });

  it('refuses to restore or delete them, and to empty the trash bin that holds them', async () => {
    const listing = await dav(env.target, 'PROPFIND', `/trashbin/${env.target.user}/trash`, { depth: '1' });
    const hrefs = [...(await listing.text()).matchAll(/<d:href>[^<]*\/trash\/([^<]+?)\/?<\/d:href>/g)];
    const names = hrefs
      .map((m) => decodeURIComponent(m[1] ?? ''))
      .filter((name) => !name.startsWith('open.txt'));
    expect(names.length).toBeGreaterThanOrEqual(3);
    for (const name of names) {
      for (const tool of ['nc_trashbin_restore', 'nc_trashbin_delete']) {
        const result = await call(env.client, tool, { name });
        expect(result.isError, `${tool} ${name}`).toBe(true);
        expect(result.text).toMatch(HIDDEN);
      }
    }
    const empty = await call(env.client, 'nc_trashbin_empty');
    expect(empty.text).toMatch(/^The trash bin holds files excluded by this tenant's privacy settings/);
    const after = await dav(env.target, 'PROPFIND', `/trashbin/${env.target.user}/trash`, { depth: '1' });
    expect(await after.text()).toContain('<nc:trashbin-filename>secret.txt<');
  });
});

import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { deleteFolderIfEmpty, folderExists, useCleanup } from '../cleanup.js';
import { dav, markFavorite } from '../dav-client.js';
import { call, unique, useServer, webdavAvailable } from '../harness.js';

describe.runIf(webdavAvailable())('webdav tools', () => {
  const env = useServer({ webdav: true, readMaxBytes: 64 * 1024 });
  const root = `/${unique('mcp-test')}`;
  const cleanup = useCleanup();

  beforeAll(async () => {
    expect((await call(env.client, 'nc_webdav_create_directory', { path: root })).isError).toBeFalsy();
    cleanup.tool(() => env.client, 'nc_webdav_delete_resource', { path: root });
  });

  it('writes, lists and reads text files, names with spaces and unicode included', async () => {
    const path = `${root}/Grüße und mehr.md`;
    const written = await call(env.client, 'nc_webdav_write_file', { path, content: '# Hallo\n' });
    expect(written.isError).toBeFalsy();
    expect(written.data).toMatchObject({ path, created: true, size: 8 });
    expect(written.data.etag).toEqual(expect.any(String));

    const listing = await call(env.client, 'nc_webdav_list_directory', { path: root });
    expect(listing.data.path).toBe(root);
    const entry = listing.data.entries.find((item: { path: string }) => item.path === path);
    expect(entry).toMatchObject({ name: 'Grüße und mehr.md', type: 'file', size: 8, favorite: false });
    expect(listing.data.entries.some((item: { path: string }) => item.path === root)).toBe(false);

    const read = await call(env.client, 'nc_webdav_read_file', { path });
    expect(read.data).toMatchObject({ path, isText: true, content: '# Hallo\n', size: 8 });
    expect(read.content[0]).toEqual({ type: 'text', text: '# Hallo\n' });
  });

  it('reads and deletes a listed file whose name holds a literal %', async () => {
    const name = '50% off %zz %41.txt';
    const put = await dav(env.target, 'PUT', `/files/${env.target.user}${root}/${name}`, { body: 'sale' });
    expect(put.status).toBe(201);
    const listing = await call(env.client, 'nc_webdav_list_directory', { path: root });
    const entry = listing.data.entries.find((item: { name: string }) => item.name === name);
    expect(entry).toMatchObject({ path: `${root}/${name}`, type: 'file', size: 4 });
    const read = await call(env.client, 'nc_webdav_read_file', { path: entry.path });
    expect(read.isError, read.text).toBeFalsy();
    expect(read.data.content).toBe('sale');
    const deleted = await call(env.client, 'nc_webdav_delete_resource', { path: entry.path });
    expect(deleted.isError, deleted.text).toBeFalsy();
    expect((await dav(env.target, 'GET', `/files/${env.target.user}${root}/${name}`)).status).toBe(404);
  });

  it('refuses to read a folder, pointing to the listing instead of returning a web page', async () => {
    const read = await call(env.client, 'nc_webdav_read_file', { path: root });
    expect(read.isError).toBe(true);
    expect(read.text).toBe(`${root} is a folder; list it with nc_webdav_list_directory`);
  });

  it('refuses content that is not valid base64 instead of writing garbage', async () => {
    const path = `${root}/garbage.bin`;
    for (const content of ['not base64!', 'abc', 'QUJD=QUJD']) {
      const written = await call(env.client, 'nc_webdav_write_file', { path, content, encoding: 'base64' });
      expect(written.isError, content).toBe(true);
      expect(written.text).toBe('content is not valid base64 (A-Z, a-z, 0-9, + and /, padded with =)');
    }
    expect((await call(env.client, 'nc_webdav_read_file', { path })).text).toBe(`File ${path} not found`);
    const ok = await call(env.client, 'nc_webdav_write_file', {
      path,
      content: 'QUJD\nREVG',
      encoding: 'base64',
    });
    expect(ok.data).toMatchObject({ size: 6 });
  });

  it('returns binary files as a content block with their mime type', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    const path = `${root}/pixel.png`;
    await call(env.client, 'nc_webdav_write_file', {
      path,
      content: png.toString('base64'),
      encoding: 'base64',
    });
    const read = await call(env.client, 'nc_webdav_read_file', { path });
    expect(read.data).toMatchObject({
      isText: false,
      content: null,
      mimeType: 'image/png',
      size: png.length,
    });
    expect(read.content[0]).toEqual({ type: 'image', mimeType: 'image/png', data: png.toString('base64') });
  });

  it('refuses files above the read limit with a clear error', async () => {
    const path = `${root}/big.txt`;
    await call(env.client, 'nc_webdav_write_file', { path, content: 'x'.repeat(70 * 1024) });
    const read = await call(env.client, 'nc_webdav_read_file', { path });
    expect(read.isError).toBe(true);
    expect(read.text).toBe(`File ${path} is 70.0 KiB, above the limit of 64.0 KiB`);
  });

  /** Waits into the next second: Nextcloud keeps an etag across writes within one (server#63994). */
  const nextSecond = () => sleep(1050 - (Date.now() % 1000));

  it('guards writes with the etag: a stale etag changes nothing', async () => {
    const path = `${root}/guarded.txt`;
    const first = await call(env.client, 'nc_webdav_write_file', { path, content: 'one' });
    await nextSecond();
    const second = await call(env.client, 'nc_webdav_write_file', {
      path,
      content: 'two',
      if_match: first.data.etag,
    });
    expect(second.isError).toBeFalsy();
    expect(second.data.created).toBe(false);
    const stale = await call(env.client, 'nc_webdav_write_file', {
      path,
      content: 'three',
      if_match: first.data.etag,
    });
    expect(stale.isError).toBe(true);
    expect(stale.text).toBe(
      `File ${path} changed since you read it (etag mismatch): read it again and retry`,
    );
    expect((await call(env.client, 'nc_webdav_read_file', { path })).data.content).toBe('two');

    const noOverwrite = await call(env.client, 'nc_webdav_write_file', {
      path,
      content: 'four',
      overwrite: false,
    });
    expect(noOverwrite.isError).toBe(true);
    expect(noOverwrite.text).toContain('already exists');
    expect((await call(env.client, 'nc_webdav_read_file', { path })).data.content).toBe('two');
  });

  it('catches a write the etag misses (same second) by the size and time read with it', async () => {
    const path = `${root}/same-second.txt`;
    await nextSecond();
    await call(env.client, 'nc_webdav_write_file', { path, content: 'v1' });
    const read = await call(env.client, 'nc_webdav_read_file', { path });
    expect(read.data).toMatchObject({ size: 2, modified: expect.any(String) });
    const other = await call(env.client, 'nc_webdav_write_file', { path, content: 'someone else' });
    if (env.target.standin) expect(other.data.etag).toBe(read.data.etag);
    const stale = await call(env.client, 'nc_webdav_write_file', {
      path,
      content: 'mine',
      if_match: read.data.etag,
      if_match_size: read.data.size,
      if_match_modified: read.data.modified,
    });
    expect(stale.isError).toBe(true);
    expect(stale.text).toBe(
      `File ${path} changed since you read it (same etag, but 12 bytes now, not 2): read it again and retry`,
    );
    expect((await call(env.client, 'nc_webdav_read_file', { path })).data.content).toBe('someone else');
    const lone = await call(env.client, 'nc_webdav_write_file', { path, content: 'x', if_match_size: 2 });
    expect(lone.text).toBe('if_match_size and if_match_modified go with if_match, the etag you read');
  });

  it('creates folders, moves and copies without clobbering, and deletes', async () => {
    const dir = `${root}/folder`;
    expect((await call(env.client, 'nc_webdav_create_directory', { path: dir })).data).toEqual({
      path: dir,
      created: true,
    });
    const again = await call(env.client, 'nc_webdav_create_directory', { path: dir });
    expect(again.isError).toBe(true);
    expect(again.text).toBe(`${dir} already exists`);
    const orphan = await call(env.client, 'nc_webdav_create_directory', { path: `${root}/missing/child` });
    expect(orphan.text).toBe(`The parent folder of ${root}/missing/child does not exist`);

    await call(env.client, 'nc_webdav_write_file', { path: `${dir}/a.txt`, content: 'A' });
    await call(env.client, 'nc_webdav_write_file', { path: `${dir}/b.txt`, content: 'B' });
    const copied = await call(env.client, 'nc_webdav_copy_resource', {
      source_path: `${dir}/a.txt`,
      destination_path: `${dir}/c.txt`,
    });
    expect(copied.data).toMatchObject({ destination_path: `${dir}/c.txt`, replaced: false });
    const clobber = await call(env.client, 'nc_webdav_move_resource', {
      source_path: `${dir}/a.txt`,
      destination_path: `${dir}/b.txt`,
    });
    expect(clobber.isError).toBe(true);
    expect(clobber.text).toBe(`${dir}/b.txt already exists; pass overwrite: true to replace it`);
    expect((await call(env.client, 'nc_webdav_read_file', { path: `${dir}/b.txt` })).data.content).toBe('B');
    const moved = await call(env.client, 'nc_webdav_move_resource', {
      source_path: `${dir}/a.txt`,
      destination_path: `${dir}/b.txt`,
      overwrite: true,
    });
    expect(moved.data.replaced).toBe(true);
    expect((await call(env.client, 'nc_webdav_read_file', { path: `${dir}/b.txt` })).data.content).toBe('A');
    expect((await call(env.client, 'nc_webdav_read_file', { path: `${dir}/a.txt` })).text).toBe(
      `File ${dir}/a.txt not found`,
    );

    expect((await call(env.client, 'nc_webdav_delete_resource', { path: dir })).data.deleted).toBe(true);
    expect((await call(env.client, 'nc_webdav_list_directory', { path: dir })).text).toBe(
      `Folder ${dir} not found`,
    );
    const rootDelete = await call(env.client, 'nc_webdav_delete_resource', { path: '/' });
    expect(rootDelete.text).toBe('This needs a file or folder path, not your files root');
  });

  it('searches by name, type, size and time, and lists favorites', async () => {
    const dir = `${root}/search`;
    await call(env.client, 'nc_webdav_create_directory', { path: dir });
    await call(env.client, 'nc_webdav_create_directory', { path: `${dir}/deep` });
    await call(env.client, 'nc_webdav_write_file', { path: `${dir}/Budget 2026.csv`, content: 'a,b\n1,2\n' });
    await call(env.client, 'nc_webdav_write_file', {
      path: `${dir}/deep/budget-notes.txt`,
      content: 'notes',
    });
    await call(env.client, 'nc_webdav_write_file', {
      path: `${dir}/photo.png`,
      content: 'aGk=',
      encoding: 'base64',
    });
    await call(env.client, 'nc_webdav_write_file', { path: `${dir}/big.txt`, content: 'y'.repeat(5000) });
    await markFavorite(env.target, `${dir}/photo.png`);

    const names = (result: { data: { entries: { path: string }[] } }) =>
      result.data.entries.map((e) => e.path).sort();
    expect(
      names(await call(env.client, 'nc_webdav_find_by_name', { pattern: 'budget', scope: dir })),
    ).toEqual([`${dir}/Budget 2026.csv`, `${dir}/deep/budget-notes.txt`]);
    expect(names(await call(env.client, 'nc_webdav_find_by_name', { pattern: '*.csv', scope: dir }))).toEqual(
      [`${dir}/Budget 2026.csv`],
    );
    expect(
      names(await call(env.client, 'nc_webdav_find_by_type', { mime_type: 'image', scope: dir })),
    ).toEqual([`${dir}/photo.png`]);
    const sized = await call(env.client, 'nc_webdav_search_files', {
      scope: dir,
      mime_type: 'text/plain',
      min_size: 1000,
    });
    expect(names(sized)).toEqual([`${dir}/big.txt`]);
    const recent = await call(env.client, 'nc_webdav_search_files', {
      scope: dir,
      name_pattern: '*.txt',
      modified_after: new Date(Date.now() - 3_600_000).toISOString(),
    });
    expect(names(recent)).toEqual([`${dir}/big.txt`, `${dir}/deep/budget-notes.txt`]);
    const favoriteImages = await call(env.client, 'nc_webdav_search_files', {
      scope: dir,
      only_favorites: true,
    });
    expect(names(favoriteImages)).toEqual([`${dir}/photo.png`]);
    // No criterion: every file below the scope, as the Python server searches then.
    const every = await call(env.client, 'nc_webdav_search_files', { scope: dir });
    expect(names(every)).toContain(`${dir}/photo.png`);
    expect(names(every)).toContain(`${dir}/deep/budget-notes.txt`);

    const favorites = await call(env.client, 'nc_webdav_list_favorites', { scope: root });
    expect(names(favorites)).toEqual([`${dir}/photo.png`]);
    expect(favorites.data.entries[0].favorite).toBe(true);
  });

  it("reads a note's attachment from the Notes folder", async () => {
    const category = unique('mcp-attach');
    const { data: note } = await call(env.client, 'nc_notes_create_note', {
      title: 'With picture',
      content: '![p](.attachments.x/p.png)',
      category,
    });
    const folder = `/Notes/${category}/.attachments.${note.id}`;
    // A real Notes app has made /Notes (and the category's folder) for the note; the stand-in not.
    if (!(await folderExists(env.client, '/Notes'))) {
      await call(env.client, 'nc_webdav_create_directory', { path: '/Notes' });
      cleanup.add('/Notes', () => deleteFolderIfEmpty(env.client, '/Notes'));
    }
    cleanup.tool(() => env.client, 'nc_webdav_delete_resource', { path: `/Notes/${category}` });
    // Undone first: a real Notes app removes the note's file itself.
    cleanup.tool(() => env.client, 'nc_notes_delete_note', { note_id: note.id });
    for (const path of [`/Notes/${category}`, folder]) {
      await call(env.client, 'nc_webdav_create_directory', { path });
    }
    await call(env.client, 'nc_webdav_write_file', {
      path: `${folder}/p.png`,
      content: 'aGVsbG8=',
      encoding: 'base64',
    });
    const attachment = await call(env.client, 'nc_notes_get_attachment', {
      note_id: note.id,
      attachment_filename: 'p.png',
    });
    expect(attachment.data).toEqual({ filename: 'p.png', mimeType: 'image/png', size: 5, isText: false });
    expect(attachment.content[0]).toEqual({ type: 'image', mimeType: 'image/png', data: 'aGVsbG8=' });
    // The Python server's resource URI for it reads the same file.
    const uri = `nc://Notes/${note.id}/attachments/p.png`;
    const resource = await env.client.readResource({ uri });
    expect(resource.contents).toEqual([{ uri, mimeType: 'image/png', blob: 'aGVsbG8=' }]);
    const missing = await call(env.client, 'nc_notes_get_attachment', {
      note_id: note.id,
      attachment_filename: 'q.png',
    });
    expect(missing.text).toBe('Attachment q.png not found');
  });

  it.each([
    ['../etc/passwd'],
    ['/a/../../b'],
    ['%2e%2e/secret'],
    ['a/%2E%2E%2Fsecret'],
    ['%252e%252e/secret'],
    ['https://evil.example/remote.php/dav/files/bob/'],
    ['//evil.example/x'],
    ['a\\..\\b'],
    ['a\u0000b'],
  ])('refuses the path %j without touching Nextcloud', async (path) => {
    const before = env.target.standin?.log.length ?? 0;
    const result = await call(env.client, 'nc_webdav_read_file', { path });
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/^Path ".*" (must|contains|has)/s);
    if (env.target.standin) expect(env.target.standin.log.length).toBe(before);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignTag, dav, deleteTag, suiteTag } from '../dav-client.js';
import { call, unique, useServer, webdavAvailable } from '../harness.js';

/**
 * The excluded tags hold on every path to a file's content, not only the Files tools: a note is a
 * file in the user's Notes folder (its id is the file's id), so a tagged note, or a note in a
 * tagged category folder, is neither listed, found, read, changed nor handed on as a resource.
 */
const EXCLUDED =
  /is excluded by this tenant's privacy settings: it or a folder above it carries an excluded tag$/;

describe.runIf(webdavAvailable())('excluded tags on notes', () => {
  // Fixed: only admins may delete a system tag, so a real Nextcloud keeps it for the next run.
  const tagName = 'mcp-test-notes-private';
  const env = useServer({ webdav: true, excludedTags: [tagName] });
  const category = unique('Vault');
  let tagId: number;
  let diary: number;
  let plans: number;
  let shopping: number;

  /** Creates a note and the file Nextcloud keeps it in. */
  async function note(title: string, content: string, inCategory = ''): Promise<number> {
    const created = await call(env.client, 'nc_notes_create_note', { title, content, category: inCategory });
    expect(created.isError, created.text).toBeFalsy();
    if (env.target.standin) {
      const folder = ['Notes', inCategory].filter(Boolean).join('/');
      await dav(env.target, 'PUT', `/files/${env.target.user}/${folder}/${title}.md`, { body: content });
    }
    return created.data.id;
  }

  beforeAll(async () => {
    tagId = await suiteTag(env.target, tagName);
    if (env.target.standin) {
      await dav(env.target, 'MKCOL', `/files/${env.target.user}/Notes`);
      await dav(env.target, 'MKCOL', `/files/${env.target.user}/Notes/${category}`);
    }
    diary = await note(unique('Diary'), 'dear diary, the secret is here');
    plans = await note(unique('Plans'), 'the secret plans', category);
    shopping = await note(unique('Shopping'), 'milk and the secret sauce');
    const folder = await call(env.client, 'nc_webdav_get_file_tags', { path: `/Notes/${category}` });
    await assignTag(env.target, diary, tagId);
    await assignTag(env.target, folder.data.file_id, tagId);
  });
  afterAll(async () => {
    for (const id of [diary, plans, shopping])
      await call(env.client, 'nc_notes_delete_note', { note_id: id });
    await deleteTag(env.target, tagId);
  });

  it('refuses to read a tagged note or one in a tagged category, by tool or as a resource', async () => {
    for (const id of [diary, plans]) {
      const read = await call(env.client, 'nc_notes_get_note', { note_id: id });
      expect(read.isError, `note ${id}: ${read.text}`).toBe(true);
      expect(read.text).toMatch(EXCLUDED);
      await expect(env.client.readResource({ uri: `nc://notes/${id}` })).rejects.toThrow(EXCLUDED);
      const attachment = await call(env.client, 'nc_notes_get_attachment', {
        note_id: id,
        attachment_filename: 'image.png',
      });
      expect(attachment.text).toMatch(EXCLUDED);
    }
    const open = await call(env.client, 'nc_notes_get_note', { note_id: shopping });
    expect(open.data.content).toBe('milk and the secret sauce');
  });

  it('never lists or finds them', async () => {
    const listed = await call(env.client, 'nc_notes_list_notes', { limit: 500 });
    const ids = listed.data.notes.map((entry: { id: number }) => entry.id);
    expect(ids).toContain(shopping);
    expect(ids).not.toContain(diary);
    expect(ids).not.toContain(plans);
    const found = await call(env.client, 'nc_notes_search_notes', { query: 'secret' });
    expect(found.data.results.map((hit: { id: number }) => hit.id)).toEqual([shopping]);
    const resources = (await env.client.listResources()).resources.map((resource) => resource.uri);
    expect(resources).toContain(`nc://notes/${shopping}`);
    expect(resources).not.toContain(`nc://notes/${diary}`);
    expect(resources).not.toContain(`nc://notes/${plans}`);
  });

  it('refuses to change, append to or delete them, and moving a note into a tagged category', async () => {
    const etag = (await call(env.client, 'nc_notes_get_note', { note_id: shopping })).data.etag;
    for (const [tool, args] of [
      ['nc_notes_update_note', { note_id: diary, etag: 'x', content: 'overwritten' }],
      ['nc_notes_append_content', { note_id: plans, content: 'more' }],
      ['nc_notes_delete_note', { note_id: diary }],
      ['nc_notes_update_note', { note_id: shopping, etag, category }],
    ] as const) {
      const result = await call(env.client, tool, args);
      expect(result.isError, `${tool} ${JSON.stringify(args)}`).toBe(true);
      expect(result.text).toMatch(/is excluded by this tenant's privacy settings/);
    }
    const note = env.target.standin?.notes.notes;
    if (note) {
      expect(note.get(diary)?.content).toBe('dear diary, the secret is here');
      expect(note.get(plans)?.content).toBe('the secret plans');
      expect(note.get(shopping)?.category).toBe('');
    }
  });
});

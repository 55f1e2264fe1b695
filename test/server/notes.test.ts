import { describe, expect, it } from 'vitest';
import { useCleanup } from '../cleanup.js';
import { call, unique, useServer } from '../harness.js';
import { hasApp } from '../nextcloud-apps.js';

describe.runIf(hasApp('notes'))('notes tools', () => {
  const env = useServer();
  const category = unique('mcp-test');
  // Each test deletes its notes; this catches those a failing test left in the suite's category.
  useCleanup().add(`the notes in ${category}`, async () => {
    const listed = await call(env.client, 'nc_notes_list_notes', { category, limit: 100 });
    if (listed.isError) throw new Error(listed.text);
    for (const note of listed.data.notes as { id: number }[])
      await call(env.client, 'nc_notes_delete_note', { note_id: note.id });
    const left = await call(env.client, 'nc_notes_list_notes', { category });
    if (left.data.notes.length > 0) throw new Error(`${left.data.notes.length} notes left`);
  });

  it('creates, reads, updates with the etag, appends and deletes a note', async () => {
    const created = await call(env.client, 'nc_notes_create_note', {
      title: 'Groceries',
      content: 'milk',
      category,
    });
    expect(created.isError).toBeFalsy();
    const id = created.data.id as number;
    expect(created.data).toMatchObject({ title: 'Groceries', category });

    const read = await call(env.client, 'nc_notes_get_note', { note_id: id });
    expect(read.data).toMatchObject({ id, content: 'milk', etag: created.data.etag });

    const updated = await call(env.client, 'nc_notes_update_note', {
      note_id: id,
      etag: read.data.etag,
      content: 'milk\neggs',
    });
    expect(updated.isError).toBeFalsy();
    expect(updated.data.etag).not.toBe(read.data.etag);

    const appended = await call(env.client, 'nc_notes_append_content', { note_id: id, content: 'bread' });
    expect(appended.isError).toBeFalsy();
    expect((await call(env.client, 'nc_notes_get_note', { note_id: id })).data.content).toBe(
      'milk\neggs\n---\nbread',
    );

    const deleted = await call(env.client, 'nc_notes_delete_note', { note_id: id });
    expect(deleted.data).toEqual({ deleted: true, id });
    const gone = await call(env.client, 'nc_notes_get_note', { note_id: id });
    expect(gone.isError).toBe(true);
    expect(gone.text).toBe(`Note ${id} not found`);
  });

  it("refuses an update with a stale etag and keeps the other writer's text", async () => {
    const { data: note } = await call(env.client, 'nc_notes_create_note', {
      title: 'Shared',
      content: 'v1',
      category,
    });
    const first = await call(env.client, 'nc_notes_update_note', {
      note_id: note.id,
      etag: note.etag,
      content: 'v2 by someone',
    });
    expect(first.isError).toBeFalsy();

    const stale = await call(env.client, 'nc_notes_update_note', {
      note_id: note.id,
      etag: note.etag,
      content: 'v2 by me',
    });
    expect(stale.isError).toBe(true);
    expect(stale.text).toBe(
      `Note ${note.id} changed since you read it (etag mismatch): read it again and retry`,
    );
    expect((await call(env.client, 'nc_notes_get_note', { note_id: note.id })).data.content).toBe(
      'v2 by someone',
    );
    await call(env.client, 'nc_notes_delete_note', { note_id: note.id });
  });

  it('lists by category with paging and searches title and content', async () => {
    const ids: number[] = [];
    for (const [title, content] of [
      ['Alpha plan', 'rocket launch'],
      ['Beta', 'the launch window'],
      ['Gamma', 'nothing here'],
    ]) {
      ids.push((await call(env.client, 'nc_notes_create_note', { title, content, category })).data.id);
    }
    const first = await call(env.client, 'nc_notes_list_notes', { category, limit: 2 });
    expect(first.data.notes).toHaveLength(2);
    expect(first.data.nextCursor).toEqual(expect.any(String));
    expect(first.data.notes[0]).not.toHaveProperty('content');
    const second = await call(env.client, 'nc_notes_list_notes', {
      category,
      limit: 2,
      cursor: first.data.nextCursor,
    });
    const seen = [...first.data.notes, ...second.data.notes].map((note: { id: number }) => note.id);
    expect(new Set(seen)).toEqual(new Set(ids));
    expect(second.data.nextCursor).toBeNull();

    const found = await call(env.client, 'nc_notes_search_notes', { query: 'launch' });
    expect(found.data).toMatchObject({ query: 'launch', total_found: found.data.results.length });
    const titles = found.data.results.map((hit: { title: string }) => hit.title);
    expect(titles).toContain('Alpha plan');
    expect(titles).toContain('Beta');
    expect(titles).not.toContain('Gamma');
    for (const id of ids) await call(env.client, 'nc_notes_delete_note', { note_id: id });
  });

  it('offers notes as resources', async () => {
    const { data: note } = await call(env.client, 'nc_notes_create_note', {
      title: 'Res',
      content: '# Res\nbody',
      category,
    });
    const listed = await env.client.listResources();
    expect(listed.resources.map((resource) => resource.uri)).toContain(`nc://notes/${note.id}`);
    const read = await env.client.readResource({ uri: `nc://notes/${note.id}` });
    expect(read.contents[0]).toMatchObject({ mimeType: 'text/markdown', text: '# Res\nbody' });
    const caps = await env.client.readResource({ uri: 'nc://capabilities' });
    const [capsContent] = caps.contents;
    expect(capsContent && 'text' in capsContent ? JSON.parse(capsContent.text) : {}).toHaveProperty(
      'version',
    );
    await call(env.client, 'nc_notes_delete_note', { note_id: note.id });
  });
});

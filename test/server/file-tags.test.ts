import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignTag, dav, deleteTag, suiteTag } from '../dav-client.js';
import { call, type Target, unique, useServer, webdavAvailable } from '../harness.js';

describe.runIf(webdavAvailable())('file tags and comments', () => {
  const env = useServer({ webdav: true });
  const root = `/${unique('mcp-meta')}`;
  const file = `${root}/report.md`;
  const tagName = 'mcp-test-review';
  let tagId: number;

  beforeAll(async () => {
    await call(env.client, 'nc_webdav_create_directory', { path: root });
    await call(env.client, 'nc_webdav_write_file', { path: file, content: '# Report\n' });
    tagId = await suiteTag(env.target, tagName);
  });
  afterAll(async () => {
    await call(env.client, 'nc_webdav_delete_resource', { path: root });
    await deleteTag(env.target, tagId);
  });

  /** Sets the caller's personal tags the way the Files app does (PROPPATCH of oc:tags). */
  async function setPersonalTags(target: Target, path: string, tags: string[]): Promise<void> {
    const response = await dav(target, 'PROPPATCH', `/files/${target.user}${path}`, {
      body:
        '<?xml version="1.0"?><d:propertyupdate xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:set><d:prop>' +
        `<oc:tags>${tags.map((tag) => `<oc:tag>${tag}</oc:tag>`).join('')}</oc:tags></d:prop></d:set></d:propertyupdate>`,
    });
    expect(response.status).toBe(207);
  }

  it('lists the system tags and personal tags of a file, and they follow it when it moves', async () => {
    const before = await call(env.client, 'nc_webdav_get_file_tags', { path: file });
    expect(before.isError).toBeFalsy();
    expect(before.data).toEqual({
      path: file,
      file_id: expect.any(Number),
      system_tags: [],
      personal_tags: [],
    });
    const fileId = before.data.file_id as number;

    await assignTag(env.target, fileId, tagId);
    await setPersonalTags(env.target, file, ['to-read']);
    const after = await call(env.client, 'nc_webdav_get_file_tags', { path: file });
    expect(after.data).toEqual({
      path: file,
      file_id: fileId,
      system_tags: [
        { id: tagId, name: tagName, user_visible: true, user_assignable: true, can_assign: true },
      ],
      personal_tags: ['to-read'],
    });

    const moved = `${root}/final.md`;
    await call(env.client, 'nc_webdav_move_resource', { source_path: file, destination_path: moved });
    const followed = await call(env.client, 'nc_webdav_get_file_tags', { path: moved });
    expect(followed.data).toMatchObject({ file_id: fileId, system_tags: [{ id: tagId }] });
    await call(env.client, 'nc_webdav_move_resource', { source_path: moved, destination_path: file });
  });

  it('reads system tags from systemtags-relations where files lack nc:system-tags (Nextcloud before 28)', async (context) => {
    const standin = env.target.standin;
    if (!standin) return context.skip();
    standin.filesMeta.legacyTagProperty = true;
    try {
      const result = await call(env.client, 'nc_webdav_get_file_tags', { path: file });
      expect(result.data.system_tags).toEqual([expect.objectContaining({ id: tagId, name: tagName })]);
      expect(standin.log).toContain(
        `PROPFIND /remote.php/dav/systemtags-relations/files/${result.data.file_id}`,
      );
    } finally {
      standin.filesMeta.legacyTagProperty = false;
    }
  });

  it('posts comments and pages through them newest first', async () => {
    const empty = await call(env.client, 'nc_webdav_list_comments', { path: file });
    expect(empty.data).toMatchObject({ path: file, comments: [], next_offset: null });

    for (const message of ['first', 'second', '@bob third, with a mention']) {
      const posted = await call(env.client, 'nc_webdav_create_comment', { path: file, message });
      expect(posted.isError).toBeFalsy();
      expect(posted.data).toEqual({
        path: file,
        file_id: empty.data.file_id,
        comment_id: expect.any(Number),
      });
    }

    const page = await call(env.client, 'nc_webdav_list_comments', { path: file, limit: 2 });
    expect(page.data.comments.map((comment: { message: string }) => comment.message)).toEqual([
      '@bob third, with a mention',
      'second',
    ]);
    expect(page.data.next_offset).toBe(2);
    expect(page.data.comments[0]).toMatchObject({
      author_id: env.target.user,
      author_type: 'users',
      verb: 'comment',
      unread: false,
    });
    expect(Date.parse(page.data.comments[0].created)).toBeGreaterThan(Date.now() - 5 * 60_000);

    const rest = await call(env.client, 'nc_webdav_list_comments', { path: file, limit: 2, offset: 2 });
    expect(rest.data.comments.map((comment: { message: string }) => comment.message)).toEqual(['first']);
    expect(rest.data.next_offset).toBeNull();
  });

  it('refuses empty and over-long comments before reaching Nextcloud', async () => {
    const sent = env.target.standin?.log.length ?? 0;
    for (const message of ['   \n', 'x'.repeat(1001)]) {
      const result = await call(env.client, 'nc_webdav_create_comment', { path: file, message });
      expect(result.isError).toBe(true);
      expect(result.text).toMatch(/^Input validation error: nc_webdav_create_comment: message: must/);
    }
    if (env.target.standin) expect(env.target.standin.log.length).toBe(sent);
    // 1000 characters counted as people count them: an emoji is one, not two UTF-16 units.
    const emoji = await call(env.client, 'nc_webdav_create_comment', {
      path: file,
      message: '🙂'.repeat(1000),
    });
    expect(emoji.isError).toBeFalsy();
  });

  it('names the file that does not exist', async () => {
    for (const tool of ['nc_webdav_get_file_tags', 'nc_webdav_list_comments']) {
      const result = await call(env.client, tool, { path: `${root}/missing.md` });
      expect(result.isError).toBe(true);
      expect(result.text).toBe(`File ${root}/missing.md not found`);
    }
    const comment = await call(env.client, 'nc_webdav_create_comment', {
      path: `${root}/missing.md`,
      message: 'hello',
    });
    expect(comment.text).toBe(`File ${root}/missing.md not found`);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { undoTool, useCleanup } from '../cleanup.js';
import { call, unique, useServer, webdavAvailable } from '../harness.js';

/** With a real Nextcloud, TEST_NEXTCLOUD_SHARE_WITH names a user to share with (default: the stand-in's bob). */
const SHARE_WITH = process.env.TEST_NEXTCLOUD_SHARE_WITH ?? 'bob';

describe.runIf(webdavAvailable())('sharing tools', () => {
  const env = useServer({ webdav: true });
  const root = `/${unique('mcp-share')}`;
  const file = `${root}/plan.md`;
  const tomorrow = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);

  const cleanup = useCleanup();

  beforeAll(async () => {
    await call(env.client, 'nc_webdav_create_directory', { path: root });
    cleanup.tool(() => env.client, 'nc_webdav_delete_resource', { path: root });
    // The tests delete their shares; this catches those a failing test left, before the files go.
    cleanup.add(`the shares of ${root}`, async () => {
      for (const args of [{ path: root }, { path: root, subfiles: true }]) {
        const listed = await call(env.client, 'nc_share_list', args);
        if (listed.isError) throw new Error(listed.text);
        for (const share of listed.data.shares as { id: number }[])
          await undoTool(env.client, 'nc_share_delete', { share_id: share.id });
      }
    });
    await call(env.client, 'nc_webdav_write_file', { path: file, content: 'the plan' });
  });

  it('shares with a user, reads, updates, lists and deletes the share', async () => {
    const created = await call(env.client, 'nc_share_create', {
      path: file,
      share_type: 'user',
      share_with: SHARE_WITH,
      permissions: ['read'],
    });
    expect(created.isError).toBeFalsy();
    expect(created.data).toMatchObject({
      type: 'user',
      path: file,
      shareWith: SHARE_WITH,
      permissions: ['read'],
    });
    const id = created.data.id as number;

    expect((await call(env.client, 'nc_share_get', { share_id: id })).data).toMatchObject({ id, path: file });
    const updated = await call(env.client, 'nc_share_update', {
      share_id: id,
      permissions: ['read', 'update'],
      note: 'please review',
    });
    expect(updated.data).toMatchObject({ permissions: ['read', 'update'], note: 'please review' });

    const listed = await call(env.client, 'nc_share_list', { path: file });
    expect(listed.data.shares.map((share: { id: number }) => share.id)).toEqual([id]);
    const inFolder = await call(env.client, 'nc_share_list', { path: root, subfiles: true });
    expect(inFolder.data.shares.map((share: { id: number }) => share.id)).toContain(id);

    expect((await call(env.client, 'nc_share_delete', { share_id: id })).data).toEqual({
      share_id: id,
      deleted: true,
    });
    const gone = await call(env.client, 'nc_share_get', { share_id: id });
    expect(gone.isError).toBe(true);
    expect(gone.text).toMatch(new RegExp(`^Share ${id} not found`));
  });

  it('creates a password-protected public link with an expiry date, never echoing the password', async () => {
    const link = await call(env.client, 'nc_share_create_public_link', {
      path: root,
      password: 'correct horse battery staple',
      expire_date: tomorrow,
      label: 'for the team',
    });
    expect(link.isError).toBeFalsy();
    expect(link.data).toMatchObject({
      type: 'link',
      hasPassword: true,
      expiration: tomorrow,
      label: 'for the team',
    });
    expect(link.data.url).toMatch(/^https?:\/\//);
    expect(JSON.stringify(link)).not.toContain('correct horse');
    await call(env.client, 'nc_share_delete', { share_id: link.data.id });
  });

  it("reports Nextcloud's reason for refused shares", async () => {
    const missing = await call(env.client, 'nc_share_create', {
      path: `${root}/nope.md`,
      share_type: 'user',
      share_with: SHARE_WITH,
    });
    expect(missing.isError).toBe(true);
    expect(missing.text).toContain('Wrong path, file/folder does not exist');

    const past = await call(env.client, 'nc_share_create_public_link', {
      path: file,
      expire_date: '2001-01-01',
    });
    expect(past.isError).toBe(true);
    // Nextcloud answers an OCS 404 here: a refusal of the date, not a missing file.
    expect(past.text).toMatch(/^Nextcloud refused the request for .*: Expiration date is in the past$/);
    expect(missing.text).toMatch(/not found: Wrong path, file\/folder does not exist$/);

    const nothing = await call(env.client, 'nc_share_update', { share_id: 1 });
    expect(nothing.text).toBe('Nothing to change: give permissions, password, expire_date, note or label');

    const whole = await call(env.client, 'nc_share_create_public_link', { path: '/' });
    expect(whole.text).toBe('Your files root cannot be shared; choose a file or folder');
  });

  it('reads share ids sent as strings, as Nextcloud does, and names an answer it cannot read', async (context) => {
    const shares = env.target.standin?.ocs.shares;
    if (!shares) return context.skip();
    const created = await call(env.client, 'nc_share_create_public_link', { path: file });
    const id = created.data.id as number;
    const stored = shares.get(id) as unknown as Record<string, unknown>;
    try {
      stored.id = String(id);
      stored.share_type = '3';
      expect((await call(env.client, 'nc_share_get', { share_id: id })).data).toMatchObject({
        id,
        type: 'link',
      });
      stored.path = null;
      const broken = await call(env.client, 'nc_share_get', { share_id: id });
      expect(broken.isError).toBe(true);
      expect(broken.text).toMatch(
        new RegExp(`^Nextcloud sent an unexpected answer for Share ${id} \\(0\\.path`),
      );
      const listed = await call(env.client, 'nc_share_list');
      expect(listed.text).toMatch(/^Nextcloud sent an unexpected answer for The share list \(\d+\.path/);
    } finally {
      Object.assign(stored, { id, share_type: 3, path: file });
      await call(env.client, 'nc_share_delete', { share_id: id });
    }
  });
});

import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { suiteTagAndFolder, useCleanup } from '../cleanup.js';
import { assignTag, unassignTag } from '../dav-client.js';
import { call, callOk, unique, useServer, webdavAvailable } from '../harness.js';

/** Waits into the next second: versions are named by their modification time in seconds. */
const nextSecond = () => sleep(1050 - (Date.now() % 1000));
type Version = { version_id: string; size: number };

describe.runIf(webdavAvailable())('file versions', () => {
  const env = useServer({ webdav: true });
  const cleanup = useCleanup();
  const root = `/${unique('mcp-versions')}`;
  const path = `${root}/notes.md`;

  beforeAll(async () => {
    await callOk(env.client, 'nc_webdav_create_directory', { path: root });
    cleanup.tool(() => env.client, 'nc_webdav_delete_resource', { path: root });
    for (const content of ['one', 'two two', 'three three three']) {
      await callOk(env.client, 'nc_webdav_write_file', { path, content });
      await nextSecond();
    }
  });

  it('lists the versions of a file, newest first', async () => {
    const data = await callOk(env.client, 'nc_versions_list', { path });
    expect(data.path).toBe(path);
    expect(data.file_id).toEqual(expect.any(Number));
    const sizes = data.versions.map((version: Version) => version.size);
    expect(sizes.slice(0, 3)).toEqual([17, 7, 3]);
    const times = data.versions.map((version: { modified: string }) => version.modified);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('restores an earlier version, keeping what the file held as one', async () => {
    const before = (await callOk(env.client, 'nc_versions_list', { path })).versions as Version[];
    const oldest = before.find((version) => version.size === 3);
    expect(oldest).toBeDefined();
    const restored = await callOk(env.client, 'nc_versions_restore', {
      path,
      version_id: oldest?.version_id,
    });
    expect(restored).toEqual({ path, version_id: oldest?.version_id, restored: true });
    expect((await callOk(env.client, 'nc_webdav_read_file', { path })).content).toBe('one');
    const after = (await callOk(env.client, 'nc_versions_list', { path })).versions as Version[];
    expect(after.map((version) => version.size)).toContain(17);
  });

  it('says clearly what has no versions', async () => {
    const missing = await call(env.client, 'nc_versions_restore', { path, version_id: '12345' });
    expect(missing.text).toBe(`${path} has no version 12345; nc_versions_list shows its versions`);
    const folder = await call(env.client, 'nc_versions_list', { path: root });
    expect(folder.text).toBe(
      `${root} has no versions: it is a folder, or versions are off on this Nextcloud`,
    );
    const gone = await call(env.client, 'nc_versions_list', { path: `${root}/nope.md` });
    expect(gone.text).toBe(`File ${root}/nope.md not found`);
  });
});

describe.runIf(webdavAvailable())('file versions and excluded tags', () => {
  const tagName = 'mcp-test-private';
  const env = useServer({ webdav: true, excludedTags: [tagName] });
  const cleanup = useCleanup();
  const root = `/${unique('mcp-versions-excluded')}`;
  const secret = `${root}/secret.md`;
  const EXCLUDED = /is excluded by this tenant's privacy settings/;

  beforeAll(async () => {
    const tagId = await suiteTagAndFolder(env, cleanup, tagName, root);
    await callOk(env.client, 'nc_webdav_write_file', { path: secret, content: 'v1' });
    await nextSecond();
    await callOk(env.client, 'nc_webdav_write_file', { path: secret, content: 'v2' });
    const id = (await callOk(env.client, 'nc_webdav_get_file_tags', { path: secret })).file_id;
    await assignTag(env.target, id, tagId);
    cleanup.add('untag', () => unassignTag(env.target, id, tagId));
  });

  it('refuses to list or restore the versions of an excluded file', async () => {
    const listed = await call(env.client, 'nc_versions_list', { path: secret });
    expect(listed.isError).toBe(true);
    expect(listed.text).toMatch(EXCLUDED);
    const restored = await call(env.client, 'nc_versions_restore', { path: secret, version_id: '1' });
    expect(restored.text).toMatch(EXCLUDED);
  });
});

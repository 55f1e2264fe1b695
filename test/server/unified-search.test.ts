import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suiteTagAndFolder, useCleanup } from '../cleanup.js';
import { assignTag, unassignTag } from '../dav-client.js';
import { call, callOk, connectClient, unique, useServer, webdavAvailable } from '../harness.js';

type Result = { provider: string; entries: { title: string; attributes: Record<string, string> }[] };
const titles = (data: { results: Result[] }, provider: string) =>
  (data.results.find((result) => result.provider === provider)?.entries ?? [])
    .map((entry) => entry.title)
    .sort();

describe.runIf(webdavAvailable())('unified search', () => {
  const env = useServer({ webdav: true });
  const cleanup = useCleanup();
  const token = unique('zebra');
  const root = `/${unique('mcp-search')}`;
  const names = [1, 2, 3].map((n) => `${token}-${n}.txt`);

  beforeAll(async () => {
    await callOk(env.client, 'nc_webdav_create_directory', { path: root });
    cleanup.tool(() => env.client, 'nc_webdav_delete_resource', { path: root });
    for (const name of names)
      await callOk(env.client, 'nc_webdav_write_file', { path: `${root}/${name}`, content: name });
  });

  it('finds files by what Nextcloud indexes, with their id and path', async () => {
    const data = await callOk(env.client, 'nc_unified_search', {
      term: token,
      providers: ['files'],
      limit: 10,
    });
    expect(titles(data, 'files')).toEqual(names);
    const entry = data.results[0].entries.find((item: Result['entries'][number]) => item.title === names[0]);
    expect(entry.attributes).toMatchObject({
      path: `${root}/${names[0]}`,
      fileId: expect.stringMatching(/^\d+$/),
    });
    expect(data.failed).toEqual([]);
  });

  it('pages through one provider with the cursor it returned', async () => {
    const first = await callOk(env.client, 'nc_unified_search', {
      term: token,
      providers: ['files'],
      limit: 2,
    });
    const page1 = first.results[0];
    expect(page1.entries).toHaveLength(2);
    expect(page1.has_more).toBe(true);
    const second = await callOk(env.client, 'nc_unified_search', {
      term: token,
      providers: ['files'],
      limit: 2,
      cursor: page1.cursor,
    });
    expect(second.results[0].entries).toHaveLength(1);
    expect(second.results[0].has_more).toBe(false);
    expect(second.results[0].cursor).toBeNull();
    const seen = [...page1.entries, ...second.results[0].entries].map(
      (entry: { title: string }) => entry.title,
    );
    expect(seen.sort()).toEqual(names);
  });

  it('refuses a cursor without exactly one provider', async () => {
    const result = await call(env.client, 'nc_unified_search', { term: token, cursor: '2' });
    expect(result.isError).toBe(true);
    expect(result.text).toBe('A cursor belongs to one provider: pass that provider alone in providers');
  });

  it('asks every provider the token covers, and none it does not', async () => {
    const data = await callOk(env.client, 'nc_unified_search', { term: 'budget' });
    const asked = data.results.map((result: Result) => result.provider);
    if (env.target.standin) {
      expect(asked.sort()).toEqual([
        'calendar',
        'contacts',
        'cookbook',
        'deck',
        'files',
        'mail',
        'tables-search-tables',
        'talk-message',
      ]);
      expect(titles(data, 'tables-search-tables')).toEqual(['📊 Budget']);
      expect(titles(data, 'mail')).toEqual(['Budget 2025 draft']);
    }
    expect(asked).not.toContain('settings');
  });

  it('names an unknown provider instead of failing', async () => {
    const data = await callOk(env.client, 'nc_unified_search', {
      term: token,
      providers: ['files', 'no-such'],
    });
    expect(data.skipped).toEqual([
      { provider: 'no-such', reason: 'not searched: this Nextcloud has no such provider for you' },
    ]);
    expect(titles(data, 'files')).toHaveLength(3);
  });

  it.runIf(!process.env.TEST_NEXTCLOUD_URL)('lets a slow provider fail alone', async () => {
    env.target.standin?.fail({ match: /\/search\/providers\/deck\/search$/, delayMs: 1500 });
    const data = await callOk(env.client, 'nc_unified_search', { term: 'budget', provider_timeout_ms: 500 });
    expect(data.failed).toEqual([{ provider: 'deck', error: 'did not answer within 500 ms' }]);
    expect(titles(data, 'mail')).toEqual(['Budget 2025 draft']);
  });

  describe('with a token for files only', () => {
    let narrow: Client;
    beforeAll(async () => {
      narrow = await connectClient(env.server.url, env.target, ['search:read', 'files:read']);
    });
    afterAll(() => narrow?.close());

    it('searches only the providers its scopes cover, and says why not the others', async () => {
      const data = await callOk(narrow, 'nc_unified_search', { term: 'budget' });
      expect(data.results.map((result: Result) => result.provider)).toEqual(['files']);
      const named = await callOk(narrow, 'nc_unified_search', {
        term: 'budget',
        providers: ['mail', 'settings'],
      });
      expect(named.results).toEqual([]);
      if (env.target.standin)
        expect(named.skipped).toEqual([
          { provider: 'mail', reason: 'not searched: it needs the mail:read scope, which this token lacks' },
          { provider: 'settings', reason: 'not searched: no scope of this server covers its results' },
        ]);
    });

    it('lists the providers with whether each is searched', async () => {
      const { providers } = await callOk(narrow, 'nc_unified_search_providers');
      const byId = new Map(providers.map((p: { id: string }) => [p.id, p]));
      expect(byId.get('files')).toMatchObject({ searchable: true, reason: null });
      if (env.target.standin) {
        expect(byId.get('mail')).toMatchObject({ searchable: false, app_id: 'mail' });
        expect(byId.get('settings')).toMatchObject({ searchable: false });
      }
    });

    it('is not offered to a token without search:read', async () => {
      const none = await connectClient(env.server.url, env.target, ['files:read']);
      const result = await call(none, 'nc_unified_search', { term: 'x' });
      await none.close();
      expect(result.text).toBe('nc_unified_search needs the search:read scope, which this token lacks');
    });
  });
});

describe.runIf(webdavAvailable())('unified search and excluded tags', () => {
  const tagName = 'mcp-test-private';
  const env = useServer({ webdav: true, excludedTags: [tagName] });
  const cleanup = useCleanup();
  const token = unique('okapi');
  const root = `/${unique('mcp-search-excluded')}`;
  const open = `${root}/${token}-open.txt`;
  const secret = `${root}/${token}-secret.txt`;
  const vault = `${root}/${token}-vault`;
  const inVault = `${vault}/${token}-inner.txt`;

  beforeAll(async () => {
    const tagId = await suiteTagAndFolder(env, cleanup, tagName, root);
    await callOk(env.client, 'nc_webdav_create_directory', { path: vault });
    for (const path of [open, secret, inVault])
      await callOk(env.client, 'nc_webdav_write_file', { path, content: 'x' });
    const idOf = async (path: string) =>
      (await callOk(env.client, 'nc_webdav_get_file_tags', { path })).file_id;
    const ids = [await idOf(secret), await idOf(vault)];
    for (const id of ids) await assignTag(env.target, id, tagId);
    cleanup.add('untag', async () => {
      for (const id of ids) await unassignTag(env.target, id, tagId);
    });
  });

  it("drops the files provider's hits that the tags hide, the tagged folder and what is inside it", async () => {
    const data = await callOk(env.client, 'nc_unified_search', {
      term: token,
      providers: ['files'],
      limit: 10,
    });
    expect(titles(data, 'files')).toEqual([`${token}-open.txt`]);
  });

  it.runIf(!process.env.TEST_NEXTCLOUD_URL)(
    'does not ask a provider whose hits are files it does not name (Cookbook recipes)',
    async () => {
      const data = await callOk(env.client, 'nc_unified_search', {
        term: 'budget',
        providers: ['cookbook', 'tables-search-tables'],
      });
      expect(data.results.map((result: Result) => result.provider)).toEqual(['tables-search-tables']);
      expect(data.skipped).toEqual([
        {
          provider: 'cookbook',
          reason:
            "not searched: its results are files it does not name, and this tenant's excluded tags could hide them",
        },
      ]);
    },
  );
});

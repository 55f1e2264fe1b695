import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itemText } from '../../server/tools/news-text.js';
import { basicAuth, call, connectClient, textOf, unique, useServer } from '../harness.js';
import { hasApp } from '../nextcloud-apps.js';

const LONG = 'Lorem ipsum dolor sit amet. '.repeat(2000);
/** An RSS 2.0 feed, newest first as feeds are; the app gives older items lower ids. */
const POSTS = [
  {
    title: 'Fifth post',
    body: '<p>Hello &amp; welcome</p><script>alert("x")</script><ul><li>one</li><li>two</li></ul>',
  },
  { title: 'Fourth post', body: `<p>${LONG}</p>` },
  { title: 'Third post', body: '<p>Third</p>' },
  { title: 'Second post', body: '<p>Second</p>' },
  { title: 'First post', body: '<p>First</p>', enclosure: 'https://cdn.example/first.mp3' },
];

function rss(base: string): string {
  const items = POSTS.map(
    (post, index) => `<item>
      <title>${post.title}</title>
      <link>${base}/posts/${5 - index}</link>
      <guid>${base}/posts/${5 - index}</guid>
      <pubDate>${new Date(Date.UTC(2026, 0, 10 - index)).toUTCString()}</pubDate>
      <description><![CDATA[${post.body}]]></description>
      ${post.enclosure ? `<enclosure url="${post.enclosure}" type="audio/mpeg" length="1000"/>` : ''}
    </item>`,
  ).join('\n');
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>MCP test feed</title><link>${base}/</link>
    <description>Posts</description>${items}</channel></rss>`;
}

/**
 * Where the Nextcloud under test fetches the suite's feed from: this machine's loopback, unless a
 * real Nextcloud elsewhere needs another address of it (TEST_NEXTCLOUD_FEED_HOST).
 */
const FEED_HOST = process.env.TEST_NEXTCLOUD_FEED_HOST ?? '127.0.0.1';

/**
 * News tools against the News API stand-in or a real News app: the suite subscribes to a feed it
 * serves itself (through the app's own API, as a news client would), so both hold the same items.
 */
describe.skipIf(!hasApp('news'))('news tools', () => {
  const env = useServer();
  let feedServer: Server;
  let feedId: number;
  let folderId: number;
  let folderName: string;
  /** Item ids of POSTS, in the same order (newest first). */
  let ids: number[];

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${env.target.url}/index.php/apps/news/api/v1-3${path}`, {
      method,
      headers: {
        authorization: basicAuth(env.target.user, env.target.appPassword),
        accept: 'application/json',
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    expect(response.status, `${method} ${path}`).toBe(200);
    // biome-ignore lint/suspicious/noExplicitAny: test setup reads the documented JSON loosely
    return (await response.json()) as any;
  };
  const titles = (result: { data: { items: { title: string; feed_id: number }[] } }) =>
    result.data.items.filter((item) => item.feed_id === feedId).map((item) => item.title);

  beforeAll(async () => {
    feedServer = createServer((_req, res) => {
      const { port } = feedServer.address() as AddressInfo;
      res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss(`http://${FEED_HOST}:${port}`));
    });
    const listen = FEED_HOST === '127.0.0.1' ? '127.0.0.1' : '0.0.0.0';
    await new Promise<void>((resolve) => feedServer.listen(0, listen, resolve));
    const { port } = feedServer.address() as AddressInfo;
    folderName = unique('mcp-news');
    folderId = (await api('POST', '/folders', { name: folderName })).folders[0].id;
    feedId = (await api('POST', '/feeds', { url: `http://${FEED_HOST}:${port}/feed.xml`, folderId })).feeds[0]
      .id;
    const items = (await api('GET', `/items?type=0&id=${feedId}&getRead=true&batchSize=-1`)).items;
    ids = POSTS.map((post) => items.find((item: { title: string }) => item.title === post.title).id);
    // Fifth and Second read; Fourth and Second starred.
    for (const [index, mark] of [
      [0, 'read'],
      [3, 'read'],
      [1, 'star'],
      [3, 'star'],
    ] as const)
      await api('POST', `/items/${ids[index]}/${mark}`);
  });
  afterAll(async () => {
    if (feedId) await api('DELETE', `/feeds/${feedId}`);
    if (folderId) await api('DELETE', `/folders/${folderId}`);
    feedServer?.close();
  });

  it('lists folders and feeds with their unread counts', async () => {
    const folders = await call(env.client, 'nc_news_list_folders');
    expect(folders.isError, textOf(folders)).toBeFalsy();
    expect(folders.data.folders).toContainEqual({
      id: folderId,
      name: folderName,
      feed_count: 1,
      unread_count: 3,
    });
    const feeds = await call(env.client, 'nc_news_list_feeds');
    expect(feeds.data.feeds.find((feed: { id: number }) => feed.id === feedId)).toMatchObject({
      title: 'MCP test feed',
      folder_id: folderId,
      unread_count: 3,
      update_error_count: 0,
      last_update_error: null,
    });
    expect(feeds.data.starred_count).toBeGreaterThanOrEqual(2);
    expect(feeds.data.newest_item_id).toBeGreaterThanOrEqual(ids[0] ?? 0);
  });

  it("pages through a feed's items by id, newest or oldest first", async () => {
    const first = await call(env.client, 'nc_news_list_items', { feed_id: feedId, limit: 2 });
    expect(titles(first)).toEqual(['Fifth post', 'Fourth post']);
    expect(first.data).toMatchObject({ count: 2, has_more: true, next_offset: ids[1] });
    const second = await call(env.client, 'nc_news_list_items', {
      feed_id: feedId,
      limit: 2,
      offset: first.data.next_offset,
    });
    expect(titles(second)).toEqual(['Third post', 'Second post']);
    const last = await call(env.client, 'nc_news_list_items', {
      feed_id: feedId,
      limit: 2,
      offset: second.data.next_offset,
    });
    expect(titles(last)).toEqual(['First post']);
    expect(last.data).toMatchObject({ has_more: false, next_offset: null });
    const oldest = await call(env.client, 'nc_news_list_items', {
      feed_id: feedId,
      limit: 2,
      oldest_first: true,
    });
    expect(titles(oldest)).toEqual(['First post', 'Second post']);
    expect(oldest.data.next_offset).toBe(ids[3]);
  });

  it('filters by folder, read state and star, with text excerpts', async () => {
    const inFolder = await call(env.client, 'nc_news_list_items', { folder_id: folderId });
    expect(titles(inFolder)).toEqual(POSTS.map((post) => post.title));
    const fifth = inFolder.data.items[0];
    expect(fifth).toMatchObject({
      id: ids[0],
      unread: false,
      starred: false,
      url: expect.stringMatching(/\/posts\/5$/),
    });
    expect(fifth.excerpt).toBe('Hello & welcome\n\n- one\n- two');
    expect(fifth.published).toBe('2026-01-10T00:00:00.000Z');
    expect(inFolder.data.items[1].excerpt.length).toBeLessThanOrEqual(240);

    const unreadInFeed = await call(env.client, 'nc_news_list_items', { feed_id: feedId, unread_only: true });
    expect(titles(unreadInFeed)).toEqual(['Fourth post', 'Third post', 'First post']);
    const unread = await call(env.client, 'nc_news_get_unread_items', { limit: 200 });
    expect(titles(unread)).toEqual(['Fourth post', 'Third post', 'First post']);
    expect(unread.data.items.every((item: { unread: boolean }) => item.unread)).toBe(true);

    const starred = await call(env.client, 'nc_news_get_starred_items', { limit: 200 });
    expect(titles(starred)).toEqual(['Fourth post', 'Second post']);
    const starredUnread = await call(env.client, 'nc_news_list_items', {
      starred_only: true,
      unread_only: true,
      limit: 200,
    });
    expect(starredUnread.isError, textOf(starredUnread)).toBeFalsy();
    expect(titles(starredUnread)).toEqual(['Fourth post']);
  });

  it('reads one item as plain text, bounded, with its link and enclosure', async () => {
    const fifth = await call(env.client, 'nc_news_get_item', { item_id: ids[0] });
    expect(fifth.isError, textOf(fifth)).toBeFalsy();
    expect(fifth.data).toMatchObject({
      id: ids[0],
      title: 'Fifth post',
      feed_id: feedId,
      text: 'Hello & welcome\n\n- one\n- two',
      text_truncated: false,
      enclosure: null,
    });
    expect(fifth.data.text).not.toContain('alert');
    const long = await call(env.client, 'nc_news_get_item', { item_id: ids[1], max_chars: 1000 });
    expect(long.data.text_truncated).toBe(true);
    expect(long.data.text.length).toBeLessThanOrEqual(1000);
    expect(long.data.text).toMatch(/^Lorem ipsum dolor sit amet\. .*…$/s);
    const first = await call(env.client, 'nc_news_get_item', { item_id: ids[4] });
    expect(first.data.enclosure).toEqual({ mime: 'audio/mpeg', link: 'https://cdn.example/first.mp3' });
    expect(textOf(await call(env.client, 'nc_news_get_item', { item_id: 2_147_483_000 }))).toContain(
      'News item 2147483000 not found',
    );
  });

  it('names an unknown feed or folder; given together, feed_id wins over folder_id', async () => {
    expect(textOf(await call(env.client, 'nc_news_list_items', { feed_id: 2_147_483_000 }))).toBe(
      'News feed 2147483000 not found',
    );
    expect(textOf(await call(env.client, 'nc_news_list_items', { folder_id: 2_147_483_000 }))).toBe(
      'News folder 2147483000 not found',
    );
    const both = await call(env.client, 'nc_news_list_items', { feed_id: feedId, folder_id: 2_147_483_000 });
    expect(both.isError, textOf(both)).toBeFalsy();
  });

  it('reports feed health and the app status', async () => {
    const ours = await call(env.client, 'nc_news_get_feed_health', { feed_id: feedId });
    expect(ours.data.feeds).toEqual([
      expect.objectContaining({ feed_id: feedId, has_errors: false, error_count: 0, last_error: null }),
    ]);
    const failing = await call(env.client, 'nc_news_get_feed_health');
    expect(failing.data.checked_count).toBeGreaterThanOrEqual(1);
    expect(failing.data.feeds.every((feed: { has_errors: boolean }) => feed.has_errors)).toBe(true);
    expect(failing.data.feeds).toHaveLength(failing.data.failing_count);
    expect(textOf(await call(env.client, 'nc_news_get_feed_health', { feed_id: 2_147_483_000 }))).toBe(
      'News feed 2147483000 not found',
    );
    const status = await call(env.client, 'nc_news_get_status');
    expect(status.data.version).toMatch(/^\d+\.\d+/);
    expect(Array.isArray(status.data.warnings)).toBe(true);

    const standin = env.target.standin;
    if (!standin) return;
    expect(failing.data.feeds).toEqual([
      expect.objectContaining({
        title: 'Kernel Notes',
        error_count: 61,
        last_error: expect.stringContaining('timed out'),
      }),
    ]);
    standin.news.warnings.improperlyConfiguredCron = true;
    const warned = await call(env.client, 'nc_news_get_status');
    standin.news.warnings.improperlyConfiguredCron = false;
    expect(warned.data.warnings).toEqual([expect.stringContaining('system cron')]);
  });

  it('shows a news:read token only the News tools, all read-only', async () => {
    const client = await connectClient(env.server.url, env.target, ['news:read']);
    const tools = (await client.listTools()).tools;
    await client.close();
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      'nc_news_get_feed_health',
      'nc_news_get_item',
      'nc_news_get_starred_items',
      'nc_news_get_status',
      'nc_news_get_unread_items',
      'nc_news_list_feeds',
      'nc_news_list_folders',
      'nc_news_list_items',
    ]);
    expect(tools.every((tool) => tool.annotations?.readOnlyHint === true)).toBe(true);
  });

  it.runIf(!process.env.TEST_NEXTCLOUD_URL)('says so when this Nextcloud lacks the News app', async () => {
    const standin = env.target.standin;
    if (!standin) return;
    standin.news.enabled = false;
    const missing = await call(env.client, 'nc_news_list_feeds');
    standin.news.enabled = true;
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toBe('The News app is not installed or not enabled for you on this Nextcloud');
  });
});

describe('item text', () => {
  it('keeps the words, breaks lines at blocks and drops scripts, styles and comments', () => {
    expect(
      itemText(
        '<h1>Title</h1>\n<p>a &lt; b &amp;&nbsp;c &#x263A; &#9731;</p><!-- x > y --><style>p{}</style>' +
          '<SCRIPT>x()</SCRIPT>2 < 3<br>end &bogus;',
        1000,
      ),
    ).toEqual({ text: 'Title\n\na < b & c ☺ ☃\n2 < 3\nend &bogus;', truncated: false });
  });

  it('cuts long text at a word and marks it', () => {
    const { text, truncated } = itemText(`<p>${'word '.repeat(100)}</p>`, 50);
    expect(truncated).toBe(true);
    expect(text).toBe(`${'word '.repeat(9).trim()}…`);
  });

  // A quadratic pass over these would outlast the test timeout by far.
  it('stays linear on hostile markup', () => {
    expect(
      itemText(`${'<'.repeat(100_000)}${'<script>'.repeat(20_000)}${'<a '.repeat(100_000)}`, 100).truncated,
    ).toBe(true);
    expect(itemText(`x${'&amp'.repeat(100_000)}${'<!--'.repeat(50_000)}`, 100).truncated).toBe(true);
  });
});

import { md5, type RequestContext, sendJson } from './nextcloud.js';

/**
 * News app stand-in (nextcloud/news external API v1-3 under /index.php/apps/news/api/v1-3):
 * folders, feeds with unread counts and update errors, items paged by id (`batchSize`, `offset`,
 * `type` feed/folder/starred/all, `getRead`, `oldestFirst`), read and star marks, status and version.
 * Subscribing fetches the feed (RSS 2.0) as the app does and stores its items oldest first, so newer
 * items get higher ids (its CORS routes refuse bearer tokens in nextcloud.ts). Bodies are stored as
 * the feed sends them (the app would purify them); `enabled = false` answers 404 as a Nextcloud
 * without the app does.
 */
export interface StandinNewsFolder {
  id: number;
  name: string;
  userId: string;
}
export interface StandinNewsFeed {
  id: number;
  userId: string;
  url: string;
  title: string;
  link: string | null;
  added: number;
  folderId: number | null;
  pinned: boolean;
  updateErrorCount: number;
  lastUpdateError: string | null;
  nextUpdateTime: number | null;
}
export interface StandinNewsItem {
  id: number;
  feedId: number;
  guid: string;
  url: string | null;
  title: string;
  author: string | null;
  pubDate: number | null;
  body: string;
  enclosureMime: string | null;
  enclosureLink: string | null;
  unread: boolean;
  starred: boolean;
  lastModified: number;
}
export interface NewsState {
  enabled: boolean;
  folders: Map<number, StandinNewsFolder>;
  feeds: Map<number, StandinNewsFeed>;
  items: Map<number, StandinNewsItem>;
  next: { folder: number; feed: number; item: number };
  warnings: { improperlyConfiguredCron: boolean; incorrectDbCharset: boolean };
}

const API = '/index.php/apps/news/api/v1-3';
const now = () => Math.floor(Date.now() / 1000);

/** A folder with one feed whose updates keep failing, and two of its items (one starred). */
export function seededNews(owner: string): NewsState {
  const added = now() - 86_400 * 30;
  const item = (id: number, title: string, starred: boolean): [number, StandinNewsItem] => [
    id,
    {
      id,
      feedId: 1,
      guid: `https://kernel.example/${id}`,
      url: `https://kernel.example/${id}`,
      title,
      author: 'Kernel Team',
      pubDate: added + id * 3600,
      body: `<p>${title}</p>`,
      enclosureMime: null,
      enclosureLink: null,
      unread: !starred,
      starred,
      lastModified: added + id * 3600,
    },
  ];
  return {
    enabled: true,
    folders: new Map([[1, { id: 1, name: 'Kernel', userId: owner }]]),
    feeds: new Map([
      [
        1,
        {
          id: 1,
          userId: owner,
          url: 'https://kernel.example/feed.atom',
          title: 'Kernel Notes',
          link: 'https://kernel.example/',
          added,
          folderId: 1,
          pinned: false,
          updateErrorCount: 61,
          lastUpdateError: 'cURL error 28: Operation timed out after 30001 milliseconds',
          nextUpdateTime: null,
        },
      ],
    ]),
    items: new Map([item(1, 'Release candidate 1', true), item(2, 'Release candidate 2', false)]),
    next: { folder: 2, feed: 2, item: 3 },
    warnings: { improperlyConfiguredCron: false, incorrectDbCharset: false },
  };
}

const folderJson = (folder: StandinNewsFolder) => ({
  id: folder.id,
  name: folder.name,
  opened: true,
  feeds: [],
});

function feedJson(state: NewsState, feed: StandinNewsFeed) {
  const { userId: _user, ...fields } = feed;
  const unreadCount = [...state.items.values()].filter((i) => i.feedId === feed.id && i.unread).length;
  return { ...fields, faviconLink: null, unreadCount, ordering: 0, items: [] };
}

const itemJson = (item: StandinNewsItem) => ({
  ...item,
  guidHash: md5(item.guid),
  updatedDate: null,
  mediaThumbnail: null,
  mediaDescription: null,
  filtered: false,
  rtl: false,
  fingerprint: md5(item.title + item.body + (item.url ?? '')),
  contentHash: md5(item.body),
});

/** The App Framework reads parameters from the query or the JSON body alike; booleans as PHP casts them. */
function params(ctx: RequestContext): Record<string, unknown> {
  const body = ctx.body.length ? (JSON.parse(ctx.body.toString('utf8')) as Record<string, unknown>) : {};
  return { ...Object.fromEntries(ctx.url.searchParams), ...body };
}
const int = (value: unknown, fallback: number) => (value === undefined ? fallback : Number(value));
const bool = (value: unknown, fallback: boolean) =>
  value === undefined ? fallback : !(value === false || value === 'false' || value === '0' || value === '');

export async function handleNews(ctx: RequestContext): Promise<void> {
  const { req, res, url, user } = ctx;
  const state = ctx.standin.news;
  if (!state.enabled) {
    res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>Page not found</body></html>');
    return;
  }
  const path = url.pathname.slice(API.length);
  const p = params(ctx);
  const folders = [...state.folders.values()].filter((folder) => folder.userId === user);
  const feeds = [...state.feeds.values()].filter((feed) => feed.userId === user);
  const items = [...state.items.values()].filter((item) => feeds.some((feed) => feed.id === item.feedId));
  const newest = items.reduce((max, item) => Math.max(max, item.id), 0);
  const route = `${req.method} ${path.replace(/\/\d+(?=\/|$)/, '/{id}')}`;
  const id = Number(/\/(\d+)/.exec(path)?.[1]);

  switch (route) {
    case 'GET /version':
      return sendJson(res, 200, { version: '25.3.0' });
    case 'GET /status':
      return sendJson(res, 200, { version: '25.3.0', warnings: state.warnings });
    case 'GET /folders':
      return sendJson(res, 200, { folders: folders.map(folderJson) });
    case 'POST /folders': {
      const name = String(p.name ?? '').trim();
      if (!name) return sendJson(res, 422, { message: 'Folder name can not be empty' });
      if (folders.some((folder) => folder.name === name))
        return sendJson(res, 409, { message: 'Can not add folder: Exists already' });
      const folder = { id: state.next.folder++, name, userId: user };
      state.folders.set(folder.id, folder);
      return sendJson(res, 200, { folders: [folderJson(folder)] });
    }
    case 'DELETE /folders/{id}': {
      if (!folders.some((folder) => folder.id === id))
        return sendJson(res, 404, { message: 'Folder not found' });
      for (const feed of feeds.filter((f) => f.folderId === id)) removeFeed(state, feed.id);
      state.folders.delete(id);
      return sendJson(res, 200, []);
    }
    case 'GET /feeds':
      return sendJson(res, 200, {
        feeds: feeds.map((feed) => feedJson(state, feed)),
        starredCount: items.filter((item) => item.starred).length,
        ...(newest ? { newestItemId: newest } : {}),
      });
    case 'POST /feeds':
      return subscribe(ctx, String(p.url ?? ''), p.folderId ? Number(p.folderId) : null);
    case 'DELETE /feeds/{id}': {
      if (!feeds.some((feed) => feed.id === id)) return sendJson(res, 404, { message: 'Feed not found' });
      removeFeed(state, id);
      return sendJson(res, 200, []);
    }
    case 'GET /items':
      return listItems(ctx, p, feeds, items);
    case 'POST /items/{id}/read':
    case 'POST /items/{id}/unread':
    case 'POST /items/{id}/star':
    case 'POST /items/{id}/unstar': {
      const item = items.find((candidate) => candidate.id === id);
      if (!item) return sendJson(res, 404, { message: 'Item not found' });
      const mark = path.slice(path.lastIndexOf('/') + 1);
      if (mark === 'read' || mark === 'unread') item.unread = mark === 'unread';
      else item.starred = mark === 'star';
      item.lastModified = now();
      return sendJson(res, 200, []);
    }
  }
  res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>Page not found</body></html>');
}

function listItems(
  ctx: RequestContext,
  p: Record<string, unknown>,
  feeds: StandinNewsFeed[],
  items: StandinNewsItem[],
): void {
  const type = int(p.type, 3);
  const id = int(p.id, 0);
  const getRead = bool(p.getRead, true);
  const batchSize = int(p.batchSize, -1);
  const offset = int(p.offset, 0);
  const oldestFirst = bool(p.oldestFirst, false);
  let found: StandinNewsItem[];
  if (type === 0) found = items.filter((item) => item.feedId === id);
  else if (type === 1)
    found = items.filter((item) => feeds.find((feed) => feed.id === item.feedId)?.folderId === id);
  else if (type === 2 || type === 3) {
    // The app's own refusal, answered with 200 and no items.
    if (!getRead && type === 2)
      return sendJson(ctx.res, 200, {
        message: 'Setting getRead on an already filtered list is not allowed!',
      });
    found = type === 2 ? items.filter((item) => item.starred) : items;
  } else return sendJson(ctx.res, 500, { message: 'Unexpected Feed type in call' });
  if (!getRead) found = found.filter((item) => item.unread);
  if (offset !== 0) found = found.filter((item) => (oldestFirst ? item.id > offset : item.id < offset));
  found.sort((a, b) => (oldestFirst ? a.id - b.id : b.id - a.id));
  if (batchSize >= 1) found = found.slice(0, batchSize);
  sendJson(ctx.res, 200, { items: found.map(itemJson) });
}

function removeFeed(state: NewsState, feedId: number): void {
  state.feeds.delete(feedId);
  for (const item of [...state.items.values()]) if (item.feedId === feedId) state.items.delete(item.id);
}

/** The text of the first `<tag>` in `xml`, CDATA unwrapped and entities decoded. */
function tagText(xml: string, tag: string): string | null {
  const raw = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`).exec(xml)?.[1];
  if (raw === undefined) return null;
  const cdata = /^\s*<!\[CDATA\[([\s\S]*)\]\]>\s*$/.exec(raw);
  if (cdata) return cdata[1] ?? '';
  return raw
    .trim()
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Subscribes to an RSS 2.0 feed: fetched now, as the app does, or 404 when it cannot be read. */
async function subscribe(ctx: RequestContext, feedUrl: string, folderId: number | null): Promise<void> {
  const { res, user } = ctx;
  const state = ctx.standin.news;
  if ([...state.feeds.values()].some((feed) => feed.userId === user && feed.url === feedUrl))
    return sendJson(res, 409, { message: 'Feed with this URL exists' });
  if (folderId !== null && state.folders.get(folderId)?.userId !== user)
    return sendJson(res, 404, { message: 'Folder not found' });
  const xml = await fetch(feedUrl).then(
    (response) => (response.ok ? response.text() : ''),
    () => '',
  );
  const channel = /<channel>([\s\S]*?)(<item>|<\/channel>)/.exec(xml)?.[1];
  if (channel === undefined)
    return sendJson(res, 404, { message: `Can not add feed: ${feedUrl} is no feed` });
  const feed: StandinNewsFeed = {
    id: state.next.feed++,
    userId: user,
    url: feedUrl,
    title: tagText(channel, 'title') ?? new URL(feedUrl).host,
    link: tagText(channel, 'link'),
    added: now(),
    folderId,
    pinned: false,
    updateErrorCount: 0,
    lastUpdateError: '',
    nextUpdateTime: null,
  };
  state.feeds.set(feed.id, feed);
  // Newest first in the feed; stored oldest first so that ids grow with time.
  for (const [, xmlItem = ''] of [...xml.matchAll(/<item>([\s\S]*?)<\/item>/g)].reverse()) {
    const enclosure = /<enclosure\s([^>]*)>/.exec(xmlItem)?.[1] ?? '';
    const attribute = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(enclosure)?.[1] ?? null;
    const link = tagText(xmlItem, 'link');
    const published = Date.parse(tagText(xmlItem, 'pubDate') ?? '');
    const id = state.next.item++;
    state.items.set(id, {
      id,
      feedId: feed.id,
      guid: tagText(xmlItem, 'guid') ?? link ?? String(id),
      url: link,
      title: tagText(xmlItem, 'title') ?? '',
      author: tagText(xmlItem, 'author'),
      pubDate: Number.isNaN(published) ? null : Math.floor(published / 1000),
      body: tagText(xmlItem, 'description') ?? '',
      enclosureMime: attribute('type'),
      enclosureLink: attribute('url'),
      unread: true,
      starred: false,
      lastModified: now(),
    });
  }
  const mine = [...state.items.values()].filter((item) => state.feeds.get(item.feedId)?.userId === user);
  const newest = Math.max(0, ...mine.map((item) => item.id));
  return sendJson(res, 200, {
    feeds: [feedJson(state, feed)],
    ...(newest ? { newestItemId: newest } : {}),
  });
}

import { z } from 'zod';
import { NotFoundError } from '../errors.js';
import { type Feed, feedsOf, foldersOf, MAX_ID, statusOf } from '../nextcloud/news.js';
import { defineTool } from '../registry.js';
import { isoTime } from './news-text.js';

/** The News tools for folders, feeds and the app's status; the item tools are in news.ts. */

const read = { readOnlyHint: true, destructiveHint: false, idempotentHint: true } as const;

const listFolders = defineTool({
  name: 'nc_news_list_folders',
  title: 'List News folders',
  description: 'The folders of the News app (feed reader), each with its number of feeds and unread items.',
  input: {},
  output: {
    folders: z.array(
      z.object({ id: z.number(), name: z.string(), feed_count: z.number(), unread_count: z.number() }),
    ),
    total_count: z.number(),
  },
  hints: read,
  async handler(_args, { nc }) {
    const [folders, { feeds = [] }] = await Promise.all([foldersOf(nc), feedsOf(nc)]);
    const views = folders.map((folder) => {
      const inside = feeds.filter((feed) => feed.folderId === folder.id);
      return {
        id: folder.id,
        name: folder.name,
        feed_count: inside.length,
        unread_count: inside.reduce((sum, feed) => sum + (feed.unreadCount ?? 0), 0),
      };
    });
    return { structured: { folders: views, total_count: views.length } };
  },
});

const feedShape = {
  id: z.number(),
  title: z.string(),
  url: z.string().describe('The feed address'),
  link: z.string().nullable().describe('The web site'),
  folder_id: z.number().nullable().describe('null for feeds outside any folder'),
  unread_count: z.number(),
  pinned: z.boolean(),
  added: z.string().nullable(),
  update_error_count: z.number().describe('Consecutive failed updates; 0 when the last update worked'),
  last_update_error: z.string().nullable(),
};

const feedView = (feed: Feed) => ({
  id: feed.id,
  title: feed.title ?? feed.url,
  url: feed.url,
  link: feed.link || null,
  folder_id: feed.folderId ?? null,
  unread_count: feed.unreadCount ?? 0,
  pinned: Boolean(feed.pinned),
  added: isoTime(feed.added),
  update_error_count: feed.updateErrorCount ?? 0,
  last_update_error: feed.lastUpdateError || null,
});

const listFeeds = defineTool({
  name: 'nc_news_list_feeds',
  title: 'List News feeds',
  description:
    'The subscribed feeds with their folder, unread count and update errors, and the number of starred items.',
  input: {},
  output: {
    feeds: z.array(z.object(feedShape)),
    starred_count: z.number(),
    newest_item_id: z.number().nullable(),
    total_count: z.number(),
  },
  hints: read,
  async handler(_args, { nc }) {
    const data = await feedsOf(nc);
    const feeds = (data.feeds ?? []).map(feedView);
    return {
      structured: {
        feeds,
        starred_count: data.starredCount ?? 0,
        newest_item_id: data.newestItemId ?? null,
        total_count: feeds.length,
      },
    };
  },
});

const healthShape = {
  feed_id: z.number(),
  title: z.string(),
  url: z.string(),
  has_errors: z.boolean(),
  error_count: z.number(),
  last_error: z.string().nullable(),
  next_update: z.string().nullable().describe('ISO 8601, when the app plans the next update, if it says'),
};

const feedHealth = defineTool({
  name: 'nc_news_get_feed_health',
  title: 'News feed health',
  description:
    'Whether feeds update: for one feed_id its error count and last error; without it, every feed whose updates fail.',
  input: { feed_id: z.number().int().min(1).max(MAX_ID).optional().describe('The feed to check') },
  output: { feeds: z.array(z.object(healthShape)), checked_count: z.number(), failing_count: z.number() },
  hints: read,
  async handler(args, { nc }) {
    const all = ((await feedsOf(nc)).feeds ?? []).map((feed) => ({
      feed_id: feed.id,
      title: feed.title ?? feed.url,
      url: feed.url,
      has_errors: (feed.updateErrorCount ?? 0) > 0,
      error_count: feed.updateErrorCount ?? 0,
      last_error: feed.lastUpdateError || null,
      next_update: isoTime(feed.nextUpdateTime),
    }));
    const failing = all.filter((feed) => feed.has_errors);
    let feeds = failing.sort((a, b) => b.error_count - a.error_count);
    if (args.feed_id !== undefined) {
      const one = all.find((feed) => feed.feed_id === args.feed_id);
      if (!one) throw new NotFoundError(`News feed ${args.feed_id} not found`);
      feeds = [one];
    }
    return { structured: { feeds, checked_count: all.length, failing_count: failing.length } };
  },
});

/** What each warning of the status route means for the person reading news. */
const WARNINGS: Record<string, string> = {
  improperlyConfiguredCron:
    'Background jobs do not run by system cron, so feeds update only while someone uses Nextcloud',
  incorrectDbCharset: 'The database cannot store 4-byte characters (emoji), so some updates may fail',
};

const status = defineTool({
  name: 'nc_news_get_status',
  title: 'News app status',
  description: 'The News app version and the configuration problems it reports (cron, database charset).',
  input: {},
  output: { version: z.string(), warnings: z.array(z.string()) },
  hints: read,
  async handler(_args, { nc }) {
    const data = await statusOf(nc);
    const warnings = Object.entries(data.warnings ?? {})
      .filter(([, on]) => on === true)
      .map(([key]) => WARNINGS[key] ?? key);
    return { structured: { version: data.version ?? 'unknown', warnings } };
  },
});

export const newsFeedTools = [listFolders, listFeeds, feedHealth, status];

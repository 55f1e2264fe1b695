import { z } from 'zod';
import { NotFoundError } from '../errors.js';
import type { NextcloudClient } from '../nextcloud/client.js';
import { feedsOf, foldersOf, type Item, itemsOf, LIST, MAX_ID } from '../nextcloud/news.js';
import { defineTool } from '../registry.js';
import { isoTime, itemText } from './news-text.js';

/** The News tools for items (articles); folders, feeds and status are in news-feeds.ts. */

const EXCERPT_CHARS = 240;
const read = { readOnlyHint: true, destructiveHint: false, idempotentHint: true } as const;

const itemId = z.number().int().min(1).max(MAX_ID).describe('The numeric id of the News item');
const paging = {
  limit: z.number().int().min(1).max(200).default(50).describe('How many items at most (default 50)'),
  offset: z
    .number()
    .int()
    .min(0)
    .max(MAX_ID)
    .default(0)
    .describe('Continue after this item id: the next_offset of the previous page; 0 starts at the beginning'),
  oldest_first: z.boolean().default(false).describe('Oldest items first instead of newest first'),
};

const summaryShape = {
  id: z.number(),
  title: z.string(),
  url: z.string().nullable(),
  author: z.string().nullable(),
  feed_id: z.number(),
  published: z.string().nullable().describe('ISO 8601'),
  unread: z.boolean(),
  starred: z.boolean(),
};
const itemList = {
  items: z.array(
    z.object({
      ...summaryShape,
      excerpt: z.string().describe(`The start of the text, at most ${EXCERPT_CHARS} characters`),
    }),
  ),
  count: z.number(),
  has_more: z.boolean(),
  next_offset: z.number().nullable().describe('Pass as offset for the next page; null on the last page'),
};

function summaryView(item: Item) {
  return {
    id: item.id,
    title: item.title ?? '',
    url: item.url || null,
    author: item.author || null,
    feed_id: item.feedId,
    published: isoTime(item.pubDate),
    unread: Boolean(item.unread),
    starred: Boolean(item.starred),
  };
}

/** What the item tools ask for; the app's own query differs in how it says "unread only". */
interface ItemQuery {
  type: number;
  id: number;
  unreadOnly: boolean;
  limit: number;
  offset: number;
  oldestFirst: boolean;
}

/**
 * One page of items. The app pages by item id (`offset` = the last id seen) and refuses to filter
 * starred items by read state, so unread starred items are picked from the page here.
 */
async function itemPage(nc: NextcloudClient, q: ItemQuery) {
  const filterHere = q.unreadOnly && q.type === LIST.starred;
  const found = await itemsOf(nc, {
    type: q.type,
    id: q.id,
    getRead: !q.unreadOnly || filterHere,
    batchSize: q.limit,
    offset: q.offset,
    oldestFirst: q.oldestFirst,
  });
  const ids = found.map((item) => item.id);
  const hasMore = found.length === q.limit;
  const items = (filterHere ? found.filter((item) => item.unread) : found).map((item) => ({
    ...summaryView(item),
    excerpt: itemText(item.body, EXCERPT_CHARS).text,
  }));
  return {
    items,
    count: items.length,
    has_more: hasMore,
    next_offset: hasMore ? (q.oldestFirst ? Math.max(...ids) : Math.min(...ids)) : null,
  };
}

const listItems = defineTool({
  name: 'nc_news_list_items',
  title: 'List News items',
  description:
    'Articles of all feeds, one feed, one folder or the starred ones, newest first, with a short excerpt; page with offset = next_offset. Given together, starred_only wins over feed_id, and feed_id over folder_id.',
  input: {
    feed_id: z.number().int().min(1).max(MAX_ID).optional().describe('Only items of this feed'),
    folder_id: z
      .number()
      .int()
      .min(1)
      .max(MAX_ID)
      .optional()
      .describe('Only items of the feeds in this folder'),
    starred_only: z.boolean().default(false).describe('Only starred items'),
    unread_only: z.boolean().default(false).describe('Only unread items'),
    ...paging,
  },
  output: itemList,
  hints: read,
  async handler(args, { nc }) {
    // One list per request: the Python server's precedence, so its calls select the same items.
    const [type, id] = args.starred_only
      ? [LIST.starred, 0]
      : args.feed_id !== undefined
        ? [LIST.feed, args.feed_id]
        : args.folder_id !== undefined
          ? [LIST.folder, args.folder_id]
          : [LIST.all, 0];
    const page = await itemPage(nc, {
      type,
      id,
      unreadOnly: args.unread_only,
      limit: args.limit,
      offset: args.offset,
      oldestFirst: args.oldest_first,
    });
    // The app answers an unknown feed or folder with no items; say which it was instead.
    if (page.count === 0 && args.offset === 0 && id !== 0) {
      const known =
        type === LIST.feed
          ? ((await feedsOf(nc)).feeds ?? []).some((feed) => feed.id === id)
          : (await foldersOf(nc)).some((folder) => folder.id === id);
      if (!known) throw new NotFoundError(`News ${type === LIST.feed ? 'feed' : 'folder'} ${id} not found`);
    }
    return { structured: page };
  },
});

const getItem = defineTool({
  name: 'nc_news_get_item',
  title: 'Read a News item',
  description:
    'One article with its text (HTML turned into plain text, cut at max_chars), link, author and enclosure.',
  input: {
    item_id: itemId,
    max_chars: z
      .number()
      .int()
      .min(200)
      .max(100_000)
      .default(20_000)
      .describe('Longest text to return (default 20000 characters)'),
  },
  output: {
    ...summaryShape,
    text: z.string(),
    text_truncated: z.boolean(),
    enclosure: z.object({ mime: z.string().nullable(), link: z.string() }).nullable(),
  },
  hints: read,
  async handler(args, { nc }) {
    // The API has no route for one item; ids are ordered, so the page that starts just above the id
    // holds it first if it exists.
    const [item] = await itemsOf(
      nc,
      { type: LIST.all, id: 0, getRead: true, batchSize: 1, offset: args.item_id + 1, oldestFirst: false },
      `News item ${args.item_id}`,
    );
    if (item?.id !== args.item_id)
      throw new NotFoundError(
        `News item ${args.item_id} not found (the app removes old read items that are not starred)`,
      );
    const body = itemText(item.body, args.max_chars);
    return {
      structured: {
        ...summaryView(item),
        text: body.text,
        text_truncated: body.truncated,
        enclosure: item.enclosureLink ? { mime: item.enclosureMime || null, link: item.enclosureLink } : null,
      },
    };
  },
});

/** The starred and the unread lists differ only in which items the app is asked for. */
function itemsTool(starredOnly: boolean) {
  return defineTool({
    name: starredOnly ? 'nc_news_get_starred_items' : 'nc_news_get_unread_items',
    title: starredOnly ? 'Starred News items' : 'Unread News items',
    description: starredOnly
      ? 'The starred (saved) articles, read or not, newest first; page with offset = next_offset.'
      : 'The unread articles of every feed, newest first, with excerpts; page with offset = next_offset.',
    input: paging,
    output: itemList,
    hints: read,
    async handler(args, { nc }) {
      return {
        structured: await itemPage(nc, {
          type: starredOnly ? LIST.starred : LIST.all,
          id: 0,
          unreadOnly: !starredOnly,
          limit: args.limit,
          offset: args.offset,
          oldestFirst: args.oldest_first,
        }),
      };
    },
  });
}
const starred = itemsTool(true);
const unread = itemsTool(false);

export const newsItemTools = [listItems, getItem, starred, unread];

import { z } from 'zod';
import { NotFoundError, UpstreamFailedError } from '../errors.js';
import type { NextcloudClient } from './client.js';

/** News app external API v1-3 (docs/development/api/api-v1-3.md in nextcloud/news). */
const API = '/index.php/apps/news/api/v1-3';
/** The app's ids are 32-bit integers. */
export const MAX_ID = 2_147_483_647;

const FolderSchema = z.looseObject({ id: z.number(), name: z.string() });
export type Folder = z.output<typeof FolderSchema>;

/** Feeds the app could never fetch have no title; counts and times are null until known. */
const FeedSchema = z.looseObject({
  id: z.number(),
  url: z.string(),
  title: z.string().nullish(),
  link: z.string().nullish(),
  added: z.number().nullish(),
  folderId: z.number().nullish(),
  unreadCount: z.number().nullish(),
  pinned: z.boolean().nullish(),
  updateErrorCount: z.number().nullish(),
  lastUpdateError: z.string().nullish(),
  nextUpdateTime: z.number().nullish(),
});
export type Feed = z.output<typeof FeedSchema>;

const FeedsSchema = z.looseObject({
  feeds: z.array(FeedSchema).optional(),
  starredCount: z.number().nullish(),
  newestItemId: z.number().nullish(),
});

const ItemSchema = z.looseObject({
  id: z.number(),
  title: z.string().nullish(),
  url: z.string().nullish(),
  author: z.string().nullish(),
  pubDate: z.number().nullish(),
  body: z.string().nullish(),
  feedId: z.number(),
  unread: z.boolean(),
  starred: z.boolean(),
  enclosureMime: z.string().nullish(),
  enclosureLink: z.string().nullish(),
});
export type Item = z.output<typeof ItemSchema>;

/** The app refuses some queries with a 200 that carries a `message` instead of `items`. */
const ItemsSchema = z.looseObject({ items: z.array(ItemSchema).optional(), message: z.string().optional() });

const StatusSchema = z.looseObject({
  version: z.string().optional(),
  warnings: z.record(z.string(), z.unknown()).optional(),
});

/** A GET on the News API (CORS routes: a bearer token needs Nextcloud 31 and `OCS-APIRequest`, which the client sends). */
async function news<S extends z.ZodType>(
  nc: NextcloudClient,
  path: string,
  what: string,
  schema: S,
  query?: Record<string, number | boolean>,
): Promise<z.output<S>> {
  try {
    const { data } = await nc.json({
      method: 'GET',
      path: `${API}${path}`,
      what,
      schema,
      ...(query ? { query } : {}),
    });
    return data;
  } catch (error) {
    // Every route used here is a collection: a 404 means the app itself is missing.
    if (error instanceof NotFoundError)
      throw new NotFoundError('The News app is not installed or not enabled for you on this Nextcloud', {
        cause: error,
      });
    throw error;
  }
}

/** The feeds, with the number of starred items and the newest item id. */
export const feedsOf = (nc: NextcloudClient) => news(nc, '/feeds', 'The News feeds', FeedsSchema);

export const foldersOf = async (nc: NextcloudClient): Promise<Folder[]> =>
  (
    await news(
      nc,
      '/folders',
      'The News folders',
      z.looseObject({ folders: z.array(FolderSchema).optional() }),
    )
  ).folders ?? [];

export const statusOf = (nc: NextcloudClient) => news(nc, '/status', 'The News status', StatusSchema);

/** The `type` of an item query. */
export const LIST = { feed: 0, folder: 1, starred: 2, all: 3 } as const;

export interface ItemQuery {
  readonly type: number;
  readonly id: number;
  readonly getRead: boolean;
  readonly batchSize: number;
  /** The app pages by item id: the last id seen, 0 for the start. */
  readonly offset: number;
  readonly oldestFirst: boolean;
}

/** One page of items; a refusal the app answers with 200 is an UpstreamFailedError with its message. */
export async function itemsOf(
  nc: NextcloudClient,
  query: ItemQuery,
  what = 'The News items',
): Promise<Item[]> {
  const data = await news(nc, '/items', what, ItemsSchema, { ...query });
  if (!data.items)
    throw new UpstreamFailedError(
      `The News app did not list items${data.message ? `: ${data.message.slice(0, 200)}` : ''}`,
    );
  return data.items;
}

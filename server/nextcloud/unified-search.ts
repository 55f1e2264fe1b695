import { z } from 'zod';
import type { Scope } from '../../contract/index.js';
import type { NextcloudClient } from './client.js';

/**
 * Nextcloud's unified search (core/Controller/UnifiedSearchController.php, OCS): the providers the
 * apps register (`GET /ocs/v2.php/search/providers`) and one provider's page of results
 * (`GET /ocs/v2.php/search/providers/{id}/search?term&limit&cursor`), shaped as
 * lib/public/Search/SearchResult.php and SearchResultEntry.php serialise them.
 */
const PROVIDERS = '/ocs/v2.php/search/providers';

/** Nextcloud caps a page at 25 entries (UnifiedSearchController::search, since 28). */
export const MAX_PAGE = 25;

/**
 * The scope a provider's results need, by provider id: the read scope of the app whose data it
 * searches. A provider not named here is never asked (settings, users, apps, comments, …): its
 * results could show what no scope of the caller covers. Each id is what the provider's getId()
 * returns in the app's source (GitHub repository and file named beside it).
 */
export const PROVIDER_SCOPES: Readonly<Record<string, Scope>> = {
  files: 'files:read', // nextcloud/server apps/files/lib/Search/FilesSearchProvider.php
  mail: 'mail:read', // nextcloud/mail lib/Search/Provider.php (Application::APP_ID; FilteringProvider inherits it)
  'talk-conversations': 'talk:read', // nextcloud/spreed lib/Search/ConversationSearch.php
  'talk-message': 'talk:read', // nextcloud/spreed lib/Search/MessageSearch.php
  'talk-message-current': 'talk:read', // nextcloud/spreed lib/Search/CurrentMessageSearch.php
  deck: 'deck:read', // nextcloud/deck lib/Search/DeckProvider.php
  'deck-comment': 'deck:read', // nextcloud/deck lib/Search/CardCommentProvider.php
  calendar: 'calendar:read', // nextcloud/server apps/dav/lib/Search/EventsSearchProvider.php
  tasks: 'todo:read', // nextcloud/server apps/dav/lib/Search/TasksSearchProvider.php
  contacts: 'contacts:read', // nextcloud/server apps/dav/lib/Search/ContactsSearchProvider.php
  notes: 'notes:read', // nextcloud/notes lib/AppInfo/SearchProvider.php (Application::APP_ID)
  collectives: 'collectives:read', // nextcloud/collectives lib/Search/CollectiveProvider.php
  'collectives-pages': 'collectives:read', // nextcloud/collectives lib/Search/PageProvider.php
  'collectives-page-content': 'collectives:read', // nextcloud/collectives lib/Search/PageContentProvider.php
  news_item: 'news:read', // nextcloud/news lib/Search/ItemSearchProvider.php
  news_feed: 'news:read', // nextcloud/news lib/Search/FeedSearchProvider.php
  news_folder: 'news:read', // nextcloud/news lib/Search/FolderSearchProvider.php
  cookbook: 'cookbook:read', // nextcloud/cookbook lib/Search/Provider.php (Application::APP_ID)
  'tables-search-tables': 'tables:read', // nextcloud/tables lib/Search/SearchTablesProvider.php
};

/**
 * Providers whose results are the caller's files seen through another app (a note, a page, a
 * recipe: Cookbook keeps each in a folder of the user's files): the entries do not tell which
 * file, so where the tenant excludes tags they are not asked at all.
 */
export const FILE_BACKED = new Set(['notes', 'collectives-pages', 'collectives-page-content', 'cookbook']);

const Provider = z.looseObject({
  id: z.string(),
  name: z.string(),
  appId: z.string().optional(),
  order: z.number().optional(),
});
export type SearchProvider = z.output<typeof Provider>;

/** PHP sends an empty attribute map as `[]`; attribute values are strings (addAttribute). */
const Attributes = z
  .union([z.record(z.string(), z.unknown()), z.array(z.unknown())])
  .transform((value) =>
    Array.isArray(value)
      ? {}
      : Object.fromEntries(
          Object.entries(value).flatMap(([key, item]) =>
            typeof item === 'string' || typeof item === 'number' ? [[key, String(item)]] : [],
          ),
        ),
  );

const Entry = z.looseObject({
  thumbnailUrl: z.string().default(''),
  title: z.string(),
  subline: z.string().default(''),
  resourceUrl: z.string().default(''),
  icon: z.string().default(''),
  attributes: Attributes.default({}),
});
export type SearchEntry = z.output<typeof Entry>;

const Result = z.looseObject({
  name: z.string(),
  isPaginated: z.boolean(),
  entries: z.array(Entry),
  cursor: z.union([z.string(), z.number(), z.null()]).optional(),
});
export type SearchPage = z.output<typeof Result>;

/** The providers this user has, in Nextcloud's order. */
export function listProviders(nc: NextcloudClient): Promise<SearchProvider[]> {
  return nc.ocs({ method: 'GET', path: PROVIDERS, what: 'The search providers', schema: z.array(Provider) });
}

/** One page of a provider's results for `term`; `cursor` is the one its previous page returned. */
export function searchProvider(
  nc: NextcloudClient,
  provider: string,
  query: { term: string; limit: number; cursor?: string | undefined },
): Promise<SearchPage> {
  return nc.ocs({
    method: 'GET',
    path: `${PROVIDERS}/${encodeURIComponent(provider)}/search`,
    query: { term: query.term, limit: query.limit, cursor: query.cursor },
    what: `The search in ${provider}`,
    schema: Result,
  });
}

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
 * results could show what no scope of the caller covers.
 */
export const PROVIDER_SCOPES: Readonly<Record<string, Scope>> = {
  files: 'files:read',
  mail: 'mail:read',
  'talk-conversations': 'talk:read',
  'talk-message': 'talk:read',
  'talk-message-current': 'talk:read',
  deck: 'deck:read',
  'deck-comment': 'deck:read',
  calendar: 'calendar:read',
  tasks: 'todo:read',
  contacts: 'contacts:read',
  notes: 'notes:read',
  collectives: 'collectives:read',
  'collectives-pages': 'collectives:read',
  'collectives-page-content': 'collectives:read',
};

/**
 * Providers whose results are the caller's files seen through another app (a note, a page): the
 * entries do not tell which file, so where the tenant excludes tags they are not asked at all.
 */
export const FILE_BACKED = new Set(['notes', 'collectives-pages', 'collectives-page-content']);

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

import { type RequestContext, sendOcs } from './nextcloud.js';
import { propfind } from './nextcloud-dav.js';
import { fileIdOf } from './nextcloud-files-meta.js';

/**
 * Unified search as core/Controller/UnifiedSearchController.php and lib/private/Search/SearchComposer.php
 * answer it: `GET /ocs/v2.php/search/providers` (id, appId, name, icon, order, triggers, filters,
 * inAppSearch; sorted by order) and `GET …/providers/{id}/search?term&limit&cursor` with a
 * SearchResult (name, isPaginated, entries, cursor) of SearchResultEntry objects. The limit is
 * 5 unless given and at most 25; an unknown provider id escapes as InvalidArgumentException, which
 * OCS answers as a 500. The files provider searches the user's files in Apache as
 * apps/files/lib/Search/FilesSearchProvider.php does (name contains the term, newest first, the
 * cursor an offset, attributes fileId and path); the others answer from seeded entries.
 */
export interface SeededEntry {
  readonly title: string;
  readonly subline: string;
  readonly resourceUrl: string;
  readonly attributes?: Record<string, string>;
}

export interface SeededProvider {
  readonly id: string;
  readonly appId: string;
  readonly name: string;
  readonly order: number;
  readonly paginated: boolean;
  readonly entries: SeededEntry[];
}

export interface SearchState {
  readonly providers: SeededProvider[];
}

const provider = (id: string, appId: string, name: string, order: number, entries: SeededEntry[]) => ({
  id,
  appId,
  name,
  order,
  paginated: true,
  entries,
});

/**
 * Providers a tool maps to a scope (ids as the apps' getId() return them, see PROVIDER_SCOPES),
 * one of them file-backed (cookbook), and one no scope covers (settings).
 */
export function seededSearch(): SearchState {
  return {
    providers: [
      provider('mail', 'mail', 'Mails', 20, [
        {
          title: 'Budget 2025 draft',
          subline: 'from carol@example.com',
          resourceUrl: '/apps/mail/box/1/thread/7',
        },
      ]),
      provider('talk-message', 'spreed', 'Messages', 30, [
        { title: 'Alice', subline: 'Can we go over the budget?', resourceUrl: '/call/abc123#message_42' },
      ]),
      provider('deck', 'deck', 'Deck', 40, [
        { title: 'Budget review', subline: 'in Finance » To do', resourceUrl: '/apps/deck/card/12' },
      ]),
      provider('calendar', 'calendar', 'Events', 50, [
        { title: 'Budget meeting', subline: 'Tomorrow 10:00', resourceUrl: '/apps/calendar/edit/abc.ics' },
      ]),
      provider('contacts', 'contacts', 'Contacts', 60, [
        {
          title: 'Budget Office',
          subline: 'budget@example.com',
          resourceUrl: '/apps/contacts/direct/budget',
        },
      ]),
      provider('tables-search-tables', 'tables', 'Nextcloud tables', 62, [
        { title: '📊 Budget', subline: 'alice, 3 rows, table', resourceUrl: '/apps/tables/#/table/3' },
      ]),
      provider('cookbook', 'cookbook', 'Recipes', 64, [
        { title: 'Budget curry', subline: 'in Dinner', resourceUrl: '/apps/cookbook/#/recipe/8' },
      ]),
      provider('settings', 'settings', 'Settings', 70, [
        { title: 'Budget quota', subline: 'Administration', resourceUrl: '/settings/admin' },
      ]),
    ],
  };
}

const SEARCH = /^\/ocs\/v2\.php\/search\/providers\/([^/]+)\/search$/;

export async function handleSearch(ctx: RequestContext): Promise<void> {
  const { url, req, res } = ctx;
  if (req.method !== 'GET') return sendOcs(res, 405, null, 'Method not allowed');
  if (url.pathname === '/ocs/v2.php/search/providers') return sendOcs(res, 200, providerList(ctx));
  const match = SEARCH.exec(url.pathname);
  if (!match) return sendOcs(res, 404, null, 'Not found');
  const id = decodeURIComponent(match[1] ?? '');
  const term = url.searchParams.get('term') ?? '';
  if (term.trim() === '') return sendOcs(res, 400, null, '');
  const limit = Math.max(1, Math.min(Number(url.searchParams.get('limit') ?? 5) || 5, 25));
  const offset = Number(url.searchParams.get('cursor') ?? 0) || 0;
  if (id === 'files') return sendOcs(res, 200, await searchFiles(ctx, term, limit, offset));
  const seeded = ctx.standin.search.providers.find((candidate) => candidate.id === id);
  if (!seeded) return sendOcs(res, 500, null, 'Internal Server Error');
  const needle = term.toLowerCase();
  const hits = seeded.entries.filter((entry) =>
    `${entry.title} ${entry.subline}`.toLowerCase().includes(needle),
  );
  const page = seeded.paginated ? hits.slice(offset, offset + limit) : hits;
  return sendOcs(res, 200, {
    name: seeded.name,
    isPaginated: seeded.paginated,
    entries: page.map((entry) => ({
      thumbnailUrl: '',
      title: entry.title,
      subline: entry.subline,
      resourceUrl: `${ctx.standin.url}/index.php${entry.resourceUrl}`,
      icon: `icon-${seeded.appId}`,
      rounded: false,
      // PHP's empty array is JSON's [].
      attributes: entry.attributes ?? [],
    })),
    cursor: seeded.paginated ? offset + limit : null,
  });
}

function providerList(ctx: RequestContext) {
  const files = { id: 'files', appId: 'files', name: 'Files', order: 5 };
  return [files, ...ctx.standin.search.providers]
    .sort((a, b) => a.order - b.order)
    .map((entry) => ({
      id: entry.id,
      appId: entry.appId,
      name: entry.name,
      icon: `${ctx.standin.url}/apps/${entry.appId}/img/app.svg`,
      order: entry.order,
      triggers: [entry.id],
      filters: { term: 'string' },
      inAppSearch: false,
    }));
}

async function searchFiles(ctx: RequestContext, term: string, limit: number, offset: number) {
  const home = `/remote.php/dav/files/${encodeURIComponent(ctx.user)}`;
  const needle = term.toLowerCase();
  const hits = (await propfind(ctx, `${home}/`, 'infinity'))
    .slice(1)
    .filter((item) => item.name.toLowerCase().includes(needle))
    .sort((a, b) => b.modified.getTime() - a.modified.getTime());
  const entries = hits.slice(offset, offset + limit).map((item) => {
    const fileId = fileIdOf(ctx.standin.filesMeta, item.href);
    const path = decodeURIComponent(item.href.replace(/\/$/, '').slice(home.length));
    const folder = path.split('/').slice(1, -1).join('/');
    return {
      thumbnailUrl: item.contentType.startsWith('image/')
        ? `${ctx.standin.url}/index.php/core/preview?x=32&y=32&fileId=${fileId}`
        : '',
      title: item.name,
      subline: folder ? `in ${folder}` : '',
      resourceUrl: `${ctx.standin.url}/index.php/f/${fileId}`,
      icon: item.collection ? 'icon-folder' : `${ctx.standin.url}/core/img/filetypes/text.svg`,
      rounded: false,
      attributes: { fileId: String(fileId), path },
    };
  });
  return { name: 'Files', isPaginated: true, entries, cursor: offset + limit };
}

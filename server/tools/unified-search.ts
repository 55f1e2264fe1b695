import { z } from 'zod';
import { appOf, scopeAccess } from '../../contract/index.js';
import { AbortedError, InvalidInputError, ServerError } from '../errors.js';
import type { UserFiles } from '../nextcloud/files.js';
import {
  FILE_BACKED,
  listProviders,
  MAX_PAGE,
  PROVIDER_SCOPES,
  type SearchEntry,
  type SearchProvider,
  searchProvider,
} from '../nextcloud/unified-search.js';
import { defineTool, type ToolContext } from '../registry.js';

/** At most this many providers are asked per call, so one search stays a bounded fan-out. */
const MAX_PROVIDERS = 8;
const readOnly = { readOnlyHint: true, destructiveHint: false, idempotentHint: true };
const providerId = z.string().regex(/^[\w.-]{1,100}$/, 'a provider id such as "files" or "talk-message"');

/** Why a provider is not asked for this caller, or undefined when it is. */
function refusal(ctx: ToolContext, provider: SearchProvider): string | undefined {
  const scope = PROVIDER_SCOPES[provider.id];
  if (!scope) return 'not searched: no scope of this server covers its results';
  const access = scopeAccess(scope, ctx.grants);
  if (access === 'app-not-enabled')
    return `not searched: the ${appOf(scope)} app is not enabled for this tenant`;
  if (access === 'missing') return `not searched: it needs the ${scope} scope, which this token lacks`;
  if (FILE_BACKED.has(provider.id) && ctx.files.excludes)
    return "not searched: its results are files it does not name, and this tenant's excluded tags could hide them";
  return undefined;
}

const listSearchProviders = defineTool({
  name: 'nc_unified_search_providers',
  title: 'List search providers',
  description:
    "List Nextcloud's unified search providers (files, mail, Talk, Deck, calendar, contacts, …) for you, " +
    'and whether nc_unified_search asks each: only providers whose app your other scopes cover are searched.',
  input: {},
  output: {
    providers: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        app_id: z.string().nullable(),
        searchable: z.boolean(),
        reason: z.string().nullable().describe('Why it is not searched, when it is not'),
      }),
    ),
  },
  hints: readOnly,
  async handler(_args, ctx) {
    const providers = (await listProviders(ctx.nc)).map((provider) => {
      const reason = refusal(ctx, provider) ?? null;
      return {
        id: provider.id,
        name: provider.name,
        app_id: provider.appId ?? null,
        searchable: !reason,
        reason,
      };
    });
    return { structured: { providers } };
  },
});

const entryShape = z.object({
  title: z.string(),
  subline: z.string(),
  url: z.string().describe('Where the item opens in Nextcloud'),
  thumbnail_url: z.string(),
  icon: z.string(),
  attributes: z.record(z.string(), z.string()).describe('What the provider adds, e.g. fileId and path'),
});

/**
 * The files provider's hits without what the tenant's excluded tags hide, by the id and path its
 * entries carry (apps/files/lib/Search/FilesSearchProvider.php); an entry lacking them is dropped.
 */
async function visibleFileHits(files: UserFiles, entries: SearchEntry[]): Promise<SearchEntry[]> {
  if (!files.excludes) return entries;
  const located = entries.flatMap((entry) => {
    const id = Number(entry.attributes.fileId);
    const path = entry.attributes.path;
    if (!Number.isInteger(id) || id <= 0 || !path) return [];
    return [{ entry, ref: { id, folder: path.split('/').slice(0, -1).join('/'), name: path } }];
  });
  return (await files.visibleFiles(located, (item) => item.ref)).map((item) => item.entry);
}

type Query = { term: string; limit: number; cursor?: string | undefined; timeoutMs: number };

/** One provider's page, or why it failed; a provider slower than the deadline fails alone. */
async function askProvider(ctx: ToolContext, provider: SearchProvider, query: Query) {
  const deadline = AbortSignal.timeout(query.timeoutMs);
  try {
    const page = await searchProvider(ctx.nc.until(deadline), provider.id, query);
    const entries = provider.id === 'files' ? await visibleFileHits(ctx.files, page.entries) : page.entries;
    const more = page.isPaginated && page.entries.length >= query.limit && page.cursor != null;
    return {
      ok: {
        provider: provider.id,
        name: page.name,
        entries: entries.map((entry) => ({
          title: entry.title,
          subline: entry.subline,
          url: entry.resourceUrl,
          thumbnail_url: entry.thumbnailUrl,
          icon: entry.icon,
          attributes: entry.attributes,
        })),
        has_more: more,
        cursor: more ? String(page.cursor) : null,
      },
    };
  } catch (error) {
    if (deadline.aborted)
      return { failed: { provider: provider.id, error: `did not answer within ${query.timeoutMs} ms` } };
    if (error instanceof AbortedError || !(error instanceof ServerError)) throw error;
    return { failed: { provider: provider.id, error: error.message } };
  }
}

const unifiedSearch = defineTool({
  name: 'nc_unified_search',
  title: 'Search across Nextcloud',
  description:
    "Search Nextcloud's own indexes across apps at once: files, mail, Talk messages, Deck cards, calendar " +
    `events, contacts, … (see nc_unified_search_providers). At most ${MAX_PROVIDERS} providers are asked per call, ` +
    'each bounded by a timeout, so a slow one only fails itself. Page on with one provider and the cursor it returned.',
  input: {
    term: z.string().trim().min(1).max(200),
    providers: z
      .array(providerId)
      .min(1)
      .max(20)
      .optional()
      .describe('Provider ids to search; all those you may search when absent'),
    limit: z.number().int().min(1).max(MAX_PAGE).default(5).describe('Results per provider'),
    cursor: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('The cursor a provider returned, to get its next page; needs exactly that one provider'),
    provider_timeout_ms: z.number().int().min(500).max(20_000).default(5_000),
  },
  output: {
    results: z.array(
      z.object({
        provider: z.string(),
        name: z.string(),
        entries: z.array(entryShape),
        has_more: z.boolean(),
        cursor: z.string().nullable().describe('Pass it back, with this provider alone, for the next page'),
      }),
    ),
    skipped: z.array(z.object({ provider: z.string(), reason: z.string() })),
    failed: z.array(z.object({ provider: z.string(), error: z.string() })),
  },
  hints: readOnly,
  async handler(args, ctx) {
    if (args.cursor !== undefined && args.providers?.length !== 1)
      throw new InvalidInputError('A cursor belongs to one provider: pass that provider alone in providers');
    const all = await listProviders(ctx.nc);
    const wanted = args.providers ? new Set(args.providers) : undefined;
    const skipped = [...(wanted ?? [])]
      .filter((id) => !all.some((provider) => provider.id === id))
      .map((provider) => ({ provider, reason: 'not searched: this Nextcloud has no such provider for you' }));
    const ask: SearchProvider[] = [];
    for (const provider of all.filter((candidate) => !wanted || wanted.has(candidate.id))) {
      const reason = refusal(ctx, provider);
      if (reason) {
        if (wanted) skipped.push({ provider: provider.id, reason });
      } else if (ask.length >= MAX_PROVIDERS) {
        skipped.push({
          provider: provider.id,
          reason: `not searched: over the limit of ${MAX_PROVIDERS} providers per call; name it in providers`,
        });
      } else ask.push(provider);
    }
    const query = {
      term: args.term,
      limit: args.limit,
      cursor: args.cursor,
      timeoutMs: args.provider_timeout_ms,
    };
    const answers = await Promise.all(ask.map((provider) => askProvider(ctx, provider, query)));
    return {
      structured: {
        results: answers.flatMap((answer) => answer.ok ?? []),
        skipped,
        failed: answers.flatMap((answer) => answer.failed ?? []),
      },
    };
  },
});

export const unifiedSearchTools = [listSearchProviders, unifiedSearch];

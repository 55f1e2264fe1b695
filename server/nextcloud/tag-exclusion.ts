import { LRUCache } from 'lru-cache';
import { AbortedError, ForbiddenError, ServerError, UpstreamFailedError } from '../errors.js';
import type { ToolContext } from '../registry.js';
import { displayPath, normalizeUserPath } from './dav-path.js';
import { listSystemTags, taggedPaths } from './file-meta.js';

/**
 * The tenant's excluded tags (`EXCLUDED_TAGS`, `spec.excludedTags`): a file or folder carrying one
 * of these system tags, and everything inside such a folder, is invisible to every tool and refused
 * by every tool that reads, changes or shares it. Defence in depth against handing private files
 * to a model, not an access control: whoever may untag a file can undo it, so use restricted tags
 * (not user-assignable). The tags must be visible to the users; a name no visible tag has hides
 * nothing.
 *
 * Fail closed: when the tags cannot be read, tools refuse rather than show or touch anything.
 */

/** Tag ids per credential and Nextcloud: tags are created or renamed rarely, so a minute is fresh enough. */
const tagIdCache = new LRUCache<string, readonly number[]>({ max: 1000, ttl: 60_000 });
/** While a configured name has no tag yet, it is looked up again soon: creating it must take effect. */
const INCOMPLETE_TTL_MS = 5_000;

/** Configured names already reported missing: a typo is worth one warning, not one per call. */
const warned = new Set<string>();

/** The tagged paths of one tool call, fetched at most once per call. */
const perCall = new WeakMap<ToolContext, Promise<readonly string[]>>();

/** Paths (no leading slash) that carry an excluded tag; empty when the tenant excludes none. */
function excludedPaths(ctx: ToolContext): Promise<readonly string[]> {
  if (ctx.excludedTags.length === 0) return Promise.resolve([]);
  let pending = perCall.get(ctx);
  if (!pending) {
    pending = resolve(ctx).catch(failClosed);
    perCall.set(ctx, pending);
  }
  return pending;
}

async function resolve(ctx: ToolContext): Promise<readonly string[]> {
  const key = ctx.nc.cacheKey;
  for (let attempt = 1; ; attempt++) {
    const ids = tagIdCache.get(key) ?? (await lookUpIds(ctx, key));
    const lists = await Promise.all(ids.map((id) => taggedPaths(ctx.nc, id)));
    if (lists.every((list) => list !== undefined)) {
      return lists.flat().map((path) => path.replace(/^\/+|\/+$/g, ''));
    }
    // A tag was deleted or renamed since its id was cached: look the names up again, once.
    tagIdCache.delete(key);
    if (attempt === 2) throw new UpstreamFailedError('the excluded tags keep changing on Nextcloud');
  }
}

async function lookUpIds(ctx: ToolContext, key: string): Promise<readonly number[]> {
  // Case-insensitive: hiding a file too many beats showing one because of a capital letter.
  const wanted = new Set(ctx.excludedTags.map((name) => name.toLowerCase()));
  const tags = (await listSystemTags(ctx.nc)).filter((tag) => wanted.has(tag.name.toLowerCase()));
  const found = new Set(tags.map((tag) => tag.name.toLowerCase()));
  const missing = ctx.excludedTags.filter((name) => !found.has(name.toLowerCase()));
  const unwarned = missing.filter((name) => !warned.has(name));
  if (unwarned.length > 0) {
    for (const name of unwarned) warned.add(name);
    ctx.log.warn(
      { missing: unwarned },
      'excluded tags not found (or not visible to users) on Nextcloud: until they exist they hide nothing',
    );
  }
  const ids = tags.map((tag) => tag.id);
  tagIdCache.set(key, ids, missing.length > 0 ? { ttl: INCOMPLETE_TTL_MS } : {});
  return ids;
}

function failClosed(error: unknown): never {
  if (error instanceof AbortedError) throw error;
  const reason = error instanceof ServerError ? `: ${error.message}` : '';
  throw new UpstreamFailedError(
    `The tenant's excluded tags could not be checked, so no file is shown or changed${reason}`,
    { cause: error },
  );
}

/** True when `relative` carries an excluded tag or lies in a folder that does. */
function hidden(relative: string, excluded: readonly string[]): boolean {
  return excluded.some((path) => path === '' || relative === path || relative.startsWith(`${path}/`));
}

function refusal(relative: string): ForbiddenError {
  return new ForbiddenError(
    `${displayPath(relative)} is excluded by this tenant's privacy settings: it or a folder above it carries an excluded tag`,
  );
}

/**
 * Refuses a path the caller wants to read, change, move, copy, delete, share or attach when it
 * carries an excluded tag, lies in a folder that does, or is a folder holding such a file (acting
 * on the folder would act on that file too). `path` is a caller's path below their files root.
 * Throws {@link ForbiddenError}, or UpstreamFailedError when the tags cannot be read.
 */
export async function assertNotExcluded(ctx: ToolContext, path: string): Promise<void> {
  const excluded = await excludedPaths(ctx);
  if (excluded.length === 0) return;
  const relative = normalizeUserPath(path);
  if (hidden(relative, excluded)) throw refusal(relative);
  if (excluded.some((inner) => relative === '' || inner.startsWith(`${relative}/`))) {
    throw new ForbiddenError(
      `${displayPath(relative)} holds files excluded by this tenant's privacy settings (an excluded tag); act on the other files one by one`,
    );
  }
}

/**
 * Refuses a path when it carries an excluded tag or lies in a folder that does: a folder to list
 * or search in, a share's path, a file or folder whose own tags or comments are asked for. What
 * is inside a folder is left to {@link withoutExcluded}.
 */
export async function assertVisible(ctx: ToolContext, path: string): Promise<void> {
  const excluded = await excludedPaths(ctx);
  if (excluded.length === 0) return;
  const relative = normalizeUserPath(path);
  if (hidden(relative, excluded)) throw refusal(relative);
}

/** Drops from a listing every entry whose `path` (below the caller's files root) is excluded. */
export async function withoutExcluded<T extends { readonly path: string }>(
  ctx: ToolContext,
  entries: readonly T[],
): Promise<T[]> {
  const excluded = await excludedPaths(ctx);
  if (excluded.length === 0) return [...entries];
  return entries.filter((entry) => !hidden(entry.path.replace(/^\/+|\/+$/g, ''), excluded));
}

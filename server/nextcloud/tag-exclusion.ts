import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { AbortedError, ForbiddenError, ServerError, UpstreamFailedError } from '../errors.js';
import type { NextcloudClient } from './client.js';
import { displayPath } from './dav-path.js';
import { listSystemTags, taggedFiles } from './file-meta.js';

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

/**
 * What the excluded tags cover: the tagged paths (compared as {@link comparable}) and the file ids
 * of what carries them; `ids` is undefined when Nextcloud did not tell some id, so nothing can be
 * cleared by id.
 */
interface Tagged {
  readonly paths: readonly string[];
  readonly ids: ReadonlySet<number> | undefined;
}
const NOTHING: Tagged = { paths: [], ids: new Set() };

/**
 * A file known by its id rather than its path, as apps that keep their data in the user's files
 * name it (a note's or a Collectives page's id is its file's id): its folder (normalised, below the
 * files root; undefined where the app does not tell it, as for a page in its trash, leaving the id
 * alone to check) and the name that refusals use.
 */
export interface FileRef {
  readonly id: number;
  readonly folder?: string | undefined;
  readonly name: string;
}

/**
 * The exclusion as one tool call sees it: the tagged paths are fetched at most once per call (an
 * instance lives for one call), the tag ids are shared across calls by {@link tagIdCache}.
 */
export class TagExclusion {
  private pending?: Promise<Tagged>;

  constructor(
    private readonly nc: NextcloudClient,
    private readonly names: readonly string[],
    private readonly log: Logger,
  ) {}

  /** False when the tenant excludes no tags: then nothing is ever hidden and nothing is fetched. */
  get active(): boolean {
    return this.names.length > 0;
  }

  /**
   * Refuses a path the caller wants to read, change, move, copy, delete, share or attach when it
   * carries an excluded tag, lies in a folder that does, or is a folder holding such a file (acting
   * on the folder would act on that file too). `relative` is normalised, below the files root.
   * Throws {@link ForbiddenError}, or UpstreamFailedError when the tags cannot be read.
   */
  async assertNotExcluded(relative: string): Promise<void> {
    const { paths: excluded } = await this.tagged();
    if (excluded.length === 0) return;
    const key = comparable(relative);
    if (hidden(key, excluded)) throw refusal(displayPath(relative));
    if (excluded.some((inner) => key === '' || inner.startsWith(`${key}/`))) {
      throw new ForbiddenError(
        `${displayPath(relative)} holds files excluded by this tenant's privacy settings (an excluded tag); act on the other files one by one`,
      );
    }
  }

  /**
   * Refuses a path when it carries an excluded tag or lies in a folder that does: a folder to list
   * or search in, a share's path, a file or folder whose own tags or comments are asked for. What
   * is inside a folder is left to {@link without}.
   */
  async assertVisible(relative: string): Promise<void> {
    const { paths: excluded } = await this.tagged();
    if (excluded.length > 0 && hidden(comparable(relative), excluded)) throw refusal(displayPath(relative));
  }

  /**
   * Refuses a file known by its id when it carries an excluded tag or its folder is or lies in a
   * tagged one: to read, change or hand it on, all the same, since its id names no other file.
   */
  async assertFileVisible(file: FileRef): Promise<void> {
    if ((await this.withoutFiles([file], (item) => item)).length === 0) throw refusal(file.name);
  }

  /** Drops every item whose file (see {@link FileRef}) is excluded. */
  async withoutFiles<T>(items: readonly T[], locate: (item: T) => FileRef): Promise<T[]> {
    const { paths, ids } = await this.tagged();
    if (paths.length === 0) return [...items];
    if (!ids)
      return failClosed(new UpstreamFailedError('Nextcloud did not tell the file ids of the tagged files'));
    return items.filter((item) => {
      const file = locate(item);
      return !ids.has(file.id) && (file.folder === undefined || !hidden(comparable(file.folder), paths));
    });
  }

  /** Drops every entry whose `path` (below the caller's files root) is excluded. */
  async without<T extends { readonly path: string }>(entries: readonly T[]): Promise<T[]> {
    const { paths: excluded } = await this.tagged();
    if (excluded.length === 0) return [...entries];
    return entries.filter((entry) => !hidden(comparable(entry.path), excluded));
  }

  /** The ids of the excluded tags (those the caller can see); none when none is configured. */
  async tagIds(): Promise<readonly number[]> {
    if (!this.active) return [];
    const key = this.nc.cacheKey;
    try {
      return tagIdCache.get(key) ?? (await this.lookUpIds(key));
    } catch (error) {
      return failClosed(error);
    }
  }

  /** What the excluded tags cover; nothing when none is configured. */
  private tagged(): Promise<Tagged> {
    if (!this.active) return Promise.resolve(NOTHING);
    this.pending ??= this.resolve().catch(failClosed);
    return this.pending;
  }

  private async resolve(): Promise<Tagged> {
    const key = this.nc.cacheKey;
    for (let attempt = 1; ; attempt++) {
      const ids = tagIdCache.get(key) ?? (await this.lookUpIds(key));
      const lists = await Promise.all(ids.map((id) => taggedFiles(this.nc, id)));
      if (lists.every((list) => list !== undefined)) {
        const files = lists.flat();
        const fileIds = files.map((file) => file.fileId);
        return {
          paths: files.map((file) => comparable(file.path)),
          ids: fileIds.every((id) => id !== null) ? new Set(fileIds) : undefined,
        };
      }
      // A tag was deleted or renamed since its id was cached: look the names up again, once.
      tagIdCache.delete(key);
      if (attempt === 2) throw new UpstreamFailedError('the excluded tags keep changing on Nextcloud');
    }
  }

  private async lookUpIds(key: string): Promise<readonly number[]> {
    // Case-insensitive: hiding a file too many beats showing one because of a capital letter.
    const wanted = new Set(this.names.map((name) => name.toLowerCase()));
    const tags = (await listSystemTags(this.nc)).filter((tag) => wanted.has(tag.name.toLowerCase()));
    const found = new Set(tags.map((tag) => tag.name.toLowerCase()));
    const missing = this.names.filter((name) => !found.has(name.toLowerCase()));
    const unwarned = missing.filter((name) => !warned.has(name));
    if (unwarned.length > 0) {
      for (const name of unwarned) warned.add(name);
      this.log.warn(
        { missing: unwarned },
        'excluded tags not found (or not visible to users) on Nextcloud: until they exist they hide nothing',
      );
    }
    const ids = tags.map((tag) => tag.id);
    tagIdCache.set(key, ids, missing.length > 0 ? { ttl: INCOMPLETE_TTL_MS } : {});
    return ids;
  }
}

/**
 * A path as exclusion compares it: no edge slashes, Unicode NFC. Nextcloud stores names in NFC
 * and maps a request in NFD (as macOS writes it) to the same file, so comparing the bytes given
 * would let a decomposed "café" past a tagged "café".
 */
function comparable(path: string): string {
  return path.replace(/^\/+|\/+$/g, '').normalize('NFC');
}

function failClosed(error: unknown): never {
  if (error instanceof AbortedError) throw error;
  const reason = error instanceof ServerError ? `: ${error.message}` : '';
  throw new UpstreamFailedError(
    `The tenant's excluded tags could not be checked, so no file is shown or changed${reason}`,
    { cause: error },
  );
}

/** True when `key` carries an excluded tag or lies in a folder that does. */
function hidden(key: string, excluded: readonly string[]): boolean {
  return excluded.some((path) => path === '' || key === path || key.startsWith(`${path}/`));
}

/** `name`: a display path, or "Note 42" for what is known by id. */
function refusal(name: string): ForbiddenError {
  return new ForbiddenError(
    `${name} is excluded by this tenant's privacy settings: it or a folder above it carries an excluded tag`,
  );
}

import type { Logger } from 'pino';
import { ConflictError, InvalidInputError, NotFoundError, PreconditionFailedError } from '../errors.js';
import { headerValue, type NextcloudClient } from './client.js';
import { displayPath, normalizeUserPath } from './dav-path.js';
import {
  createComment,
  type FileComment,
  fileMeta,
  listComments,
  type SystemTag,
  tagsOfFile,
} from './file-meta.js';
import { sharePath } from './sharing.js';
import { type FileRef, TagExclusion } from './tag-exclusion.js';
import { UserTrash } from './trashbin.js';
import {
  davFilesPath,
  type FileContent,
  type FileEntry,
  favoriteFiles,
  propfind,
  readFileContent,
  type SearchCriteria,
  searchFiles,
  searchWhere,
} from './webdav.js';

export { commentShape, systemTagShape } from './file-meta.js';
export type { FileRef } from './tag-exclusion.js';
export { type FileEntry, fileEntryShape, type SearchCriteria } from './webdav.js';

/** A caller's path, normalised, with its DAV request path and the form tools show. */
interface Target {
  readonly relative: string;
  readonly dav: string;
  readonly display: string;
}

export interface WriteOptions {
  readonly contentType?: string;
  /** The etag the caller read: the write only replaces that version. */
  readonly ifMatch?: string;
  /**
   * The size and modification time read with that etag. Nextcloud keeps a file's etag when it is
   * written twice within one second (nextcloud/server#63994), so If-Match alone can let a write
   * replace content the caller never saw; these are compared first.
   */
  readonly read?: { readonly size?: number; readonly modified?: string };
  /** false: only create, never replace. */
  readonly overwrite: boolean;
  /** Names the file in error messages when a tool knows it better ("The text of page X"). */
  readonly what?: string;
}

/**
 * A caller's files as every tool reaches them: the one place that applies the tenant's excluded
 * tags (see `tag-exclusion.ts`), so no tool can forget to. Paths are the caller's, below their
 * files root; what the tags cover is refused (ForbiddenError) or left out of listings. One
 * instance serves one tool call, which fetches the tagged paths at most once.
 */
export class UserFiles {
  private readonly exclusion: TagExclusion;

  constructor(
    private readonly nc: NextcloudClient,
    excludedTags: readonly string[],
    private readonly options: { readonly log: Logger; readonly readMaxBytes: number },
  ) {
    this.exclusion = new TagExclusion(nc, excludedTags, options.log);
  }

  /** The entries directly inside a folder, without what the tags hide. */
  async list(folder: string): Promise<{ path: string; entries: FileEntry[] }> {
    const target = await this.visible(folder);
    const children = (await propfind(this.nc, target.relative, 1)).filter(
      (entry) => entry.path !== target.display,
    );
    return { path: target.display, entries: await this.exclusion.without(children) };
  }

  /**
   * A file's content, bounded by the server's read limit; `what` names it in errors. A folder is
   * refused: Nextcloud answers its GET with a web page ("This is the WebDAV interface…").
   */
  async read(path: string, what?: string): Promise<FileContent & { path: string }> {
    const target = this.target(path);
    await this.exclusion.assertNotExcluded(target.relative);
    const file = await readFileContent(
      { nc: this.nc, limits: { readMaxBytes: this.options.readMaxBytes } },
      target.dav,
      what ?? `File ${target.display}`,
    );
    // Only an HTML answer can be that page, so only then is the resource type asked for.
    if (
      file.mimeType === 'text/html' &&
      (await propfind(this.nc, target.relative, 0))[0]?.type === 'directory'
    )
      throw new InvalidInputError(`${target.display} is a folder; list it with nc_webdav_list_directory`);
    return { ...file, path: target.display };
  }

  /** PUT, with If-Match (the version read) or If-None-Match (create only) as asked. */
  async write(
    path: string,
    body: Buffer,
    options: WriteOptions,
  ): Promise<{ path: string; etag: string | null; created: boolean }> {
    const target = await this.named(path);
    const headers: Record<string, string> = {
      'content-type': options.contentType ?? 'application/octet-stream',
    };
    const { ifMatch } = options;
    if (ifMatch) headers['if-match'] = ifMatch.startsWith('"') ? ifMatch : `"${ifMatch}"`;
    else if (!options.overwrite) headers['if-none-match'] = '*';
    const what = options.what ?? `File ${target.display}`;
    const { read } = options;
    if (headers['if-match'] && (read?.size !== undefined || read?.modified !== undefined))
      await this.assertUnchanged(target, headers['if-match'], read, what);
    const response = await this.nc.send({
      method: 'PUT',
      path: target.dav,
      headers,
      body,
      what,
      accept: [409, 412],
    });
    if (response.status === 409)
      throw new ConflictError(`The folder of ${target.display} does not exist; create it first`);
    if (response.status === 412) {
      if (ifMatch)
        throw new PreconditionFailedError(
          `${what} changed since you read it (etag mismatch): read it again and retry`,
        );
      throw new ConflictError(`${what} already exists; pass overwrite: true or its etag to replace it`);
    }
    const etag =
      headerValue(response.headers, 'oc-etag') ??
      headerValue(response.headers, 'etag') ??
      (await propfind(this.nc, target.relative, 0))[0]?.etag ??
      null;
    return { path: target.display, etag, created: response.status === 201 };
  }

  /**
   * Narrows the window Nextcloud's same-second etags leave open: the file must still have the etag,
   * size and modification time the caller read. What remains is a rewrite to the same size within
   * the second of the last one, and a write between this look and the PUT.
   */
  private async assertUnchanged(
    target: Target,
    etag: string,
    read: NonNullable<WriteOptions['read']>,
    what: string,
  ): Promise<void> {
    const [current] = await propfind(this.nc, target.relative, 0);
    const modified = (iso: string | null | undefined) => (iso ? Math.floor(Date.parse(iso) / 1000) : null);
    const changed =
      current?.etag !== etag
        ? 'etag mismatch'
        : read.size !== undefined && current.size !== read.size
          ? `same etag, but ${current.size} bytes now, not ${read.size}`
          : read.modified !== undefined && modified(current.modified) !== modified(read.modified)
            ? `same etag, but modified at ${current.modified}, not ${read.modified}`
            : undefined;
    if (changed)
      throw new PreconditionFailedError(
        `${what} changed since you read it (${changed}): read it again and retry`,
      );
  }

  /** MKCOL; the parent must exist. Returns the folder's path. */
  async createFolder(path: string): Promise<string> {
    const target = await this.named(path);
    const response = await this.nc.send({
      method: 'MKCOL',
      path: target.dav,
      what: `Folder ${target.display}`,
      accept: [405, 409],
    });
    if (response.status === 405) throw new ConflictError(`${target.display} already exists`);
    if (response.status === 409)
      throw new ConflictError(`The parent folder of ${target.display} does not exist`);
    return target.display;
  }

  /** DELETE of a file or a whole folder (Nextcloud keeps it in the trash bin). Returns its path. */
  async delete(path: string): Promise<string> {
    const target = await this.named(path);
    await this.nc.send({ method: 'DELETE', path: target.dav, what: target.display });
    return target.display;
  }

  /**
   * MOVE or COPY. Both ends are checked: moving a file out of a tagged folder would strip its
   * protection, moving one into it would hide it, and overwriting a tagged file changes it.
   */
  async transfer(
    method: 'MOVE' | 'COPY',
    sourcePath: string,
    destinationPath: string,
    overwrite: boolean,
    ifDestinationMatch?: string,
  ): Promise<{ source: string; destination: string; replaced: boolean }> {
    if (ifDestinationMatch !== undefined && (ifDestinationMatch === '*' || !overwrite)) {
      throw new InvalidInputError(
        ifDestinationMatch === '*'
          ? 'if_destination_match cannot be "*": give the etag of the destination you read'
          : 'if_destination_match replaces that version of the destination: it needs overwrite: true',
      );
    }
    const source = await this.named(sourcePath);
    const destination = await this.named(destinationPath);
    const destinationUrl = this.nc.url(destination.dav).href;
    // If-Match would condition the source (the request URI); a tagged If list names the destination
    // (RFC 4918 §10.4), as the Python server does.
    const tag = ifDestinationMatch?.replace(/^(W\/)?"(.*)"$/, '$2');
    const response = await this.nc.send({
      method,
      path: source.dav,
      headers: {
        destination: destinationUrl,
        overwrite: overwrite ? 'T' : 'F',
        ...(tag === undefined ? {} : { if: `<${destinationUrl}> (["${tag}"])` }),
      },
      what: source.display,
      // With a tagged If, a 404 may be the destination's: said so, not left to the generic reading.
      accept: tag === undefined ? [409, 412] : [404, 409, 412],
    });
    if (response.status === 404) {
      throw new NotFoundError(
        `${source.display} not found, or ${destination.display} (whose etag you gave) does not exist`,
      );
    }
    if (response.status === 412) {
      throw tag === undefined
        ? new ConflictError(`${destination.display} already exists; pass overwrite: true to replace it`)
        : new PreconditionFailedError(
            `${destination.display} changed since you read it (etag mismatch): read it again and retry`,
          );
    }
    if (response.status === 409)
      throw new ConflictError(`The folder of ${destination.display} does not exist`);
    return { source: source.display, destination: destination.display, replaced: response.status === 204 };
  }

  /** Files below `scope` (recursively) matching every criterion, without what the tags hide. */
  async search(scope: string, criteria: SearchCriteria, limit: number): Promise<FileEntry[]> {
    const where = searchWhere(criteria);
    const target = await this.visible(scope);
    return this.exclusion.without(await searchFiles(this.nc, target.relative, where, limit));
  }

  /** The caller's favorites below `scope`, without what the tags hide. */
  async favorites(scope: string, limit: number): Promise<FileEntry[]> {
    const target = await this.visible(scope);
    const entries = await this.exclusion.without(await favoriteFiles(this.nc, target.relative));
    return entries.slice(0, limit);
  }

  /** The id, system tags and personal tags of a visible file or folder. */
  async tags(
    path: string,
  ): Promise<{ path: string; fileId: number; systemTags: SystemTag[]; personalTags: string[] }> {
    const target = await this.visible(path);
    const meta = await fileMeta(this.nc, target.relative, true);
    // Nextcloud before 28 lacks the nc:system-tags property; the relations collection has them.
    const systemTags = meta.systemTags ?? (await tagsOfFile(this.nc, meta.fileId, target.display));
    return { path: target.display, fileId: meta.fileId, systemTags, personalTags: meta.personalTags };
  }

  /**
   * The id of a file or folder: one visible, to look at (its versions), or one the caller may
   * change (to roll it back).
   */
  async idOf(path: string, change: boolean): Promise<{ path: string; fileId: number }> {
    const target = change ? await this.named(path) : await this.visible(path);
    const { fileId } = await fileMeta(this.nc, target.relative, false);
    return { path: target.display, fileId };
  }

  /** The caller's trash bin, below the same excluded tags. */
  get trash(): UserTrash {
    return new UserTrash(this.nc, this.exclusion);
  }

  /** A page of the comments on a visible file or folder, newest first. */
  async comments(
    path: string,
    page: { limit: number; offset: number },
  ): Promise<{ path: string; fileId: number; comments: FileComment[] }> {
    const target = await this.visible(path);
    const { fileId } = await fileMeta(this.nc, target.relative, false);
    const comments = await listComments(this.nc, fileId, page, target.display);
    return { path: target.display, fileId, comments };
  }

  /** Posts a comment on a visible file or folder; the new comment's id when Nextcloud tells it. */
  async comment(
    path: string,
    message: string,
  ): Promise<{ path: string; fileId: number; commentId: number | null }> {
    const target = await this.visible(path);
    const { fileId } = await fileMeta(this.nc, target.relative, false);
    const commentId = await createComment(this.nc, fileId, message, target.display);
    return { path: target.display, fileId, commentId };
  }

  /**
   * The path as the Share API takes it, for sharing it or attaching it to a Deck card: never the
   * files root, never what the tags cover (sharing would hand it to people the model cannot
   * vouch for), never a folder holding such files.
   */
  async shareable(path: string): Promise<string> {
    const shared = sharePath(path);
    await this.exclusion.assertNotExcluded(normalizeUserPath(shared));
    return shared;
  }

  /**
   * Refuses a path the tags hide: an existing share's path, a folder whose shares are listed. A
   * function is only called when the tenant excludes tags, sparing the request that finds the path.
   */
  async assertVisible(path: string | (() => Promise<string>)): Promise<void> {
    if (!this.exclusion.active) return;
    const resolved = typeof path === 'string' ? path : await path();
    await this.exclusion.assertVisible(normalizeUserPath(resolved));
  }

  /** True when the tenant excludes tags: only then need callers find where a file known by id lies. */
  get excludes(): boolean {
    return this.exclusion.active;
  }

  /** Refuses a file known by its id (a note, a page) that the tags hide; see {@link FileRef}. */
  assertFileVisible(file: FileRef): Promise<void> {
    return this.exclusion.assertFileVisible(file);
  }

  /**
   * Refuses a path an app's API is about to move, copy or delete (a page with its subpages), as
   * this gateway refuses its own: never the root, never excluded nor holding excluded files.
   */
  async assertChangeable(path: string): Promise<void> {
    await this.named(path);
  }

  /** Leaves out items known by file id (notes, pages) whose file the tags hide. */
  visibleFiles<T>(items: readonly T[], locate: (item: T) => FileRef): Promise<T[]> {
    return this.exclusion.withoutFiles(items, locate);
  }

  /** Leaves out items (shares, search hits) whose `path` the tags hide. */
  visibleOnly<T extends { readonly path: string }>(items: readonly T[]): Promise<T[]> {
    return this.exclusion.without(items);
  }

  private target(input: string): Target {
    const relative = normalizeUserPath(input);
    return { relative, dav: davFilesPath(this.nc.user, relative), display: displayPath(relative) };
  }

  /** A folder to look into, or a file or folder to look at: refused when hidden itself. */
  private async visible(input: string): Promise<Target> {
    const target = this.target(input);
    await this.exclusion.assertVisible(target.relative);
    return target;
  }

  /** A file or folder to change: never the root, never excluded nor holding excluded files. */
  private async named(input: string): Promise<Target> {
    const target = this.target(input);
    if (target.relative === '')
      throw new InvalidInputError('This needs a file or folder path, not your files root');
    await this.exclusion.assertNotExcluded(target.relative);
    return target;
  }
}

import type { RequestContext } from './nextcloud.js';
import {
  type DavResource,
  parser,
  requestedProps,
  sendDavError,
  sendMultistatus,
} from './nextcloud-dav-xml.js';

/**
 * What Nextcloud keeps about files besides their content, as its DAV app serves it: file ids,
 * system tags (`/remote.php/dav/systemtags/`, `systemtags-relations/files/<fileid>/<tagid>`),
 * personal tags (`oc:tags`) and comments (`/remote.php/dav/comments/files/<fileid>`, the
 * `oc:filter-comments` REPORT, POST of JSON). Statuses as Sabre answers them in
 * apps/dav/lib/SystemTag and apps/dav/lib/Comments. Admins are the members of the group `admin`.
 */
export interface SystemTag {
  readonly id: number;
  name: string;
  userVisible: boolean;
  userAssignable: boolean;
}

interface Comment {
  readonly id: number;
  readonly actorId: string;
  readonly message: string;
  readonly created: Date;
}

export interface FilesMetaState {
  /** File ids by decoded DAV path without a trailing slash; kept across MOVE as Nextcloud keeps them. */
  readonly ids: Map<string, number>;
  nextId: number;
  readonly tags: Map<number, SystemTag>;
  nextTagId: number;
  /** Tag ids by file id. */
  readonly tagged: Map<number, Set<number>>;
  /** Personal tags by `<user>:<fileid>`. */
  readonly personal: Map<string, string[]>;
  readonly comments: Map<number, Comment[]>;
  nextCommentId: number;
  /** When a user last read a file's comments (their own post counts), by `<user>:<fileid>`. */
  readonly readMarks: Map<string, Date>;
  /** Answer as Nextcloud before 28 does: no `nc:system-tags` property on files. */
  legacyTagProperty: boolean;
}

export function newFilesMeta(): FilesMetaState {
  return {
    ids: new Map(),
    nextId: 100,
    tags: new Map(),
    nextTagId: 1,
    tagged: new Map(),
    personal: new Map(),
    comments: new Map(),
    nextCommentId: 1,
    readMarks: new Map(),
    legacyTagProperty: false,
  };
}

const DAV = '/remote.php/dav';
const keyOf = (pathname: string) => decodeURIComponent(pathname).replace(/\/+$/, '');

/** The id of a file or folder by its DAV path, given on first sight. */
export function fileIdOf(state: FilesMetaState, pathname: string): number {
  const key = keyOf(pathname);
  let id = state.ids.get(key);
  if (id === undefined) {
    id = state.nextId++;
    state.ids.set(key, id);
  }
  return id;
}

/** After a MOVE: the moved tree keeps its ids, whatever the destination had is gone. */
function moved(state: FilesMetaState, from: string, to: string): void {
  forget(state, to);
  const source = keyOf(from);
  const target = keyOf(to);
  for (const [key, id] of [...state.ids]) {
    if (key === source || key.startsWith(`${source}/`)) {
      state.ids.delete(key);
      state.ids.set(target + key.slice(source.length), id);
    }
  }
}

/** After a DELETE, or before a COPY replaces a destination: those paths get new ids when seen again. */
function forget(state: FilesMetaState, pathname: string): void {
  const key = keyOf(pathname);
  for (const existing of [...state.ids.keys()]) {
    if (existing === key || existing.startsWith(`${key}/`)) state.ids.delete(existing);
  }
}

/** Ids across a change, as Nextcloud keeps them: a MOVE keeps them, a DELETE ends them, a COPY's destination is new. */
export function trackFileIds(
  state: FilesMetaState,
  method: string,
  pathname: string,
  destination: string | undefined,
): void {
  if (method === 'MOVE' && destination) moved(state, pathname, destination);
  else if (method === 'COPY' && destination) forget(state, destination);
  else if (method === 'DELETE') forget(state, pathname);
}

function isAdmin(ctx: RequestContext): boolean {
  return ctx.standin.options.groups?.admin?.includes(ctx.user) ?? false;
}

function canSee(ctx: RequestContext, tag: SystemTag): boolean {
  return tag.userVisible || isAdmin(ctx);
}

function canAssign(ctx: RequestContext, tag: SystemTag): boolean {
  return isAdmin(ctx) || (tag.userVisible && tag.userAssignable);
}

/** The system tags on a file the user can see, natural-sorted by name as Nextcloud sorts them. */
export function visibleTagsOf(ctx: RequestContext, fileId: number): SystemTag[] {
  const meta = ctx.standin.filesMeta;
  return [...(meta.tagged.get(fileId) ?? [])]
    .flatMap((id) => meta.tags.get(id) ?? [])
    .filter((tag) => canSee(ctx, tag))
    .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
}

/** The file properties this module owns, for a PROPFIND, REPORT or SEARCH answer. */
export function metaProps(ctx: RequestContext, pathname: string): Pick<DavResource, 'props' | 'withheld'> {
  const meta = ctx.standin.filesMeta;
  const fileId = fileIdOf(meta, pathname);
  const systemTags = visibleTagsOf(ctx, fileId).map((tag) => ({
    '#text': tag.name,
    '@_oc:can-assign': String(canAssign(ctx, tag)),
    '@_oc:id': tag.id,
    '@_oc:user-assignable': String(tag.userAssignable),
    '@_oc:user-visible': String(tag.userVisible),
  }));
  return {
    props: {
      fileid: ['oc:fileid', fileId],
      tags: ['oc:tags', { 'oc:tag': meta.personal.get(`${ctx.user}:${fileId}`) ?? [] }],
      ...(meta.legacyTagProperty
        ? {}
        : { 'system-tags': ['nc:system-tags', { 'nc:system-tag': systemTags }] }),
    },
    withheld: meta.legacyTagProperty ? [['system-tags', 'nc:system-tags']] : [],
  };
}

/** Stores personal tags from a PROPPATCH of `oc:tags` (as the Files app's TagsPlugin takes them). */
export function setPersonalTags(ctx: RequestContext, tags: string[]): void {
  const meta = ctx.standin.filesMeta;
  const fileId = fileIdOf(meta, ctx.url.pathname);
  meta.personal.set(`${ctx.user}:${fileId}`, tags);
  sendMultistatus(ctx.res, [{ href: ctx.url.pathname, props: { tags: ['oc:tags', ''] } }], new Set(['tags']));
}

/** The ids of the user's files that carry every one of the tags; undefined names a tag they cannot see. */
export function filesWithTags(
  ctx: RequestContext,
  tagIds: number[],
): ((fileId: number) => boolean) | undefined {
  const meta = ctx.standin.filesMeta;
  const tags = tagIds.map((id) => meta.tags.get(id));
  if (tags.some((tag) => !tag || !canSee(ctx, tag))) return undefined;
  return (fileId) => tagIds.every((id) => meta.tagged.get(fileId)?.has(id));
}

/** True for the paths {@link handleFilesMeta} answers. */
export function isFilesMetaPath(pathname: string): boolean {
  return /^\/remote\.php\/dav\/(systemtags|systemtags-relations|comments)\//.test(pathname);
}

export async function handleFilesMeta(ctx: RequestContext): Promise<void> {
  const path = ctx.url.pathname;
  const method = ctx.req.method ?? 'GET';
  const tag = /^\/remote\.php\/dav\/systemtags\/(\d+)\/?$/.exec(path);
  const relation = /^\/remote\.php\/dav\/systemtags-relations\/files\/(\d+)(?:\/(\d+))?\/?$/.exec(path);
  const comments = /^\/remote\.php\/dav\/comments\/files\/(\d+)\/?$/.exec(path);
  let answered: boolean;
  if (/^\/remote\.php\/dav\/systemtags\/?$/.test(path)) answered = tagCollection(ctx, method);
  else if (tag) answered = oneTag(ctx, method, Number(tag[1]));
  else if (relation) answered = relations(ctx, method, Number(relation[1]), relation[2]);
  else if (comments) answered = commentCollection(ctx, method, Number(comments[1]));
  else return sendDavError(ctx.res, 404, 'NotFound', `File not found: ${path}`);
  if (!answered) sendDavError(ctx.res, 405, 'MethodNotAllowed', `${method} is not allowed here`);
}

/** Each answers the methods its collection has and returns false for any other. */
function tagCollection(ctx: RequestContext, method: string): boolean {
  if (method === 'PROPFIND') listTags(ctx);
  else if (method === 'POST') createTag(ctx);
  else return false;
  return true;
}

function oneTag(ctx: RequestContext, method: string, id: number): boolean {
  const tag = ctx.standin.filesMeta.tags.get(id);
  if (!tag || !canSee(ctx, tag)) sendDavError(ctx.res, 404, 'NotFound', `Tag with id ${id} not found`);
  else if (method === 'PROPFIND') {
    sendMultistatus(ctx.res, [tagResource(ctx, tag, ctx.url.pathname)], requestedProps(ctx.body));
  } else if (method === 'DELETE') deleteTag(ctx, tag);
  else return false;
  return true;
}

function relations(ctx: RequestContext, method: string, fileId: number, tagId: string | undefined): boolean {
  if (!ownsFile(ctx, fileId)) sendDavError(ctx.res, 404, 'NotFound', `Files with id ${fileId} not found`);
  else if (tagId === undefined && method === 'PROPFIND') {
    const children = visibleTagsOf(ctx, fileId).map((tag) =>
      tagResource(ctx, tag, `${DAV}/systemtags-relations/files/${fileId}/${tag.id}`),
    );
    const self = { href: `${DAV}/systemtags-relations/files/${fileId}/`, props: {} };
    const depth0 = ctx.req.headers.depth === '0';
    sendMultistatus(ctx.res, depth0 ? [self] : [self, ...children], requestedProps(ctx.body));
  } else if (tagId !== undefined && (method === 'PUT' || method === 'DELETE')) {
    relate(ctx, fileId, Number(tagId), method);
  } else return false;
  return true;
}

function commentCollection(ctx: RequestContext, method: string, fileId: number): boolean {
  if (!ownsFile(ctx, fileId)) {
    sendDavError(ctx.res, 404, 'NotFound', 'Entity does not exist or user has no access');
  } else if (method === 'REPORT') reportComments(ctx, fileId);
  else if (method === 'POST') postComment(ctx, fileId);
  else return false;
  return true;
}

/** A file id is the user's when it names a path below their files (the stand-in has no shared mounts). */
function ownsFile(ctx: RequestContext, fileId: number): boolean {
  const root = `${DAV}/files/${ctx.user}`;
  for (const [key, id] of ctx.standin.filesMeta.ids) {
    if (id === fileId && (key === root || key.startsWith(`${root}/`))) return true;
  }
  return false;
}

function tagResource(ctx: RequestContext, tag: SystemTag, href: string): DavResource {
  return {
    href,
    props: {
      id: ['oc:id', tag.id],
      'display-name': ['oc:display-name', tag.name],
      'user-visible': ['oc:user-visible', String(tag.userVisible)],
      'user-assignable': ['oc:user-assignable', String(tag.userAssignable)],
      'can-assign': ['oc:can-assign', String(canAssign(ctx, tag))],
      // Every object carrying it, trashed files included (SystemTagsObjectList, Nextcloud 31+).
      'object-ids': ['nc:object-ids', { 'nc:object-ids': taggedIds(ctx, tag.id) }],
    },
  };
}

const taggedIds = (ctx: RequestContext, tagId: number) =>
  [...ctx.standin.filesMeta.tagged].flatMap(([id, tags]) =>
    tags.has(tagId) ? { 'nc:id': id, 'nc:type': 'files' } : [],
  );

function listTags(ctx: RequestContext): void {
  const tags = [...ctx.standin.filesMeta.tags.values()].filter((tag) => canSee(ctx, tag));
  const self = { href: `${DAV}/systemtags/`, props: {} };
  const children = tags.map((tag) => tagResource(ctx, tag, `${DAV}/systemtags/${tag.id}`));
  const depth0 = ctx.req.headers.depth === '0';
  sendMultistatus(ctx.res, depth0 ? [self] : [self, ...children], requestedProps(ctx.body));
}

function jsonBody(ctx: RequestContext): Record<string, unknown> | undefined {
  if (!String(ctx.req.headers['content-type']).startsWith('application/json')) {
    sendDavError(ctx.res, 415, 'UnsupportedMediaType', 'Only application/json is accepted');
    return undefined;
  }
  try {
    return JSON.parse(ctx.body.toString('utf8')) as Record<string, unknown>;
  } catch {
    sendDavError(ctx.res, 400, 'BadRequest', 'Invalid JSON');
    return undefined;
  }
}

function createTag(ctx: RequestContext): void {
  const data = jsonBody(ctx);
  if (!data) return;
  const meta = ctx.standin.filesMeta;
  if (typeof data.name !== 'string')
    return sendDavError(ctx.res, 400, 'BadRequest', 'Missing "name" attribute');
  const name = data.name.trim();
  const userVisible = data.userVisible === undefined ? true : Boolean(data.userVisible);
  const userAssignable = data.userAssignable === undefined ? true : Boolean(data.userAssignable);
  if ((!userVisible || !userAssignable) && !isAdmin(ctx)) {
    return sendDavError(ctx.res, 400, 'BadRequest', 'Not sufficient permissions');
  }
  if ([...meta.tags.values()].some((tag) => tag.name.toLowerCase() === name.toLowerCase())) {
    return sendDavError(ctx.res, 409, 'Conflict', 'Tag already exists');
  }
  const tag = { id: meta.nextTagId++, name, userVisible, userAssignable };
  meta.tags.set(tag.id, tag);
  const location = `${ctx.standin.url}${DAV}/systemtags/${tag.id}`;
  ctx.res.writeHead(201, { 'content-location': location, 'content-length': '0' }).end();
}

function deleteTag(ctx: RequestContext, tag: SystemTag): void {
  if (!isAdmin(ctx)) return sendDavError(ctx.res, 403, 'Forbidden', 'No permission to delete tag');
  const meta = ctx.standin.filesMeta;
  meta.tags.delete(tag.id);
  for (const ids of meta.tagged.values()) ids.delete(tag.id);
  ctx.res.writeHead(204).end();
}

function relate(ctx: RequestContext, fileId: number, tagId: number, method: 'PUT' | 'DELETE'): void {
  const meta = ctx.standin.filesMeta;
  const tag = meta.tags.get(tagId);
  const assigned = meta.tagged.get(fileId) ?? new Set<number>();
  if (method === 'PUT') {
    if (!tag || !canSee(ctx, tag)) {
      return sendDavError(
        ctx.res,
        412,
        'PreconditionFailed',
        `Tag with id ${tagId} does not exist, cannot assign`,
      );
    }
    if (assigned.has(tagId))
      return sendDavError(ctx.res, 409, 'Conflict', 'PUT is not allowed on non-files.');
    if (!canAssign(ctx, tag))
      return sendDavError(ctx.res, 403, 'Forbidden', `No permission to assign tag ${tagId}`);
    meta.tagged.set(fileId, assigned.add(tagId));
    ctx.res.writeHead(201, { 'content-length': '0' }).end();
    return;
  }
  if (!tag || !assigned.has(tagId) || !canSee(ctx, tag)) {
    return sendDavError(ctx.res, 404, 'NotFound', `Tag with id ${tagId} not present for object ${fileId}`);
  }
  if (!canAssign(ctx, tag))
    return sendDavError(ctx.res, 403, 'Forbidden', `No permission to unassign tag ${tagId}`);
  assigned.delete(tagId);
  ctx.res.writeHead(204).end();
}

function reportComments(ctx: RequestContext, fileId: number): void {
  const doc = parser.parse(ctx.body.toString('utf8')) as Record<string, unknown>;
  if (!('filter-comments' in doc)) {
    return sendDavError(ctx.res, 415, 'ReportNotSupported', 'This report is not supported');
  }
  const given = doc['filter-comments'];
  const filter = (typeof given === 'object' && given !== null ? given : {}) as {
    limit?: string;
    offset?: string;
  };
  // Sabre treats 0 (and absence) as "no limit".
  const limit = Number(filter.limit ?? 0) || Number.POSITIVE_INFINITY;
  const offset = Number(filter.offset ?? 0) || 0;
  const readMark = ctx.standin.filesMeta.readMarks.get(`${ctx.user}:${fileId}`);
  const newestFirst = [...(ctx.standin.filesMeta.comments.get(fileId) ?? [])].sort(
    (a, b) => b.created.getTime() - a.created.getTime() || b.id - a.id,
  );
  const resources = newestFirst.slice(offset, offset + limit).map((comment) => ({
    href: `${DAV}/comments/files/${fileId}/${comment.id}`,
    props: {
      id: ['oc:id', comment.id],
      parentId: ['oc:parentId', 0],
      topmostParentId: ['oc:topmostParentId', 0],
      childrenCount: ['oc:childrenCount', 0],
      message: ['oc:message', comment.message],
      verb: ['oc:verb', 'comment'],
      actorType: ['oc:actorType', 'users'],
      actorId: ['oc:actorId', comment.actorId],
      creationDateTime: ['oc:creationDateTime', comment.created.toUTCString()],
      objectType: ['oc:objectType', 'files'],
      objectId: ['oc:objectId', fileId],
      actorDisplayName: ['oc:actorDisplayName', comment.actorId],
      isUnread: ['oc:isUnread', String(!readMark || comment.created > readMark)],
    },
  })) satisfies DavResource[];
  sendMultistatus(ctx.res, resources, undefined);
}

function postComment(ctx: RequestContext, fileId: number): void {
  const data = jsonBody(ctx);
  if (!data) return;
  if (data.actorType !== 'users')
    return sendDavError(ctx.res, 400, 'BadRequest', `Invalid actor "${String(data.actorType)}"`);
  const message = typeof data.message === 'string' ? data.message.trim() : '';
  if (typeof data.verb !== 'string' || data.verb === '' || typeof data.message !== 'string') {
    return sendDavError(ctx.res, 400, 'BadRequest', 'Invalid input values');
  }
  if ([...message].length > 1000) {
    return sendDavError(ctx.res, 400, 'BadRequest', 'Message exceeds allowed character limit of 1000');
  }
  const meta = ctx.standin.filesMeta;
  const comment = { id: meta.nextCommentId++, actorId: ctx.user, message, created: new Date() };
  meta.comments.set(fileId, [...(meta.comments.get(fileId) ?? []), comment]);
  // Posting marks the thread read for the author, as Nextcloud does.
  meta.readMarks.set(`${ctx.user}:${fileId}`, comment.created);
  const location = `${ctx.standin.url}${ctx.url.pathname.replace(/\/$/, '')}/${comment.id}`;
  ctx.res.writeHead(201, { 'content-location': location, 'content-length': '0' }).end();
}

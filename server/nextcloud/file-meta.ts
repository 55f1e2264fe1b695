import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';
import { UpstreamFailedError } from '../errors.js';
import { headerValue, type NcResponse, type NextcloudClient } from './client.js';
import { displayPath } from './dav-path.js';
import { davFilesPath, davItems, xmlBody } from './webdav.js';

/**
 * What Nextcloud keeps about a file besides its content, over its DAV API: system tags
 * (`/remote.php/dav/systemtags/`, `systemtags-relations/files/<fileid>`, the `nc:system-tags`
 * property), personal tags (`oc:tags`) and comments (`/remote.php/dav/comments/files/<fileid>`).
 */

/** A system tag as tools return it. */
export const systemTagShape = {
  id: z.number(),
  name: z.string(),
  user_visible: z.boolean(),
  user_assignable: z.boolean().describe('false for restricted tags only admins (or chosen groups) assign'),
  can_assign: z.boolean().describe('Whether you may add or remove this tag'),
};
export type SystemTag = z.output<z.ZodObject<typeof systemTagShape>>;

/** A comment on a file as tools return it. */
export const commentShape = {
  id: z.number(),
  message: z.string(),
  author_id: z.string(),
  author_type: z.string().describe('"users" for people; other values for guests, bots or deleted users'),
  author_name: z.string().nullable(),
  created: z.string().nullable().describe('ISO 8601'),
  verb: z.string().describe('"comment" for comments people wrote'),
  unread: z.boolean(),
};
export type FileComment = z.output<z.ZodObject<typeof commentShape>>;

const DAV_ROOT = '/remote.php/dav';
const XML = { 'content-type': 'application/xml; charset=utf-8' };
const TAG_PROPS = {
  'oc:id': '',
  'oc:display-name': '',
  'oc:user-visible': '',
  'oc:user-assignable': '',
  'oc:can-assign': '',
};

// Attributes kept: `nc:system-tags` carries each tag's id and flags as attributes of its element.
const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => ['response', 'propstat', 'system-tag', 'tag'].includes(name),
});

type Props = Record<string, unknown>;
/** One resource of a Multi-Status: its properties found (200) and the names it lacks (404). */
interface Resource {
  readonly href: string;
  readonly found: Props;
  readonly missing: ReadonlySet<string>;
}

function resources(response: NcResponse): Resource[] {
  const doc = parser.parse(response.body.toString('utf8')) as {
    multistatus?: { response?: { href?: string; propstat?: { prop?: Props; status?: string }[] }[] };
  };
  return (doc.multistatus?.response ?? []).map((item) => {
    const found: Props = {};
    const missing = new Set<string>();
    for (const propstat of item.propstat ?? []) {
      const code = String(propstat.status ?? '').split(' ')[1];
      const props = typeof propstat.prop === 'object' && propstat.prop !== null ? propstat.prop : {};
      if (code === '200') Object.assign(found, props);
      else for (const name of Object.keys(props)) missing.add(name);
    }
    return { href: String(item.href ?? ''), found, missing };
  });
}

function text(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (typeof value === 'object' && value !== null && '#text' in value) return String(value['#text']);
  return '';
}

function tagFrom(values: Record<string, unknown>, name: string): SystemTag | undefined {
  const id = Number(text(values.id));
  if (!Number.isInteger(id) || id <= 0) return undefined;
  return {
    id,
    name,
    user_visible: text(values['user-visible']) !== 'false',
    user_assignable: text(values['user-assignable']) !== 'false',
    can_assign: text(values['can-assign']) === 'true',
  };
}

/** Reads a tag from the attributes of an `nc:system-tag` element (prefixed `@` by the parser). */
function tagFromElement(element: unknown): SystemTag | undefined {
  if (typeof element !== 'object' || element === null) return undefined;
  const attributes = Object.fromEntries(
    Object.entries(element).flatMap(([key, value]) => (key.startsWith('@') ? [[key.slice(1), value]] : [])),
  );
  return tagFrom(attributes, text(element));
}

/** A file's id and tags; `systemTags` is undefined when this Nextcloud does not serve `nc:system-tags` (before 28). */
export interface FileMeta {
  readonly fileId: number;
  readonly systemTags: SystemTag[] | undefined;
  readonly personalTags: string[];
}

/** One PROPFIND (depth 0) for a file's id, its system tags and the caller's personal tags. */
export async function fileMeta(nc: NextcloudClient, relative: string, withTags: boolean): Promise<FileMeta> {
  const what = `File ${displayPath(relative)}`;
  const response = await nc.send({
    method: 'PROPFIND',
    path: davFilesPath(nc.user, relative),
    headers: { depth: '0', ...XML },
    body: xmlBody('d:propfind', {
      'd:prop': { 'oc:fileid': '', ...(withTags ? { 'nc:system-tags': '', 'oc:tags': '' } : {}) },
    }),
    what,
  });
  const [resource] = resources(response);
  const fileId = Number(text(resource?.found.fileid));
  if (!resource || !Number.isInteger(fileId) || fileId <= 0) {
    throw new UpstreamFailedError(`Nextcloud did not tell the file id of ${displayPath(relative)}`);
  }
  const systemTags = resource.missing.has('system-tags')
    ? undefined
    : listOf(resource.found['system-tags'], 'system-tag').flatMap((element) => tagFromElement(element) ?? []);
  const personalTags = listOf(resource.found.tags, 'tag').map(text).filter(Boolean);
  return { fileId, systemTags, personalTags };
}

function listOf(container: unknown, name: string): unknown[] {
  if (typeof container !== 'object' || container === null) return [];
  const items = (container as Record<string, unknown>)[name];
  return Array.isArray(items) ? items : [];
}

/** The system tags on a file by its id, from `systemtags-relations` (every Nextcloud version). */
export async function tagsOfFile(nc: NextcloudClient, fileId: number, what: string): Promise<SystemTag[]> {
  const response = await nc.send({
    method: 'PROPFIND',
    path: `${DAV_ROOT}/systemtags-relations/files/${fileId}`,
    headers: { depth: '1', ...XML },
    body: xmlBody('d:propfind', { 'd:prop': TAG_PROPS }),
    what: `The tags of ${what}`,
  });
  return tagsIn(response);
}

/** Every system tag the caller can see (invisible tags only show to admins). */
export async function listSystemTags(nc: NextcloudClient): Promise<SystemTag[]> {
  const response = await nc.send({
    method: 'PROPFIND',
    path: `${DAV_ROOT}/systemtags/`,
    headers: { depth: '1', ...XML },
    body: xmlBody('d:propfind', { 'd:prop': TAG_PROPS }),
    what: 'The system tags',
  });
  return tagsIn(response);
}

/** Tags of a tag collection's Multi-Status; the collection itself has no `oc:id` and drops out. */
function tagsIn(response: NcResponse): SystemTag[] {
  return resources(response).flatMap(
    ({ found }) => tagFrom(found as Record<string, unknown>, text(found['display-name'])) ?? [],
  );
}

/** Something in the caller's files carrying a tag: its display path and file id (null if not told). */
export interface TaggedFile {
  readonly path: string;
  readonly fileId: number | null;
}

/**
 * Everything in the caller's files that carries the tag, from the `oc:filter-files` REPORT;
 * undefined when Nextcloud no longer knows the tag (412).
 */
export async function taggedFiles(nc: NextcloudClient, tagId: number): Promise<TaggedFile[] | undefined> {
  const response = await nc.send({
    method: 'REPORT',
    path: davFilesPath(nc.user, ''),
    headers: XML,
    body: xmlBody('oc:filter-files', {
      'd:prop': { 'd:resourcetype': '', 'oc:fileid': '' },
      'oc:filter-rules': { 'oc:systemtag': tagId },
    }),
    what: `The files tagged ${tagId}`,
    accept: [412],
  });
  if (response.status === 412) return undefined;
  return davItems(nc, response).map(({ relative, props }) => {
    const fileId = Number(text(props.fileid));
    return { path: displayPath(relative), fileId: Number.isInteger(fileId) && fileId > 0 ? fileId : null };
  });
}

/** A page of a file's comments, newest first (the `oc:filter-comments` REPORT). */
export async function listComments(
  nc: NextcloudClient,
  fileId: number,
  page: { limit: number; offset: number },
  what: string,
): Promise<FileComment[]> {
  const response = await nc.send({
    method: 'REPORT',
    path: `${DAV_ROOT}/comments/files/${fileId}`,
    headers: { depth: '0', ...XML },
    body: xmlBody('oc:filter-comments', { 'oc:limit': page.limit, 'oc:offset': page.offset }),
    what: `The comments on ${what}`,
  });
  return resources(response).flatMap(({ found }) => {
    const id = Number(text(found.id));
    if (!Number.isInteger(id)) return [];
    const created = text(found.creationDateTime);
    return {
      id,
      message: text(found.message),
      author_id: text(found.actorId),
      author_type: text(found.actorType),
      author_name: text(found.actorDisplayName) || null,
      created: created && !Number.isNaN(Date.parse(created)) ? new Date(created).toISOString() : null,
      verb: text(found.verb),
      unread: text(found.isUnread) === 'true',
    };
  });
}

/** Posts a comment as the caller; the new comment's id comes from `Content-Location` (the body is empty). */
export async function createComment(
  nc: NextcloudClient,
  fileId: number,
  message: string,
  what: string,
): Promise<number | null> {
  const response = await nc.send({
    method: 'POST',
    path: `${DAV_ROOT}/comments/files/${fileId}`,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ actorType: 'users', verb: 'comment', message }),
    what: `A comment on ${what}`,
  });
  const id = Number((headerValue(response.headers, 'content-location') ?? '').split('/').pop());
  return Number.isInteger(id) && id > 0 ? id : null;
}

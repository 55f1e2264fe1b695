import type { ContentBlock } from '@modelcontextprotocol/server';
import { XMLBuilder } from 'fast-xml-parser';
import { z } from 'zod';
import type { ToolContext } from '../registry.js';
import { headerValue, type NcResponse, type NextcloudClient } from './client.js';
import { displayPath, encodePath } from './dav-path.js';
import { type DavProps, multistatus } from './multistatus.js';

/**
 * WebDAV of a caller's files, below the tenant's excluded tags: tools reach files through the
 * gateway (`files.ts`), which checks every path before calling these.
 */

const DAV_ROOT = '/remote.php/dav';
const NS = { 'xmlns:d': 'DAV:', 'xmlns:oc': 'http://owncloud.org/ns', 'xmlns:nc': 'http://nextcloud.org/ns' };

/** The properties every listing asks for; servers answer unknown ones with 404 propstats. */
const PROPS = {
  'd:displayname': '',
  'd:getlastmodified': '',
  'd:getetag': '',
  'd:getcontenttype': '',
  'd:getcontentlength': '',
  'd:resourcetype': '',
  'oc:fileid': '',
  'oc:size': '',
  'oc:favorite': '',
};

/** A file or folder as tools return it. */
export const fileEntryShape = {
  path: z.string().describe('Path below your files root, starting with /'),
  name: z.string(),
  type: z.enum(['file', 'directory']),
  size: z.number().nullable(),
  mimeType: z.string().nullable(),
  modified: z.string().nullable().describe('ISO 8601'),
  etag: z.string().nullable(),
  favorite: z.boolean(),
};
export type FileEntry = z.output<z.ZodObject<typeof fileEntryShape>>;

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: true,
});
/** Builds an XML request body with the DAV namespaces declared on the root element. */
export function xmlBody(root: string, children: Record<string, unknown>): string {
  const attributes = Object.fromEntries(Object.entries(NS).map(([key, value]) => [`@_${key}`, value]));
  return `<?xml version="1.0" encoding="UTF-8"?>${builder.build({ [root]: { ...attributes, ...children } })}`;
}

/** The request path of a user's file or folder (`relative` already normalised). */
export function davFilesPath(user: string, relative: string): string {
  const rest = encodePath(relative);
  return `${DAV_ROOT}/files/${encodeURIComponent(user)}/${rest}`;
}

/** PROPFIND of one resource (depth 0) or a folder and its children (depth 1). */
export async function propfind(nc: NextcloudClient, relative: string, depth: 0 | 1): Promise<FileEntry[]> {
  const response = await nc.send({
    method: 'PROPFIND',
    path: davFilesPath(nc.user, relative),
    headers: { depth: String(depth), 'content-type': 'application/xml; charset=utf-8' },
    body: xmlBody('d:propfind', { 'd:prop': PROPS }),
    what: `${depth === 0 ? 'File' : 'Folder'} ${displayPath(relative)}`,
    tooLarge:
      'the folder has too many entries to list at once: list its subfolders, or find files in it with ' +
      'nc_webdav_search_files, which takes a limit',
  });
  return parseMultistatus(nc, response);
}

/** The `d:prop` block of a SEARCH `select` or REPORT, same properties as PROPFIND. */
const selectProps = { 'd:prop': PROPS };

/**
 * Turns a 207 Multi-Status into entries, keeping only resources inside the caller's files root
 * on this Nextcloud (anything else a server sends, another origin included, is dropped, never shown).
 */
export function parseMultistatus(nc: NextcloudClient, response: NcResponse): FileEntry[] {
  return davItems(nc, response).map(({ relative, props }) => toEntry(relative, props));
}

/** The resources of a Multi-Status inside the caller's files root: their path below it and their found properties. */
export function davItems(nc: NextcloudClient, response: NcResponse): { relative: string; props: DavProps }[] {
  const root = `${nc.url(`${DAV_ROOT}/files/${encodeURIComponent(nc.user)}`).pathname}/`;
  const items: { relative: string; props: DavProps }[] = [];
  for (const { href, props } of multistatus(response.body)) {
    const inside = nc.below(href);
    if (!inside) continue;
    const pathname = decodeURIComponent(nc.url(inside.path).pathname);
    const decodedRoot = decodeURIComponent(root);
    if (!`${pathname}/`.startsWith(decodedRoot)) continue;
    const relative = pathname.slice(decodedRoot.length).replace(/\/+$/, '');
    items.push({ relative, props });
  }
  return items;
}

function toEntry(relative: string, props: DavProps): FileEntry {
  const isDir =
    typeof props.resourcetype === 'object' &&
    props.resourcetype !== null &&
    'collection' in props.resourcetype;
  const size = Number(text(props.getcontentlength) ?? text(props.size) ?? Number.NaN);
  const modified = text(props.getlastmodified);
  return {
    path: displayPath(relative),
    name: relative.split('/').pop() || '/',
    type: isDir ? 'directory' : 'file',
    size: Number.isFinite(size) ? size : null,
    mimeType: isDir ? null : (text(props.getcontenttype) ?? null),
    modified: modified ? new Date(modified).toISOString() : null,
    etag: text(props.getetag) ?? null,
    favorite: text(props.favorite) === '1',
  };
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

/** What a DASL SEARCH matches; every criterion given must hold. */
export interface SearchCriteria {
  /** A file name with `*` wildcards, or a part of one. */
  readonly name?: string;
  /** A mime type, or a family: `image`, `image/*`. */
  readonly mimeType?: string;
  readonly modifiedAfter?: string;
  readonly modifiedBefore?: string;
  readonly minSize?: number;
  readonly maxSize?: number;
  readonly onlyFavorites?: boolean;
  /** The file of this id, as apps that keep their data in files name it (a note's id is its file's). */
  readonly fileId?: number;
}

/** A DASL `d:where` condition over one property. */
type Condition = Record<string, unknown>;
const like = (prop: string, literal: string): Condition => ({
  'd:like': { 'd:prop': { [prop]: '' }, 'd:literal': literal },
});
const compare = (op: 'd:gt' | 'd:lt' | 'd:eq', prop: string, literal: string | number): Condition => ({
  [op]: { 'd:prop': { [prop]: '' }, 'd:literal': literal },
});

/** `report*.md` → `report%.md`; a name without wildcards matches anywhere in the file name. */
function namePattern(name: string): string {
  const escaped = name.replace(/%/g, '\\%');
  return escaped.includes('*') ? escaped.replace(/\*/g, '%') : `%${escaped}%`;
}

/** `image`, `image/*` → `image/%`; a full type matches exactly. */
function typePattern(type: string): string {
  const major = type.replace(/\/\*?$/, '');
  return major.includes('/') ? major : `${major}/%`;
}

/** The `d:where` of a search; no criteria: every file (the search's limit bounds the answer). */
export function searchWhere(criteria: SearchCriteria): Condition {
  const conditions: Condition[] = [];
  if (criteria.name) conditions.push(like('d:displayname', namePattern(criteria.name)));
  if (criteria.mimeType) conditions.push(like('d:getcontenttype', typePattern(criteria.mimeType)));
  if (criteria.modifiedAfter) conditions.push(compare('d:gt', 'd:getlastmodified', criteria.modifiedAfter));
  if (criteria.modifiedBefore) conditions.push(compare('d:lt', 'd:getlastmodified', criteria.modifiedBefore));
  if (criteria.minSize !== undefined) conditions.push(compare('d:gt', 'oc:size', criteria.minSize - 1));
  if (criteria.maxSize !== undefined) conditions.push(compare('d:lt', 'oc:size', criteria.maxSize + 1));
  if (criteria.onlyFavorites) conditions.push(compare('d:eq', 'oc:favorite', 1));
  if (criteria.fileId !== undefined) conditions.push(compare('d:eq', 'oc:fileid', criteria.fileId));
  const [first, ...rest] = conditions;
  if (!first) return like('d:displayname', '%');
  return rest.length === 0 ? first : { 'd:and': mergeConditions(conditions) };
}

/** Groups conditions by element name so the XML builder emits repeated siblings. */
function mergeConditions(conditions: Condition[]): Record<string, unknown[]> {
  const merged: Record<string, unknown[]> = {};
  for (const condition of conditions) {
    for (const [key, value] of Object.entries(condition)) merged[key] = [...(merged[key] ?? []), value];
  }
  return merged;
}

/** A DASL SEARCH below a folder (recursively), at most `max` results. */
export async function searchFiles(
  nc: NextcloudClient,
  relative: string,
  where: Condition,
  max: number,
): Promise<FileEntry[]> {
  const body = xmlBody('d:searchrequest', {
    'd:basicsearch': {
      'd:select': selectProps,
      'd:from': { 'd:scope': { 'd:href': `/files/${nc.user}/${relative}`, 'd:depth': 'infinity' } },
      'd:where': where,
      'd:orderby': '',
      'd:limit': { 'd:nresults': max },
    },
  });
  const response = await nc.send({
    method: 'SEARCH',
    path: `${DAV_ROOT}/`,
    headers: { 'content-type': 'text/xml; charset=utf-8' },
    body,
    what: `Search in ${displayPath(relative)}`,
  });
  return parseMultistatus(nc, response).slice(0, max);
}

/** The caller's favorites below a folder (the `oc:filter-files` REPORT). */
export async function favoriteFiles(nc: NextcloudClient, relative: string): Promise<FileEntry[]> {
  const response = await nc.send({
    method: 'REPORT',
    path: davFilesPath(nc.user, relative),
    headers: { 'content-type': 'text/xml; charset=utf-8' },
    body: xmlBody('oc:filter-files', { ...selectProps, 'oc:filter-rules': { 'oc:favorite': 1 } }),
    what: `Favorites in ${displayPath(relative)}`,
  });
  return parseMultistatus(nc, response);
}

const TEXT_TYPES =
  /^(text\/|application\/(json|xml|javascript|x-yaml|yaml|x-sh|sql|ld\+json|x-httpd-php)|.*\+xml|.*\+json)/;

/** A file read for a tool: text when it is text, otherwise an image or a base64 resource block. */
export interface FileContent {
  readonly mimeType: string;
  readonly size: number;
  readonly etag: string | null;
  /** ISO 8601, from Last-Modified. */
  readonly modified: string | null;
  readonly isText: boolean;
  readonly text: string | null;
  readonly block: ContentBlock;
  /** The bytes as read, for a tool that works on them (document text). */
  readonly body: Buffer;
}

/** GETs a file (bounded by the read limit) and decides how to hand it to a model. */
export async function readFileContent(
  ctx: Pick<ToolContext, 'nc' | 'limits'>,
  davPath: string,
  what: string,
): Promise<FileContent> {
  const response = await ctx.nc.send({
    method: 'GET',
    path: davPath,
    what,
    maxBytes: ctx.limits.readMaxBytes,
  });
  const mimeType = (headerValue(response.headers, 'content-type') ?? 'application/octet-stream')
    .split(';')[0]
    ?.trim();
  const type = mimeType || 'application/octet-stream';
  const etag = headerValue(response.headers, 'etag') ?? null;
  const lastModified = Date.parse(headerValue(response.headers, 'last-modified') ?? '');
  const modified = Number.isNaN(lastModified) ? null : new Date(lastModified).toISOString();
  const decoded = decodeText(response.body, type);
  const base = { mimeType: type, size: response.body.length, etag, modified, body: response.body };
  if (decoded !== null) {
    return { ...base, isText: true, text: decoded, block: { type: 'text', text: decoded } };
  }
  const data = response.body.toString('base64');
  const block: ContentBlock = type.startsWith('image/')
    ? { type: 'image', data, mimeType: type }
    : { type: 'resource', resource: { uri: ctx.nc.url(davPath).href, mimeType: type, blob: data } };
  return { ...base, isText: false, text: null, block };
}

/** The body as text when its type says text (or says nothing) and it is valid UTF-8; else null. */
export function decodeText(body: Buffer, mimeType: string): string | null {
  const declaredText = TEXT_TYPES.test(mimeType);
  if (!declaredText && mimeType !== 'application/octet-stream') return null;
  try {
    const value = new TextDecoder('utf-8', { fatal: true }).decode(body);
    return declaredText || !value.includes('\0') ? value : null;
  } catch {
    // Not valid UTF-8: it is binary, whatever its type claims.
    return null;
  }
}

import { request } from 'undici';
import { md5, type RequestContext } from './nextcloud.js';
import {
  type DavResource,
  parser,
  requestedProps,
  sendDavError,
  sendMultistatus,
} from './nextcloud-dav-xml.js';
import {
  fileIdOf,
  filesWithTags,
  handleFilesMeta,
  isFilesMetaPath,
  metaProps,
  setPersonalTags,
  trackFileIds,
} from './nextcloud-files-meta.js';
import { groupware } from './nextcloud-groupware.js';
import { handleTrashbin, isTrashbinPath, moveToTrash } from './nextcloud-trashbin.js';
import { handleVersions, isVersionsPath, keepVersion } from './nextcloud-versions.js';

/**
 * WebDAV stand-in: authenticated requests for `/remote.php/dav/files/<user>/...` go to the
 * real WebDAV server; what Nextcloud adds that Apache lacks (SEARCH, the `oc:filter-files`
 * REPORT by favorite and system tag, PROPFIND with file ids and tags) is answered here over
 * that server's PROPFIND, and tags and comments by nextcloud-files-meta.ts. ETags are
 * Nextcloud's (see nextcloudEtag), and If-Match is evaluated here against them.
 */
const FILES = '/remote.php/dav/files/';
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'host',
  'authorization',
  'content-length',
]);

interface Item {
  href: string;
  name: string;
  collection: boolean;
  contentType: string;
  size: number;
  modified: Date;
  etag: string;
  favorite: boolean;
}

export function davUrl(ctx: RequestContext): string {
  const url = ctx.standin.options.davUrl;
  if (!url) throw new Error('this stand-in has no WebDAV server');
  return url;
}

const stripWeak = (etag: string) => etag.replace(/^W\//, '');

/**
 * A resource's ETag as Nextcloud hands it out: strong, and kept by a write within the same
 * second as the one before, whatever that write changed (nextcloud/server#63994). So it is made
 * of the path and the mtime in whole seconds, read from Apache's ETag ("size-mtime µs", hex).
 */
function nextcloudEtag(pathname: string, apacheEtag: string): string {
  const micros = Number.parseInt(stripWeak(apacheEtag).replaceAll('"', '').split('-').pop() ?? '', 16);
  const path = decodeURIComponent(pathname).replace(/\/$/, '');
  return `"${md5(`${path}:${Math.floor(micros / 1e6)}`).slice(0, 13)}"`;
}

/** The user of a `/remote.php/dav/files/<user>/` path, decoded. */
function pathUser(pathname: string): string | undefined {
  if (!pathname.startsWith(FILES)) return undefined;
  return decodeURIComponent(pathname.slice(FILES.length).split('/')[0] ?? '');
}

export async function handleDav(ctx: RequestContext): Promise<void> {
  const { req, res, url } = ctx;
  if (req.method === 'SEARCH' && /^\/remote\.php\/dav\/?$/.test(url.pathname)) return search(ctx);
  if (isFilesMetaPath(url.pathname)) return handleFilesMeta(ctx);
  if (isTrashbinPath(url.pathname)) return handleTrashbin(ctx);
  if (isVersionsPath(url.pathname)) return handleVersions(ctx);
  if (!url.pathname.startsWith(FILES) && ctx.standin.options.groupwareUrl)
    return groupware(ctx, ctx.standin.options.groupwareUrl);
  if (pathUser(url.pathname) !== ctx.user) {
    res.writeHead(403, { 'content-type': 'application/xml' }).end('<d:error xmlns:d="DAV:"/>');
    return;
  }
  if (req.method === 'REPORT') return filterFiles(ctx, url.pathname);
  if (req.method === 'PROPFIND') return answerPropfind(ctx, url.pathname);
  const personalTags = req.method === 'PROPPATCH' ? tagsToSet(ctx.body) : undefined;
  if (personalTags) return setPersonalTags(ctx, personalTags);
  const ifMatch = req.headers['if-match'];
  if (ifMatch && ifMatch !== '*') {
    const [current] = await propfind(ctx, url.pathname, '0');
    if (!current || current.etag !== stripWeak(ifMatch)) {
      res.writeHead(412).end();
      return;
    }
  }
  const taggedIf = req.headers.if;
  if (typeof taggedIf === 'string') {
    const refusal = await taggedIfRefusal(ctx, taggedIf);
    if (refusal) {
      res.writeHead(refusal).end();
      return;
    }
  }
  // Nextcloud keeps what a delete removes in the trash bin, and what a write replaces as a version.
  if (req.method === 'DELETE') return moveToTrash(ctx);
  if (req.method === 'PUT')
    await keepVersion(ctx, url.pathname, fileIdOf(ctx.standin.filesMeta, url.pathname));
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (typeof value === 'string' && !HOP_BY_HOP.has(key) && key !== 'if-match' && key !== 'if')
      headers[key] = value;
  }
  if (headers.destination) {
    const destination = new URL(headers.destination);
    if (pathUser(destination.pathname) !== ctx.user) {
      res.writeHead(403).end();
      return;
    }
    headers.destination = new URL(destination.pathname, davUrl(ctx)).href;
  }
  const upstream = await request(new URL(url.pathname + url.search, davUrl(ctx)), {
    method: req.method as 'GET',
    headers,
    body: ctx.body.length > 0 ? ctx.body : undefined,
  });
  const body = Buffer.from(await upstream.body.arrayBuffer());
  if (
    req.method === 'GET' &&
    upstream.statusCode === 404 &&
    (await propfind(ctx, url.pathname, '0'))[0]?.collection
  )
    return dummyGetResponse(ctx);
  const outHeaders: Record<string, string> = {};
  for (const [key, value] of Object.entries(upstream.headers)) {
    if (typeof value === 'string' && !HOP_BY_HOP.has(key))
      outHeaders[key] = key === 'etag' ? nextcloudEtag(url.pathname, value) : value;
  }
  const out =
    upstream.statusCode === 207 ? Buffer.from(body.toString('utf8').replace(/(getetag>)W\//g, '$1')) : body;
  if (req.method !== 'HEAD') outHeaders['content-length'] = String(out.length);
  if (upstream.statusCode < 300) {
    const target = headers.destination ? new URL(headers.destination).pathname : undefined;
    trackFileIds(ctx.standin.filesMeta, req.method ?? '', url.pathname, target);
  }
  res.writeHead(upstream.statusCode, outHeaders).end(out);
}

/**
 * The status a tagged-list `If` header (RFC 4918 §10.4) of etags fails with, as sabre/dav answers:
 * 404 when a resource it names does not exist, 412 when its etag differs; undefined when it holds.
 * Evaluated here, as If-Match is, because the etags are Nextcloud's, not Apache's.
 */
async function taggedIfRefusal(ctx: RequestContext, header: string): Promise<number | undefined> {
  const conditions = [...header.matchAll(/<([^>]+)>\s*\(\s*\[([^\]]*)\]\s*\)/g)];
  if (conditions.length === 0) return 412;
  for (const [, uri = '', etag = ''] of conditions) {
    const pathname = new URL(uri, 'http://standin').pathname;
    if (pathUser(pathname) !== ctx.user) return 412;
    const [current] = await propfind(ctx, pathname, '0');
    if (!current) return 404;
    if (current.etag !== stripWeak(etag.trim())) return 412;
  }
  return undefined;
}

/**
 * A GET of a folder: Apache has no page for it, Nextcloud's DummyGetResponsePlugin answers 200
 * with this sentence, as PHP's default text/html.
 */
function dummyGetResponse(ctx: RequestContext): void {
  ctx.res
    .writeHead(200, { 'content-type': 'text/html; charset=UTF-8' })
    .end(
      'This is the WebDAV interface. It can only be accessed by WebDAV clients such as the Nextcloud desktop sync client.',
    );
}

/** The personal tags a PROPPATCH sets (`oc:tags` with `oc:tag` children), if that is what it does. */
function tagsToSet(body: Buffer): string[] | undefined {
  const doc = parser.parse(body.toString('utf8')) as {
    propertyupdate?: { set?: { prop?: { tags?: { tag?: string | string[] } | '' } } };
  };
  const tags = doc.propertyupdate?.set?.prop?.tags;
  if (tags === undefined) return undefined;
  const list = typeof tags === 'object' ? tags.tag : undefined;
  return list === undefined ? [] : Array.isArray(list) ? list : [list];
}

/** PROPFIND of the user's files with Nextcloud's properties; Depth infinity counts as 1, as Nextcloud's default. */
async function answerPropfind(ctx: RequestContext, pathname: string): Promise<void> {
  const items = await propfind(ctx, pathname, ctx.req.headers.depth === '0' ? '0' : '1');
  if (items.length === 0)
    return sendDavError(ctx.res, 404, 'NotFound', `File with name ${pathname} could not be located`);
  sendMultistatus(ctx.res, resources(ctx, items), requestedProps(ctx.body));
}

/** `file`, `folder` or undefined: what a user's path (as the Share API takes it) is. */
export async function davItemType(ctx: RequestContext, path: string): Promise<'file' | 'folder' | undefined> {
  const encoded = path
    .split('/')
    .filter(Boolean)
    .map((segment) => encodeURIComponent(segment))
    .join('/');
  const [item] = await propfind(ctx, `${FILES}${encodeURIComponent(ctx.user)}/${encoded}`, '0');
  if (!item) return undefined;
  return item.collection ? 'folder' : 'file';
}

export async function propfind(
  ctx: RequestContext,
  pathname: string,
  depth: '0' | '1' | 'infinity',
): Promise<Item[]> {
  const response = await request(new URL(pathname, davUrl(ctx)), {
    method: 'PROPFIND',
    headers: { depth, 'content-type': 'application/xml' },
    body:
      '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop>' +
      '<d:resourcetype/><d:getcontenttype/><d:getcontentlength/><d:getlastmodified/><d:getetag/>' +
      '<oc:favorite/></d:prop></d:propfind>',
  });
  const text = await response.body.text();
  if (response.statusCode !== 207) return [];
  const doc = parser.parse(text) as { multistatus?: { response?: Record<string, unknown>[] } };
  return (doc.multistatus?.response ?? []).map((entry) => {
    const props = Object.assign(
      {},
      ...((entry.propstat as { prop?: object; status?: string }[]) ?? [])
        .filter((ps) => String(ps.status).includes(' 200 '))
        .map((ps) => ps.prop ?? {}),
    ) as Record<string, unknown>;
    const href = String(entry.href);
    const collection = typeof props.resourcetype === 'object' && props.resourcetype !== null;
    return {
      href,
      name: decodeURIComponent(href.replace(/\/$/, '').split('/').pop() ?? ''),
      collection,
      contentType: collection
        ? 'httpd/unix-directory'
        : String(props.getcontenttype ?? 'application/octet-stream'),
      size: Number(props.getcontentlength ?? 0),
      modified: new Date(String(props.getlastmodified)),
      etag: nextcloudEtag(href, String(props.getetag ?? '')),
      favorite: String(props.favorite ?? '') === '1',
    };
  });
}

/** Items with every property Nextcloud's files plugins serve for them. */
function resources(ctx: RequestContext, items: Item[]): DavResource[] {
  return items.map((item) => {
    const meta = metaProps(ctx, item.href);
    return {
      href: item.href,
      props: {
        displayname: ['d:displayname', item.name],
        getcontenttype: ['d:getcontenttype', item.contentType],
        getlastmodified: ['d:getlastmodified', item.modified.toUTCString()],
        getetag: ['d:getetag', item.etag],
        resourcetype: ['d:resourcetype', item.collection ? { 'd:collection': '' } : ''],
        ...(item.collection ? {} : { getcontentlength: ['d:getcontentlength', item.size] as const }),
        size: ['oc:size', item.size],
        favorite: ['oc:favorite', item.favorite ? 1 : 0],
        ...meta.props,
      },
      withheld: meta.withheld ?? [],
    };
  });
}

/** The `oc:filter-files` REPORT: favorites and system tags (all given must match) below the target. */
async function filterFiles(ctx: RequestContext, pathname: string): Promise<void> {
  const doc = parser.parse(ctx.body.toString('utf8')) as {
    'filter-files'?: { 'filter-rules'?: { favorite?: unknown; systemtag?: string | string[] } };
  };
  const rules = doc['filter-files']?.['filter-rules'];
  if (!rules || typeof rules !== 'object') {
    return sendDavError(ctx.res, 400, 'BadRequest', 'Missing filter-rule block in request');
  }
  const tagIds = rules.systemtag === undefined ? [] : [rules.systemtag].flat().map(Number);
  const tagged = filesWithTags(ctx, tagIds);
  if (!tagged) return sendDavError(ctx.res, 412, 'PreconditionFailed', 'Cannot filter by non-existing tag');
  const items = (await propfind(ctx, pathname, 'infinity')).filter(
    (item) =>
      (rules.favorite === undefined || item.favorite) &&
      (tagIds.length === 0 || tagged(fileIdOf(ctx.standin.filesMeta, item.href))),
  );
  sendMultistatus(ctx.res, resources(ctx, items), requestedProps(ctx.body));
}

type Where = Record<string, unknown>;

async function search(ctx: RequestContext): Promise<void> {
  const doc = parser.parse(ctx.body.toString('utf8')) as {
    searchrequest?: {
      basicsearch?: { from?: { scope?: { href?: string } }; where?: Where; limit?: { nresults?: string } };
    };
  };
  const basic = doc.searchrequest?.basicsearch;
  const scope = String(basic?.from?.scope?.href ?? '');
  const [, user = '', ...rest] = scope.split('/').filter(Boolean);
  if (!basic || !scope.startsWith('/files/') || user !== ctx.user) {
    ctx.res.writeHead(400, { 'content-type': 'text/plain' }).end('bad search scope');
    return;
  }
  const encoded = rest.map((segment) => encodeURIComponent(segment)).join('/');
  const items = await propfind(ctx, `${FILES}${encodeURIComponent(user)}/${encoded}`, 'infinity');
  const limit = Number(basic.limit?.nresults ?? Number.POSITIVE_INFINITY);
  const idOf = (item: Item) => fileIdOf(ctx.standin.filesMeta, item.href);
  const matches = items.slice(1).filter((item) => evaluate(basic.where ?? {}, item, idOf));
  sendMultistatus(ctx.res, resources(ctx, matches.slice(0, limit)), requestedProps(ctx.body));
}

/** A file's id, which Nextcloud's SEARCH matches as `oc:fileid`. */
type IdOf = (item: Item) => number;

/** Evaluates a DASL basicsearch `where` (and, or, not, like, eq, gt, lt, gte, lte). */
function evaluate(where: Where, item: Item, idOf: IdOf): boolean {
  return Object.entries(where).every(([op, operand]) =>
    (Array.isArray(operand) ? operand : [operand]).every((node) =>
      evaluateOne(op, node as Where, item, idOf),
    ),
  );
}

function evaluateOne(op: string, node: Where, item: Item, idOf: IdOf): boolean {
  if (op === 'and') return evaluate(node, item, idOf);
  if (op === 'or') {
    return Object.entries(node).some(([inner, operand]) =>
      (Array.isArray(operand) ? operand : [operand]).some((child) =>
        evaluateOne(inner, child as Where, item, idOf),
      ),
    );
  }
  if (op === 'not') return !evaluate(node, item, idOf);
  const prop = Object.keys((node.prop as object) ?? {})[0] ?? '';
  const literal = String(node.literal ?? '');
  const value = prop === 'fileid' ? idOf(item) : propValue(prop, item);
  switch (op) {
    case 'like':
      return likeToRegExp(literal).test(String(value));
    case 'eq':
      return String(value) === literal;
    case 'gt':
    case 'lt':
    case 'gte':
    case 'lte': {
      const left = value instanceof Date ? value.getTime() : Number(value);
      const right = value instanceof Date ? Date.parse(literal) : Number(literal);
      if (op === 'gt') return left > right;
      if (op === 'lt') return left < right;
      return op === 'gte' ? left >= right : left <= right;
    }
    default:
      throw new Error(`unsupported search operator ${op}`);
  }
}

function propValue(prop: string, item: Item): string | number | Date {
  switch (prop) {
    case 'displayname':
      return item.name;
    case 'getcontenttype':
      return item.contentType;
    case 'getlastmodified':
      return item.modified;
    case 'size':
    case 'getcontentlength':
      return item.size;
    case 'favorite':
      return item.favorite ? 1 : 0;
    default:
      throw new Error(`unsupported search property ${prop}`);
  }
}

/** SQL LIKE (`%`, `_`, `\` escapes), case-insensitive as Nextcloud compares names. */
function likeToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] ?? '';
    if (char === '\\' && i + 1 < pattern.length) source += escapeRegExp(pattern[++i] ?? '');
    else if (char === '%') source += '.*';
    else if (char === '_') source += '.';
    else source += escapeRegExp(char);
  }
  return new RegExp(`^${source}$`, 'is');
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

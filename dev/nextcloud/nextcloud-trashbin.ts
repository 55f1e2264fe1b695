import { request } from 'undici';
import type { RequestContext } from './nextcloud.js';
import { davUrl, propfind } from './nextcloud-dav.js';
import { requestedProps, sendDavError, sendMultistatus } from './nextcloud-dav-xml.js';
import { fileIdOf, trackFileIds } from './nextcloud-files-meta.js';

/**
 * The trash bin as apps/files_trashbin serves it: a DELETE in the user's files moves the file or
 * folder into the trash (Trashbin::move2trash, named `<name>.d<unix time>`), kept in Apache's tree
 * beside the users' folders; `/remote.php/dav/trashbin/<user>/trash` lists it with the
 * TrashbinPlugin properties, MOVE onto `…/restore/<name>` restores (Trashbin::restore: a taken name
 * becomes "<name> (restored).<ext>", then "(restored 2)", …; a missing folder restores to the root),
 * DELETE removes an item or, on `trash` itself, everything (TrashRoot::delete). File ids are kept.
 */
interface Trashed {
  readonly name: string;
  readonly filename: string;
  /** Below the user's files root, no leading slash, as Nextcloud stores it. */
  readonly originalLocation: string;
  readonly deletedAt: number;
}

/** Trashed items by user, then by their name in the trash. */
export type TrashState = Map<string, Map<string, Trashed>>;

const FILES = '/remote.php/dav/files/';
const TRASHBIN = /^\/remote\.php\/dav\/trashbin\/([^/]+)\/(trash|restore)(?:\/([^/]+))?\/?$/;

/** Where Apache keeps a user's trash: beside their files folder, outside what they can list. */
const trashFolder = (user: string) => `${FILES}.trash-${encodeURIComponent(user)}`;
const trashPath = (user: string, name: string) => `${trashFolder(user)}/${encodeURIComponent(name)}`;

async function apache(
  ctx: RequestContext,
  method: string,
  path: string,
  headers: Record<string, string> = {},
) {
  const response = await request(new URL(path, davUrl(ctx)), { method: method as 'GET', headers });
  await response.body.dump();
  return response.statusCode;
}

function itemsOf(ctx: RequestContext): Map<string, Trashed> {
  const state = ctx.standin.trash;
  let items = state.get(ctx.user);
  if (!items) {
    items = new Map();
    state.set(ctx.user, items);
  }
  return items;
}

/** A DELETE of the user's file or folder: moved into the trash, as Nextcloud's storage wrapper does. */
export async function moveToTrash(ctx: RequestContext): Promise<void> {
  const { pathname } = ctx.url;
  if (!(await propfind(ctx, pathname, '0'))[0])
    return sendDavError(ctx.res, 404, 'NotFound', `File with name ${pathname} could not be located`);
  const relative = decodeURIComponent(
    pathname.slice(`${FILES}${encodeURIComponent(ctx.user)}/`.length),
  ).replace(/\/+$/, '');
  const filename = relative.split('/').pop() ?? relative;
  const items = itemsOf(ctx);
  let deletedAt = Math.floor(Date.now() / 1000);
  while (items.has(`${filename}.d${deletedAt}`)) deletedAt++;
  const name = `${filename}.d${deletedAt}`;
  await apache(ctx, 'MKCOL', `${trashFolder(ctx.user)}/`);
  const target = trashPath(ctx.user, name);
  const moved = await apache(ctx, 'MOVE', pathname, { destination: new URL(target, davUrl(ctx)).href });
  if (moved >= 300) return sendDavError(ctx.res, 500, 'Exception', `moving to the trash failed (${moved})`);
  trackFileIds(ctx.standin.filesMeta, 'MOVE', pathname, target);
  items.set(name, { name, filename, originalLocation: relative, deletedAt });
  ctx.res.writeHead(204).end();
}

export function isTrashbinPath(pathname: string): boolean {
  return pathname.startsWith('/remote.php/dav/trashbin/');
}

export async function handleTrashbin(ctx: RequestContext): Promise<void> {
  const match = TRASHBIN.exec(ctx.url.pathname);
  const [, user = '', collection, encodedName] = match ?? [];
  if (!match || decodeURIComponent(user) !== ctx.user)
    return sendDavError(ctx.res, 404, 'NotFound', `File not found: ${ctx.url.pathname}`);
  const name = encodedName === undefined ? undefined : decodeURIComponent(encodedName);
  const method = ctx.req.method;
  if (collection === 'trash' && method === 'PROPFIND') return list(ctx, name);
  if (collection === 'trash' && method === 'DELETE') return remove(ctx, name);
  if (collection === 'trash' && method === 'MOVE' && name !== undefined) return restore(ctx, name);
  sendDavError(
    ctx.res,
    collection === 'restore' ? 403 : 405,
    'MethodNotAllowed',
    `${method} is not allowed here`,
  );
}

async function list(ctx: RequestContext, only: string | undefined): Promise<void> {
  const items = [...itemsOf(ctx).values()].filter((item) => only === undefined || item.name === only);
  if (only !== undefined && items.length === 0)
    return sendDavError(ctx.res, 404, 'NotFound', `File not found: ${only} in 'trash'`);
  const base = `/remote.php/dav/trashbin/${encodeURIComponent(ctx.user)}/trash`;
  const self = {
    href: `${base}/`,
    props: { resourcetype: ['d:resourcetype', { 'd:collection': '' }] as const },
  };
  const resources = [];
  for (const item of items) {
    const path = trashPath(ctx.user, item.name);
    const [stat] = await propfind(ctx, path, '0');
    if (!stat) continue;
    resources.push({
      href: `${base}/${encodeURIComponent(item.name)}${stat.collection ? '/' : ''}`,
      props: {
        'trashbin-filename': ['nc:trashbin-filename', item.filename],
        'trashbin-original-location': ['nc:trashbin-original-location', item.originalLocation],
        'trashbin-deletion-time': ['nc:trashbin-deletion-time', item.deletedAt],
        displayname: ['d:displayname', item.filename],
        fileid: ['oc:fileid', fileIdOf(ctx.standin.filesMeta, path)],
        size: ['oc:size', stat.size],
        ...(stat.collection ? {} : { getcontentlength: ['d:getcontentlength', stat.size] as const }),
        getcontenttype: ['d:getcontenttype', stat.contentType],
        resourcetype: ['d:resourcetype', stat.collection ? { 'd:collection': '' } : ''],
        getlastmodified: ['d:getlastmodified', stat.modified.toUTCString()],
      },
    } as const);
  }
  const depth0 = ctx.req.headers.depth === '0';
  sendMultistatus(
    ctx.res,
    only !== undefined || depth0 ? resources : [self, ...resources],
    requestedProps(ctx.body),
  );
}

async function remove(ctx: RequestContext, name: string | undefined): Promise<void> {
  const items = itemsOf(ctx);
  const doomed = name === undefined ? [...items.values()] : [items.get(name)].flatMap((item) => item ?? []);
  if (name !== undefined && doomed.length === 0)
    return sendDavError(ctx.res, 404, 'NotFound', `File not found: ${name} in 'trash'`);
  for (const item of doomed) {
    await apache(ctx, 'DELETE', trashPath(ctx.user, item.name));
    trackFileIds(ctx.standin.filesMeta, 'DELETE', trashPath(ctx.user, item.name), undefined);
    items.delete(item.name);
  }
  ctx.res.writeHead(204).end();
}

async function restore(ctx: RequestContext, name: string): Promise<void> {
  const item = itemsOf(ctx).get(name);
  const destination = new URL(String(ctx.req.headers.destination ?? ''), 'http://x').pathname;
  if (!/\/remote\.php\/dav\/trashbin\/[^/]+\/restore\/[^/]+$/.test(destination))
    return sendDavError(ctx.res, 403, 'Forbidden', 'Restore only into the restore folder');
  if (!item) return sendDavError(ctx.res, 404, 'NotFound', `File not found: ${name} in 'trash'`);
  const home = `${FILES}${encodeURIComponent(ctx.user)}`;
  const encode = (relative: string) =>
    relative
      .split('/')
      .filter(Boolean)
      .map((segment) => encodeURIComponent(segment))
      .join('/');
  let folder = item.originalLocation.split('/').slice(0, -1).join('/');
  if (folder && !(await propfind(ctx, `${home}/${encode(folder)}/`, '0'))[0]?.collection) folder = '';
  const at = (file: string) => `${home}/${encode(folder ? `${folder}/${file}` : file)}`;
  let target = item.filename;
  if ((await propfind(ctx, at(target), '0'))[0]) {
    const dot = item.filename.lastIndexOf('.');
    const [stem, ext] =
      dot > 0 ? [item.filename.slice(0, dot), item.filename.slice(dot)] : [item.filename, ''];
    target = `${stem} (restored)${ext}`;
    for (let i = 2; (await propfind(ctx, at(target), '0'))[0]; i++) target = `${stem} (restored ${i})${ext}`;
  }
  const source = trashPath(ctx.user, item.name);
  const moved = await apache(ctx, 'MOVE', source, { destination: new URL(at(target), davUrl(ctx)).href });
  if (moved >= 300) return sendDavError(ctx.res, 500, 'Exception', `restoring failed (${moved})`);
  trackFileIds(ctx.standin.filesMeta, 'MOVE', source, at(target));
  itemsOf(ctx).delete(name);
  ctx.res.writeHead(201, { 'content-length': '0' }).end();
}

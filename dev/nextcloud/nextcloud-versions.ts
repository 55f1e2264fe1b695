import { request } from 'undici';
import type { RequestContext } from './nextcloud.js';
import { davUrl, propfind } from './nextcloud-dav.js';
import { requestedProps, sendDavError, sendMultistatus } from './nextcloud-dav-xml.js';

/**
 * File versions as apps/files_versions keeps them: every write over an existing file keeps what it
 * held, named by its modification time (the revision id); `/remote.php/dav/versions/<user>/versions/<fileid>`
 * lists them with the current content first (VersionCollection, Nextcloud 26+), with
 * `nc:version-label` and `nc:version-author`; VersionRoot answers 404 for a folder or an id that is
 * not the user's. MOVE of a version onto `…/restore/target` rolls the file back (201), keeping what
 * it held as a version. Contents live here, the current file in Apache.
 */
interface Version {
  readonly revision: number;
  readonly content: Buffer;
  readonly contentType: string;
  readonly author: string;
}

/** Earlier versions by file id. */
export type VersionsState = Map<number, Version[]>;

const VERSIONS = /^\/remote\.php\/dav\/versions\/([^/]+)\/versions\/(\d+)(?:\/([^/]+))?\/?$/;

/** Before a write replaces a file: keep what it holds as a version. */
export async function keepVersion(ctx: RequestContext, pathname: string, fileId: number): Promise<void> {
  const [current] = await propfind(ctx, pathname, '0');
  if (!current || current.collection) return;
  const response = await request(new URL(pathname, davUrl(ctx)), { method: 'GET' });
  const content = Buffer.from(await response.body.arrayBuffer());
  if (response.statusCode !== 200) return;
  const revision = Math.floor(current.modified.getTime() / 1000);
  const kept = (ctx.standin.versions.get(fileId) ?? []).filter((version) => version.revision !== revision);
  kept.push({ revision, content, contentType: current.contentType, author: ctx.user });
  ctx.standin.versions.set(fileId, kept);
}

export function isVersionsPath(pathname: string): boolean {
  return pathname.startsWith('/remote.php/dav/versions/');
}

/** The user's file of this id: its DAV path, when it is a file below their files. */
async function fileOf(ctx: RequestContext, fileId: number) {
  const root = `/remote.php/dav/files/${ctx.user}/`;
  const key = [...ctx.standin.filesMeta.ids].find(
    ([path, id]) => id === fileId && path.startsWith(root),
  )?.[0];
  if (!key) return undefined;
  const pathname = key
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
  const [stat] = await propfind(ctx, pathname, '0');
  return stat && !stat.collection ? { pathname, stat } : undefined;
}

export async function handleVersions(ctx: RequestContext): Promise<void> {
  const match = VERSIONS.exec(ctx.url.pathname);
  const [, user = '', id = '', revision] = match ?? [];
  const file = match && decodeURIComponent(user) === ctx.user ? await fileOf(ctx, Number(id)) : undefined;
  if (!file) return sendDavError(ctx.res, 404, 'NotFound', `File not found: ${ctx.url.pathname}`);
  const fileId = Number(id);
  const current: Version = {
    revision: Math.floor(file.stat.modified.getTime() / 1000),
    content: Buffer.alloc(0),
    contentType: file.stat.contentType,
    author: ctx.user,
  };
  const earlier = (ctx.standin.versions.get(fileId) ?? []).filter((v) => v.revision !== current.revision);
  const base = `/remote.php/dav/versions/${encodeURIComponent(ctx.user)}/versions/${fileId}`;
  if (ctx.req.method === 'PROPFIND' && revision === undefined) {
    const sizeOf = (version: Version) => (version === current ? file.stat.size : version.content.length);
    const resources = [current, ...earlier.sort((a, b) => b.revision - a.revision)].map((version) => ({
      href: `${base}/${version.revision}`,
      props: {
        getlastmodified: ['d:getlastmodified', new Date(version.revision * 1000).toUTCString()],
        getcontentlength: ['d:getcontentlength', sizeOf(version)],
        getcontenttype: ['d:getcontenttype', version.contentType],
        getetag: ['d:getetag', `"${version.revision}"`],
        'version-label': ['nc:version-label', ''],
        'version-author': ['nc:version-author', version.author],
      },
    })) as { href: string; props: Record<string, readonly [string, unknown]> }[];
    const self = { href: `${base}/`, props: {} };
    return sendMultistatus(ctx.res, [self, ...resources], requestedProps(ctx.body));
  }
  if (ctx.req.method === 'MOVE' && revision !== undefined) {
    const destination = new URL(String(ctx.req.headers.destination ?? ''), 'http://x').pathname;
    if (!/\/remote\.php\/dav\/versions\/[^/]+\/restore\/target$/.test(destination))
      return sendDavError(ctx.res, 403, 'Forbidden', 'Versions are restored onto restore/target only');
    const version = earlier.find((candidate) => String(candidate.revision) === revision);
    if (revision !== String(current.revision)) {
      if (!version) return sendDavError(ctx.res, 404, 'NotFound', `Version ${revision} not found`);
      await keepVersion(ctx, file.pathname, fileId);
      const put = await request(new URL(file.pathname, davUrl(ctx)), {
        method: 'PUT',
        headers: { 'content-type': version.contentType },
        body: version.content,
      });
      await put.body.dump();
    }
    ctx.res.writeHead(201, { 'content-length': '0' }).end();
    return;
  }
  sendDavError(ctx.res, 405, 'MethodNotAllowed', `${ctx.req.method} is not allowed here`);
}

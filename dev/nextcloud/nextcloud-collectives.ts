import { request } from 'undici';
import { type RequestContext, sendOcs } from './nextcloud.js';
import { handleCollectivePages } from './nextcloud-collectives-pages.js';
import { fileIdOf, trackFileIds } from './nextcloud-files-meta.js';

/**
 * Collectives app stand-in (nextcloud/collectives OCS API v1.0, routes.php and the controllers'
 * documented answers): collectives with their trash, tags, and pages (nextcloud-collectives-pages.ts).
 * As in the app, a collective's pages are markdown files in a folder of its members' files
 * (`.Collectives/<name>/`, the default user folder), kept on the real WebDAV server so the DAV
 * tools see them; a page's id is its file's id. Trashed collectives and pages move to a folder
 * outside every user's files, as the app's own trash is. Only a collective's creator is a member.
 */
export interface StandinCollective {
  id: number;
  name: string;
  emoji: string | null;
  owner: string;
  trashTimestamp: number | null;
}

export interface StandinPage {
  id: number;
  collectiveId: number;
  /** The markdown file below the collective folder: `Readme.md`, `A.md`, `A/Readme.md`, ... */
  path: string;
  emoji: string | null;
  tags: number[];
  subpageOrder: number[];
  lastUserId: string;
  /** Set while in the trash; `root` is the page whose trashing took this one along. */
  trash?: { at: number; root: number };
}

export interface StandinTag {
  id: number;
  collectiveId: number;
  name: string;
  color: string;
}

export interface CollectivesState {
  collectives: Map<number, StandinCollective>;
  pages: Map<number, StandinPage>;
  tags: Map<number, StandinTag>;
  nextCollectiveId: number;
  nextTagId: number;
}

export const newCollectives = (): CollectivesState => ({
  collectives: new Map(),
  pages: new Map(),
  tags: new Map(),
  nextCollectiveId: 1,
  nextTagId: 1,
});

const API = '/ocs/v2.php/apps/collectives/api/v1.0/collectives';
const FILES = '/remote.php/dav/files';
const USER_FOLDER = '.Collectives';
export const INDEX = 'Readme.md';

export const now = () => Math.floor(Date.now() / 1000);
export const encodePath = (path: string) =>
  path
    .split('/')
    .filter(Boolean)
    .map((segment) => encodeURIComponent(segment))
    .join('/');

/** The DAV path of something below a collective's folder (`relative` empty: the folder). */
export function collectiveDav(collective: StandinCollective, relative = ''): string {
  return `${FILES}/${encodePath(`${collective.owner}/${USER_FOLDER}/${collective.name}/${relative}`)}`;
}

/** The user-relative folder of a collective, as the app reports it in `collectivePath`. */
export const collectivePath = (collective: StandinCollective) => `${USER_FOLDER}/${collective.name}`;

/** Where trashed things wait: a DAV folder that belongs to no user. */
export const trashDav = (name: string) => `${FILES}/.collectives-trash/${name}`;

/**
 * A request to the WebDAV server behind the stand-in, as the app's storage layer would write;
 * a failure is a stand-in bug unless the caller `tolerates` it and looks at the status.
 */
export async function dav(
  ctx: RequestContext,
  method: string,
  pathname: string,
  init: { destination?: string; body?: string; tolerate?: boolean } = {},
): Promise<{ status: number; text: string }> {
  const base = ctx.standin.options.davUrl;
  if (!base) throw new Error('the Collectives stand-in needs a WebDAV server (useServer({ webdav: true }))');
  const response = await request(new URL(pathname, base), {
    method: method as 'GET',
    headers: init.destination
      ? { destination: new URL(init.destination, base).href, overwrite: 'F' }
      : { 'content-type': 'text/markdown' },
    body: init.body,
  });
  const text = await response.body.text();
  if (response.statusCode >= 400 && !init.tolerate)
    throw new Error(`${method} ${pathname}: ${response.statusCode}`);
  if (response.statusCode < 300) {
    const destination = init.destination ? new URL(init.destination, base).pathname : undefined;
    trackFileIds(ctx.standin.filesMeta, method, pathname, destination);
  }
  return { status: response.statusCode, text };
}

/** A page's id is its markdown file's id, as in the app. */
export const pageFileId = (ctx: RequestContext, collective: StandinCollective, path: string) =>
  fileIdOf(ctx.standin.filesMeta, collectiveDav(collective, path));

/** Creates a folder unless it exists. */
export async function ensureFolder(ctx: RequestContext, pathname: string): Promise<void> {
  const { status } = await dav(ctx, 'MKCOL', pathname, { tolerate: true });
  if (status !== 201 && status !== 405) throw new Error(`MKCOL ${pathname}: ${status}`);
}

/** The request's parameters: query string and a form or JSON body, as Nextcloud merges them. */
export function params(ctx: RequestContext): Record<string, unknown> {
  const out: Record<string, unknown> = Object.fromEntries(ctx.url.searchParams);
  const text = ctx.body.toString('utf8');
  if (!text) return out;
  if (String(ctx.req.headers['content-type']).includes('json'))
    return { ...out, ...(JSON.parse(text) as object) };
  return { ...out, ...Object.fromEntries(new URLSearchParams(text)) };
}

/** The app's file name rules (NodeHelper::sanitiseFilename). */
export const sanitise = (name: string) =>
  name
    .replaceAll('/', '-')
    .replace(/[*|\\:"<>?]/g, '')
    .replace(/^[ .]+|[ .]+$/g, '');

/** EmojiHelper::assertValid's answer, or undefined when the emoji is acceptable. */
export function emojiProblem(emoji: string): string | undefined {
  if (emoji === '') return undefined;
  if (/\p{Cc}/u.test(emoji)) return 'Emoji contains invalid characters';
  if ([...new Intl.Segmenter().segment(emoji)].length !== 1) return 'Emoji must be a single emoji character';
  if (!/\p{Extended_Pictographic}/u.test(emoji)) return 'Emoji is not valid';
  if ([...emoji].length > 8) return 'Emoji is too long (maximum 8 characters)';
  return undefined;
}

/** The caller's collective (live, or in the trash), as CollectiveService finds it. */
export function collectiveOf(
  ctx: RequestContext,
  id: number,
  trashed = false,
): StandinCollective | undefined {
  const collective = ctx.standin.collectives.collectives.get(id);
  if (!collective || collective.owner !== ctx.user) return undefined;
  return (collective.trashTimestamp !== null) === trashed ? collective : undefined;
}

function collectiveJson(collective: StandinCollective) {
  return {
    id: collective.id,
    slug: collective.name.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
    circleId: `circle${collective.id}`,
    emoji: collective.emoji,
    trashTimestamp: collective.trashTimestamp,
    pageMode: 0,
    name: collective.name,
    level: 9,
    editPermissionLevel: 1,
    sharePermissionLevel: 1,
    canEdit: true,
    canShare: true,
    shareToken: null,
    isPageShare: false,
    sharePageId: 0,
    shareEditable: false,
    userPageOrder: 0,
    userShowMembers: true,
    userShowRecentPages: true,
    userFavoritePages: [],
    canLeave: false,
  };
}

/** Nextcloud's answer for an OCS route that does not exist, e.g. of an app that is not enabled. */
const invalidQuery = (ctx: RequestContext) =>
  sendOcs(
    ctx.res,
    404,
    null,
    'Invalid query, please check the syntax. API specifications are here: ' +
      'http://www.freedesktop.org/wiki/Specifications/open-collaboration-services.',
  );

export async function handleCollectives(ctx: RequestContext): Promise<void> {
  const { req, res, url } = ctx;
  const state = ctx.standin.collectives;
  if (ctx.standin.ocs.missingApps.has('collectives') || !url.pathname.startsWith(API))
    return invalidQuery(ctx);
  const path = url.pathname.slice(API.length);
  if (/^\/\d+\/(pages|search)(\/|$)/.test(path)) return handleCollectivePages(ctx, path);
  const notFound = (id: number | string, where = '') =>
    sendOcs(res, 404, null, `Collective not found${where}: ${id}`);

  if (path === '' && req.method === 'GET') {
    const mine = [...state.collectives.values()].filter((c) => collectiveOf(ctx, c.id));
    return sendOcs(res, 200, { collectives: mine.map(collectiveJson) });
  }
  if (path === '' && req.method === 'POST') return create(ctx);
  if (path === '/trash' && req.method === 'GET') {
    const trashed = [...state.collectives.values()].filter((c) => collectiveOf(ctx, c.id, true));
    return sendOcs(res, 200, { collectives: trashed.map(collectiveJson) });
  }
  let match = /^\/trash\/(\d+)$/.exec(path);
  if (match && (req.method === 'DELETE' || req.method === 'PATCH')) {
    const collective = collectiveOf(ctx, Number(match[1]), true);
    if (!collective) return notFound(match[1] ?? '', ' in trash');
    const trashed = trashDav(`c${collective.id}`);
    if (req.method === 'PATCH') {
      await dav(ctx, 'MOVE', trashed, { destination: collectiveDav(collective) });
      collective.trashTimestamp = null;
      return sendOcs(res, 200, { collective: collectiveJson(collective) });
    }
    await dav(ctx, 'DELETE', trashed);
    state.collectives.delete(collective.id);
    for (const [id, page] of state.pages) if (page.collectiveId === collective.id) state.pages.delete(id);
    for (const [id, tag] of state.tags) if (tag.collectiveId === collective.id) state.tags.delete(id);
    return sendOcs(res, 200, { collective: collectiveJson(collective) });
  }
  match = /^\/(\d+)$/.exec(path);
  if (match && (req.method === 'PUT' || req.method === 'DELETE')) {
    const collective = collectiveOf(ctx, Number(match[1]));
    if (!collective) return notFound(match[1] ?? '');
    if (req.method === 'DELETE') {
      await ensureFolder(ctx, trashDav(''));
      await dav(ctx, 'MOVE', collectiveDav(collective), { destination: trashDav(`c${collective.id}`) });
      collective.trashTimestamp = now();
      return sendOcs(res, 200, { collective: collectiveJson(collective) });
    }
    const emoji = params(ctx).emoji;
    // Missing or null keeps the emoji, empty clears it (CollectiveService::updateCollective).
    if (typeof emoji === 'string') {
      const problem = emojiProblem(emoji);
      if (problem) return sendOcs(res, 400, null, problem);
      collective.emoji = emoji || null;
    }
    return sendOcs(res, 200, { collective: collectiveJson(collective) });
  }
  match = /^\/(\d+)\/tags$/.exec(path);
  if (match && (req.method === 'GET' || req.method === 'POST')) {
    const collective = collectiveOf(ctx, Number(match[1]));
    if (!collective) return notFound(match[1] ?? '');
    const tags = [...state.tags.values()].filter((tag) => tag.collectiveId === collective.id);
    if (req.method === 'GET') return sendOcs(res, 200, { tags });
    const { name, color } = params(ctx) as { name?: string; color?: string };
    if (typeof name !== 'string' || typeof color !== 'string')
      return sendOcs(res, 400, null, 'Missing name or color');
    if (color !== '' && !/^[0-9a-fA-F]{6}$/.test(color))
      return sendOcs(res, 400, null, `Collective color is not valid: ${color}`);
    if (tags.some((tag) => tag.name === name))
      return sendOcs(res, 400, null, `Tag already exists for collective: ${name}`);
    const tag = { id: state.nextTagId++, collectiveId: collective.id, name, color };
    state.tags.set(tag.id, tag);
    return sendOcs(res, 200, { tag, info: '' });
  }
  return invalidQuery(ctx);
}

async function create(ctx: RequestContext): Promise<void> {
  const state = ctx.standin.collectives;
  const { name: raw, emoji } = params(ctx) as { name?: string; emoji?: string };
  const name = sanitise(raw ?? '');
  if (!name) return sendOcs(ctx.res, 400, null, 'Empty collective name is not allowed');
  if ([...state.collectives.values()].some((c) => c.name === name))
    return sendOcs(ctx.res, 400, null, 'Collective already exists.');
  const problem = emoji ? emojiProblem(emoji) : undefined;
  if (problem) return sendOcs(ctx.res, 400, null, problem);
  const collective: StandinCollective = {
    id: state.nextCollectiveId++,
    name,
    emoji: emoji || null,
    owner: ctx.user,
    trashTimestamp: null,
  };
  await ensureFolder(ctx, `${FILES}/${encodePath(`${ctx.user}/${USER_FOLDER}`)}`);
  await ensureFolder(ctx, collectiveDav(collective));
  await dav(ctx, 'PUT', collectiveDav(collective, INDEX), {
    body: `# Welcome to ${name}\n\nThis is the landing page of the collective.\n`,
  });
  state.collectives.set(collective.id, collective);
  const landing = pageFileId(ctx, collective, INDEX);
  state.pages.set(landing, {
    id: landing,
    collectiveId: collective.id,
    path: INDEX,
    emoji: null,
    tags: [],
    subpageOrder: [],
    lastUserId: ctx.user,
  });
  return sendOcs(ctx.res, 200, { collective: collectiveJson(collective), info: '' });
}

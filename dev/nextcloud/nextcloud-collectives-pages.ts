import type { RequestContext } from './nextcloud.js';
import { sendOcs } from './nextcloud.js';
import {
  collectiveDav,
  collectiveOf,
  collectivePath,
  dav,
  emojiProblem,
  ensureFolder,
  INDEX,
  now,
  pageFileId,
  params,
  type StandinCollective,
  type StandinPage,
  sanitise,
  trashDav,
} from './nextcloud-collectives.js';
import { propfind } from './nextcloud-dav.js';

/**
 * Pages of the Collectives stand-in (PageController, PageTrashController, PageService): a page is
 * `<title>.md`; giving it a subpage turns it into `<title>/Readme.md` (an index page) with the
 * subpages beside it; the landing page is the collective folder's `Readme.md`. Titles that are
 * taken get " (2)" appended. Sizes and times come from the WebDAV server, where the text is.
 */
const base = (path: string) => path.slice(path.lastIndexOf('/') + 1);
const dir = (path: string) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');
const join = (...parts: string[]) => parts.filter(Boolean).join('/');
const isIndex = (page: StandinPage) => base(page.path) === INDEX;
/** The file, or for an index page the folder, that moves, copies and trashes with the page. */
const nodeOf = (page: StandinPage) => (isIndex(page) ? dir(page.path) : page.path);

function livePages(ctx: RequestContext, collective: StandinCollective): StandinPage[] {
  return [...ctx.standin.collectives.pages.values()].filter(
    (page) => page.collectiveId === collective.id && !page.trash,
  );
}

function title(page: StandinPage): string {
  if (page.path === INDEX) return 'Landing page';
  return isIndex(page) ? base(dir(page.path)) : base(page.path).replace(/\.md$/, '');
}

function parentId(pages: StandinPage[], page: StandinPage): number {
  if (page.path === INDEX) return 0;
  const folder = isIndex(page) ? dir(dir(page.path)) : dir(page.path);
  return pages.find((candidate) => candidate.path === join(folder, INDEX))?.id ?? 0;
}

/** Sizes and times (Unix seconds) of the files below a collective folder, by relative path. */
async function stats(ctx: RequestContext, collective: StandinCollective) {
  const root = decodeURIComponent(collectiveDav(collective));
  const out = new Map<string, { size: number; time: number }>();
  for (const item of await propfind(ctx, collectiveDav(collective), 'infinity')) {
    const path = decodeURIComponent(new URL(item.href, 'http://dav').pathname);
    if (path.startsWith(`${root}/`))
      out.set(path.slice(root.length + 1), {
        size: item.size,
        time: Math.floor(item.modified.getTime() / 1000),
      });
  }
  return out;
}

/** A PageInfo; `trashed` for the trash listing, which knows pages only by their trashed file. */
function pageJson(
  collective: StandinCollective,
  pages: StandinPage[],
  page: StandinPage,
  stat: { size: number; time: number } | undefined,
  trashed = false,
) {
  return {
    id: page.id,
    slug: title(page)
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-'),
    lastUserId: page.lastUserId,
    lastUserDisplayName: page.lastUserId,
    emoji: page.emoji,
    subpageOrder: page.subpageOrder,
    isFullWidth: false,
    tags: page.tags,
    trashTimestamp: page.trash?.at ?? null,
    title: trashed ? base(nodeOf(page)).replace(/\.md$/, '') : title(page),
    timestamp: stat?.time ?? page.trash?.at ?? 0,
    size: stat?.size ?? 0,
    fileName: base(page.path),
    filePath: trashed ? '' : dir(page.path),
    filePathString: trashed ? '' : dir(page.path),
    collectivePath: trashed ? null : collectivePath(collective),
    collectiveNameWithEmoji: collective.emoji ? `${collective.emoji} ${collective.name}` : collective.name,
    parentId: trashed ? 0 : parentId(pages, page),
    shareToken: null,
    linkedPageIds: [],
  };
}

/** NodeHelper::generateFilename: the name itself, else with " (2)", " (3)", ... appended. */
function freeName(pages: StandinPage[], folder: string, name: string, except?: string): string {
  const taken = (candidate: string) =>
    pages.some((page) => {
      const node = nodeOf(page);
      return (
        node !== except &&
        [join(folder, candidate), join(folder, `${candidate}.md`)].some(
          (path) => page.path === path || node === path || page.path.startsWith(`${path}/`),
        )
      );
    });
  let candidate = name;
  for (let n = 2; taken(candidate); n++) candidate = `${name} (${n})`;
  return candidate;
}

/** PageService::initSubFolder: `A.md` becomes `A/Readme.md` so that it can hold subpages. */
async function makeIndex(ctx: RequestContext, collective: StandinCollective, page: StandinPage) {
  if (isIndex(page)) return;
  const pages = livePages(ctx, collective);
  const folder = join(dir(page.path), freeName(pages, dir(page.path), title(page), page.path));
  await dav(ctx, 'MKCOL', collectiveDav(collective, folder));
  await dav(ctx, 'MOVE', collectiveDav(collective, page.path), {
    destination: collectiveDav(collective, join(folder, INDEX)),
  });
  page.path = join(folder, INDEX);
}

export async function handleCollectivePages(ctx: RequestContext, path: string): Promise<void> {
  const { req, res } = ctx;
  const state = ctx.standin.collectives;
  const [, idText = '', rest = ''] = /^\/(\d+)(.*)$/.exec(path) ?? [];
  const collective = collectiveOf(ctx, Number(idText));
  if (!collective) return sendOcs(res, 404, null, `Collective not found: ${idText}`);
  const pages = livePages(ctx, collective);
  const answer = async (page: StandinPage) => {
    const stat = (await stats(ctx, collective)).get(page.path);
    return sendOcs(res, 200, { page: pageJson(collective, livePages(ctx, collective), page, stat) });
  };

  if (rest === '/pages' && req.method === 'GET') {
    const stat = await stats(ctx, collective);
    return sendOcs(res, 200, { pages: pages.map((p) => pageJson(collective, pages, p, stat.get(p.path))) });
  }
  if (rest === '/search' && req.method === 'GET') {
    const query = String(params(ctx).searchString ?? '').toLowerCase();
    const stat = await stats(ctx, collective);
    const found: StandinPage[] = [];
    for (const page of pages) {
      const text = (await dav(ctx, 'GET', collectiveDav(collective, page.path))).text;
      if (query && `${title(page)}\n${text}`.toLowerCase().includes(query)) found.push(page);
    }
    return sendOcs(res, 200, { pages: found.map((p) => pageJson(collective, pages, p, stat.get(p.path))) });
  }
  if (rest === '/pages/trash' && req.method === 'GET') {
    const trashed = [...state.pages.values()].filter(
      (page) => page.collectiveId === collective.id && page.trash?.root === page.id,
    );
    return sendOcs(res, 200, { pages: trashed.map((p) => pageJson(collective, pages, p, undefined, true)) });
  }
  let match = /^\/pages\/trash\/(\d+)$/.exec(rest);
  if (match && req.method === 'PATCH') {
    const page = state.pages.get(Number(match[1]));
    if (!page || page.collectiveId !== collective.id || page.trash?.root !== page.id)
      return sendOcs(res, 404, null, `Failed to restore page ${match[1]}. Not found in trash.`);
    const moved = await dav(ctx, 'MOVE', trashDav(`p${page.id}`), {
      destination: collectiveDav(collective, nodeOf(page)),
      tolerate: true,
    });
    if (moved.status >= 300)
      return sendOcs(
        res,
        404,
        null,
        `Failed to restore page ${page.id}: cannot move it back (HTTP ${moved.status})`,
      );
    for (const other of state.pages.values()) if (other.trash?.root === page.id) delete other.trash;
    return answer(page);
  }
  match = /^\/pages\/(\d+)(\/emoji|\/tags\/(\d+))?$/.exec(rest);
  if (!match) return sendOcs(res, 404, null, 'Invalid query');
  const id = Number(match[1]);
  if (req.method === 'POST' && !match[2]) return create(ctx, collective, pages, id);
  const page = pages.find((candidate) => candidate.id === id);
  if (!page)
    return sendOcs(res, 404, null, `Failed to get page by file ID ${id} in collective ${collective.id}`);
  if (req.method === 'GET' && !match[2]) return answer(page);
  if (req.method === 'PUT' && !match[2]) return moveOrCopy(ctx, collective, page);
  if (req.method === 'DELETE' && !match[2]) {
    if (page.path === INDEX) return sendOcs(res, 403, null, 'Not allowed to trash the landing page');
    const stat = (await stats(ctx, collective)).get(page.path);
    await ensureFolder(ctx, trashDav(''));
    await dav(ctx, 'MOVE', collectiveDav(collective, nodeOf(page)), { destination: trashDav(`p${page.id}`) });
    const at = now();
    const folder = isIndex(page) ? `${dir(page.path)}/` : undefined;
    for (const other of pages)
      if (other === page || (folder && other.path.startsWith(folder))) other.trash = { at, root: page.id };
    // The app answers with the page as it was, plus its trash time.
    return sendOcs(res, 200, { page: pageJson(collective, pages, page, stat) });
  }
  if (match[2] === '/emoji' && req.method === 'PUT') {
    const emoji = params(ctx).emoji;
    if (typeof emoji === 'string') {
      const problem = emojiProblem(emoji);
      if (problem) return sendOcs(res, 400, null, problem);
      page.emoji = emoji;
    } else {
      // The app answers with no emoji but leaves the stored one (PageService::updatePage skips null).
      const json = pageJson(collective, pages, page, (await stats(ctx, collective)).get(page.path));
      return sendOcs(res, 200, { page: { ...json, emoji: null } });
    }
    page.lastUserId = ctx.user;
    return answer(page);
  }
  if (match[3] && (req.method === 'PUT' || req.method === 'DELETE')) {
    const tagId = Number(match[3]);
    const tag = state.tags.get(tagId);
    if (!tag || tag.collectiveId !== collective.id)
      return sendOcs(res, 404, null, `Tag ${tagId} not found for collective`);
    page.tags = page.tags.filter((other) => other !== tagId);
    if (req.method === 'PUT') page.tags.push(tagId);
    return answer(page);
  }
  return sendOcs(res, 404, null, 'Invalid query');
}

async function create(
  ctx: RequestContext,
  collective: StandinCollective,
  pages: StandinPage[],
  parentIdParam: number,
): Promise<void> {
  const state = ctx.standin.collectives;
  const parent =
    parentIdParam === 0
      ? pages.find((page) => page.path === INDEX)
      : pages.find((page) => page.id === parentIdParam);
  if (!parent)
    return sendOcs(
      ctx.res,
      404,
      null,
      `Failed to get page by file ID ${parentIdParam} in collective ${collective.id}`,
    );
  const requested = params(ctx).title;
  if (typeof requested !== 'string') return sendOcs(ctx.res, 400, null, 'Missing title');
  await makeIndex(ctx, collective, parent);
  const folder = dir(parent.path);
  const name = freeName(pages, folder, sanitise(requested) || 'New Page');
  await dav(ctx, 'PUT', collectiveDav(collective, join(folder, `${name}.md`)), { body: '' });
  const page: StandinPage = {
    id: pageFileId(ctx, collective, join(folder, `${name}.md`)),
    collectiveId: collective.id,
    path: join(folder, `${name}.md`),
    emoji: null,
    tags: [],
    subpageOrder: [],
    lastUserId: ctx.user,
  };
  state.pages.set(page.id, page);
  parent.subpageOrder = [page.id, ...parent.subpageOrder];
  const stat = (await stats(ctx, collective)).get(page.path);
  return sendOcs(ctx.res, 200, { page: pageJson(collective, livePages(ctx, collective), page, stat) });
}

/** PageService::move and ::copy within one collective. */
async function moveOrCopy(ctx: RequestContext, collective: StandinCollective, page: StandinPage) {
  const state = ctx.standin.collectives;
  const args = params(ctx);
  const copy = args.copy === true || args.copy === 'true' || args.copy === '1';
  const index = Number(args.index ?? 0) || 0;
  const pages = livePages(ctx, collective);
  const oldParent = parentId(pages, page);
  const targetId = Number(args.parentId ?? 0) || oldParent;
  const fail = (status: number, message: string) => sendOcs(ctx.res, status, null, message);
  if (page.path === INDEX) return fail(403, 'Not allowed to move or copy landing page');
  if (targetId === page.id) return fail(403, 'Not allowed to move or copy a page to itself');
  const target = pages.find((candidate) => candidate.id === targetId);
  if (!target) return fail(404, `Failed to get page by file ID ${targetId} in collective ${collective.id}`);
  if (isIndex(page) && target.path.startsWith(`${dir(page.path)}/`))
    return fail(403, 'Not allowed to move or copy a page to a subpage of itself');
  const node = nodeOf(page);
  const suffix = isIndex(page) ? '' : '.md';
  const toNewFolder = targetId !== oldParent;
  const wanted = sanitise(
    typeof args.title === 'string' && args.title ? args.title : base(node).replace(/\.md$/, ''),
  );
  const safe = wanted || 'New Page';
  const answer = async (result: StandinPage) => {
    const stat = (await stats(ctx, collective)).get(result.path);
    return sendOcs(ctx.res, 200, { page: pageJson(collective, livePages(ctx, collective), result, stat) });
  };
  if (!copy && !toNewFolder && `${safe}${suffix}` === base(node)) return answer(page);
  await makeIndex(ctx, collective, target);
  const folder = dir(target.path);
  const destination = join(folder, `${freeName(livePages(ctx, collective), folder, safe)}${suffix}`);
  await dav(ctx, copy ? 'COPY' : 'MOVE', collectiveDav(collective, node), {
    destination: collectiveDav(collective, destination),
  });
  const moved = (other: StandinPage) => other === page || other.path.startsWith(`${node}/`);
  const renamed = (other: StandinPage) => destination + other.path.slice(node.length);
  let result = page;
  if (copy) {
    for (const other of livePages(ctx, collective).filter(moved)) {
      const twin = {
        ...other,
        id: pageFileId(ctx, collective, renamed(other)),
        path: renamed(other),
        tags: [...other.tags],
        subpageOrder: [],
      };
      state.pages.set(twin.id, twin);
      if (other === page) result = twin;
    }
  } else {
    for (const other of livePages(ctx, collective).filter(moved)) other.path = renamed(other);
    const old = state.pages.get(oldParent);
    if (toNewFolder && old) old.subpageOrder = old.subpageOrder.filter((id) => id !== page.id);
  }
  result.lastUserId = ctx.user;
  if (copy || toNewFolder) {
    const order = target.subpageOrder.filter((id) => id !== result.id);
    order.splice(index, 0, result.id);
    target.subpageOrder = order;
  }
  return answer(result);
}

import { z } from 'zod';
import { NotFoundError } from '../errors.js';
import type { NcRequest, NextcloudClient } from './client.js';
import { displayPath, normalizeUserPath } from './dav-path.js';
import type { FileRef, UserFiles } from './files.js';

/**
 * Collectives app OCS API v1.0 (nextcloud/collectives appinfo/routes.php, openapi.json). Page ids
 * are the file ids of the pages' markdown files; a page's text lives in the collective's folder
 * in the member's files and is read and written over WebDAV. So the tenant's excluded tags hold
 * for pages through the files gateway, by id and by path: a tagged page, or one in a tagged
 * folder, is left out of lists and search and refused by id.
 */
const API = '/ocs/v2.php/apps/collectives/api/v1.0/collectives';

/** What a page call needs: the client, and the gateway that applies the excluded tags. */
export interface CollectivesContext {
  readonly nc: NextcloudClient;
  readonly files: UserFiles;
}

/** Permissions and trash times are absent from some answers (e.g. of older app versions). */
const CollectiveSchema = z.looseObject({
  id: z.number(),
  name: z.string(),
  emoji: z.string().nullish(),
  level: z.number().nullish(),
  canEdit: z.boolean().nullish(),
  canShare: z.boolean().nullish(),
  trashTimestamp: z.number().nullish(),
});
export type Collective = z.output<typeof CollectiveSchema>;

const PageSchema = z.looseObject({
  id: z.number(),
  title: z.string(),
  emoji: z.string().nullish(),
  parentId: z.number(),
  fileName: z.string(),
  filePath: z.string(),
  collectivePath: z.string().nullish(),
  timestamp: z.number().nullish(),
  size: z.number(),
  lastUserId: z.string().nullish(),
  tags: z.array(z.number()).nullish(),
  subpageOrder: z.array(z.number()).nullish(),
  trashTimestamp: z.number().nullish(),
});
export type Page = z.output<typeof PageSchema>;

const TagSchema = z.looseObject({ id: z.number(), name: z.string(), color: z.string() });
export type Tag = z.output<typeof TagSchema>;

const OneCollective = z.looseObject({ collective: CollectiveSchema, info: z.string().nullish() });
const Collectives = z.looseObject({ collectives: z.array(CollectiveSchema) });
const OnePage = z.looseObject({ page: PageSchema });
const Pages = z.looseObject({ pages: z.array(PageSchema) });

type Extra = Pick<NcRequest, 'query'> & { form?: Record<string, string | undefined> };

/** One OCS call to the Collectives API; `path` is below `.../collectives`. */
function api<S extends z.ZodType>(
  nc: NextcloudClient,
  schema: S,
  method: string,
  path: string,
  what: string,
  extra: Extra = {},
): Promise<z.output<S>> {
  return nc.ocs({ method, path: `${API}${path}`, what, schema, ...extra });
}

export async function collectivesOf(nc: NextcloudClient): Promise<Collective[]> {
  try {
    return (await api(nc, Collectives, 'GET', '', 'The collectives')).collectives;
  } catch (error) {
    // The listing exists whenever the app does: a 404 means the app is not there for this user.
    if (error instanceof NotFoundError)
      throw new NotFoundError(
        'The Collectives app is not installed or not enabled for you on this Nextcloud',
        {
          cause: error,
        },
      );
    throw error;
  }
}

export async function trashedCollectives(nc: NextcloudClient): Promise<Collective[]> {
  return (await api(nc, Collectives, 'GET', '/trash', 'The trashed collectives')).collectives;
}

export function createCollective(nc: NextcloudClient, name: string, emoji: string | undefined) {
  return api(nc, OneCollective, 'POST', '', `Collective "${name}"`, { form: { name, emoji } });
}

/** The change a collective undergoes: its emoji ("" clears it), the trash, or back. */
export async function changeCollective(
  nc: NextcloudClient,
  id: number,
  change: { emoji: string } | 'trash' | 'restore',
): Promise<Collective> {
  const data =
    change === 'trash'
      ? await api(nc, OneCollective, 'DELETE', `/${id}`, `Collective ${id}`)
      : change === 'restore'
        ? await api(nc, OneCollective, 'PATCH', `/trash/${id}`, `Collective ${id} in the trash`)
        : await api(nc, OneCollective, 'PUT', `/${id}`, `Collective ${id}`, { form: change });
  return data.collective;
}

/** Deletes a trashed collective for good, with its team (circle) when `withTeam`. */
export async function deleteCollective(nc: NextcloudClient, id: number, withTeam: boolean) {
  const what = `Collective ${id} in the trash`;
  const data = await api(nc, OneCollective, 'DELETE', `/trash/${id}`, what, { query: { circle: withTeam } });
  return data.collective;
}

export async function tagsOf(nc: NextcloudClient, collective: number): Promise<Tag[]> {
  const schema = z.looseObject({ tags: z.array(TagSchema) });
  return (await api(nc, schema, 'GET', `/${collective}/tags`, `Collective ${collective}`)).tags;
}

export async function createTag(nc: NextcloudClient, collective: number, name: string, color: string) {
  const what = `Tag "${name}" in collective ${collective}`;
  const schema = z.looseObject({ tag: TagSchema });
  return (await api(nc, schema, 'POST', `/${collective}/tags`, what, { form: { name, color } })).tag;
}

export async function pagesOf(nc: NextcloudClient, collective: number): Promise<Page[]> {
  return (await api(nc, Pages, 'GET', `/${collective}/pages`, `Collective ${collective}`)).pages;
}

export async function trashedPages(nc: NextcloudClient, collective: number): Promise<Page[]> {
  return (await api(nc, Pages, 'GET', `/${collective}/pages/trash`, `Collective ${collective}`)).pages;
}

/** Full-text search; the app indexes page text in a background job. */
export async function searchPages(nc: NextcloudClient, collective: number, query: string): Promise<Page[]> {
  const what = `Collective ${collective}`;
  const data = await api(nc, Pages, 'GET', `/${collective}/search`, what, { query: { searchString: query } });
  return data.pages;
}

/**
 * A call on one page that answers with the page: read (GET), create below a parent (POST on the
 * parent), move or rename (PUT), trash, restore, emoji and tags; `path` is below `.../pages`.
 */
export async function pageCall(
  nc: NextcloudClient,
  method: string,
  collective: number,
  path: string,
  what: string,
  form?: Record<string, string | undefined>,
): Promise<Page> {
  return (await api(nc, OnePage, method, `/${collective}/pages${path}`, what, form ? { form } : {})).page;
}

/** Where the page's markdown file is in the member's files (collective folder, subfolder, file); none in the trash. */
export function pagePath(page: Page): string | null {
  if (!page.collectivePath || page.trashTimestamp) return null;
  return displayPath(normalizeUserPath([page.collectivePath, page.filePath, page.fileName].join('/')));
}

/** The landing page, the parent of the top level (which the API calls parent 0 in some places). */
export async function landingPage(nc: NextcloudClient, collective: number): Promise<Page> {
  const landing = (await pagesOf(nc, collective)).find((page) => page.parentId === 0);
  if (!landing) throw new NotFoundError(`Collective ${collective} has no landing page`);
  return landing;
}

/** A page's markdown file as the exclusion knows it: by id, in its folder (not told in the trash). */
function pageFile(page: Page): FileRef {
  const folder =
    pagePath(page) === null ? undefined : normalizeUserPath(`${page.collectivePath}/${page.filePath}`);
  return { id: page.id, folder, name: `Page ${page.id}` };
}

/** The pages the excluded tags leave visible. */
export function visiblePages(files: UserFiles, pages: readonly Page[]): Promise<Page[]> {
  return files.visibleFiles(pages, pageFile);
}

/** A page (without its text); refused when the excluded tags hide it. */
export async function getPage(ctx: CollectivesContext, collective: number, id: number): Promise<Page> {
  const page = await pageCall(ctx.nc, 'GET', collective, `/${id}`, `Page ${id} of collective ${collective}`);
  await ctx.files.assertFileVisible(pageFile(page));
  return page;
}

/**
 * Refuses, before it is made, a change to a page the excluded tags hide. `moves`: the change moves,
 * copies or trashes what goes with the page (an index page's whole folder, its subpages inside),
 * which must then hold no excluded file either. The page is looked up only when tags are excluded.
 */
export async function assertPageChangeable(
  ctx: CollectivesContext,
  collective: number,
  id: number,
  moves: boolean,
): Promise<void> {
  if (!ctx.files.excludes) return;
  const page = await getPage(ctx, collective, id);
  const path = pagePath(page);
  if (!moves || !path) return;
  const index = page.fileName === 'Readme.md' && page.filePath !== '';
  await ctx.files.assertChangeable(index ? path.slice(0, path.lastIndexOf('/')) : path);
}

/**
 * Refuses to put a page below a parent the excluded tags hide (0: the landing page): it would land
 * in a tagged folder, or turn a hidden page into the index of a new one.
 */
export async function assertParentVisible(
  ctx: CollectivesContext,
  collective: number,
  parent: number,
): Promise<void> {
  if (!ctx.files.excludes) return;
  await getPage(ctx, collective, parent === 0 ? (await landingPage(ctx.nc, collective)).id : parent);
}

/** Refuses to restore a trashed page the excluded tags hide (known there by its id alone). */
export async function assertTrashedPageVisible(
  ctx: CollectivesContext,
  collective: number,
  id: number,
): Promise<void> {
  if (!ctx.files.excludes) return;
  const page = (await trashedPages(ctx.nc, collective)).find((candidate) => candidate.id === id);
  if (page) await ctx.files.assertFileVisible(pageFile(page));
}

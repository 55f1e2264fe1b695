import { z } from 'zod';
import { ConflictError, type Explanation } from '../errors.js';
import { type NcResponse, type NextcloudClient, parseAnswer } from './client.js';

/** Cookbook app API v1 (https://nextcloud.github.io/cookbook/dev/api/). */
const API = '/index.php/apps/cookbook/api/v1';

const Reason = z.union([z.string(), z.looseObject({ msg: z.string() }).transform((body) => body.msg)]);

/**
 * Cookbook's refusals carry their reason as a bare JSON string ("The provided URL is not
 * allowed.") or as `{msg}`, neither of which the shared table reads.
 */
function explain(refusal: NcResponse): Explanation | undefined {
  let body: unknown;
  try {
    body = JSON.parse(refusal.body.toString('utf8'));
  } catch {
    // Not Cookbook's own answer (a proxy's page): the status says enough.
    return undefined;
  }
  const reason = Reason.safeParse(body).data;
  return reason && reason.length < 500 ? { detail: reason } : undefined;
}

/**
 * An ISO 8601 duration in its shortest form: Cookbook hands back `PT0H10M0S` for `PT10M` and
 * drops days (`P1D` would be stored as no time), so both are read and written as `PT10M`, `PT24H`.
 * What is not such a duration is returned as it is.
 */
export function normalizeDuration(value: string): string {
  const match = /^P(?!$)(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(value.trim());
  if (!match) return value;
  const [days = 0, hours = 0, minutes = 0, seconds = 0] = match.slice(1).map((part) => Number(part ?? 0));
  const total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds;
  const [h, m, s] = [Math.floor(total / 3600), Math.floor(total / 60) % 60, total % 60];
  return `PT${`${h ? `${h}H` : ''}${m ? `${m}M` : ''}${s ? `${s}S` : ''}` || '0S'}`;
}

/**
 * A schema.org Recipe as the app keeps it. schema.org lets most fields take several forms (text
 * or list, a step as text or HowToStep), so only the id is required and the views read the rest.
 */
const RecipeSchema = z.looseObject({ id: z.union([z.number(), z.string()]) });
export type Recipe = z.output<typeof RecipeSchema>;

/** A list entry; ids and counts come from the app's database, which may hand them out as text. */
const StubSchema = z.looseObject({
  recipe_id: z.union([z.number(), z.string()]),
  name: z.string().nullish(),
  keywords: z.string().nullish(),
  category: z.string().nullish(),
});
export type RecipeStub = z.output<typeof StubSchema>;

const CountSchema = z.looseObject({ name: z.string(), recipe_count: z.union([z.number(), z.string()]) });

/** A new recipe's id, as a number or its digits. */
const IdSchema = z.union([z.number(), z.string().regex(/^\d+$/)]);

const ConfigSchema = z.looseObject({
  folder: z.string(),
  update_interval: z.number(),
  print_image: z.boolean(),
});

export async function getRecipe(nc: NextcloudClient, id: number): Promise<Recipe> {
  const { data } = await nc.json({
    method: 'GET',
    path: `${API}/recipes/${id}`,
    what: `Recipe ${id}`,
    schema: RecipeSchema,
    explain,
  });
  return data;
}

/** The recipes one listing route names: all, a search, a category, or some keywords. */
export type Listing =
  | { all: true }
  | { search: string }
  | { category: string }
  | { keywords: readonly string[] };

export async function listRecipes(nc: NextcloudClient, listing: Listing): Promise<RecipeStub[]> {
  const [path, what] =
    'search' in listing
      ? [`/search/${encodeURIComponent(listing.search)}`, 'The search']
      : 'category' in listing
        ? [`/category/${encodeURIComponent(listing.category)}`, `Category ${listing.category}`]
        : 'keywords' in listing
          ? [`/tags/${listing.keywords.map(encodeURIComponent).join(',')}`, 'The keyword search']
          : ['/recipes', 'The recipes'];
  const { data } = await nc.json({
    method: 'GET',
    path: `${API}${path}`,
    what,
    schema: z.array(StubSchema),
    explain,
  });
  return data;
}

/** Categories or keywords with their number of recipes. */
async function counts(nc: NextcloudClient, kind: 'categories' | 'keywords') {
  const { data } = await nc.json({
    method: 'GET',
    path: `${API}/${kind}`,
    what: `The ${kind}`,
    schema: z.array(CountSchema),
    explain,
  });
  return data.map((item) => ({ name: item.name, recipe_count: Number(item.recipe_count) }));
}

/** Keywords with their number of recipes. */
export const keywords = (nc: NextcloudClient) => counts(nc, 'keywords');

/** Cookbook's `*` stands for "no category" (its UI counts those recipes apart): it is split off. */
export async function categories(nc: NextcloudClient) {
  const all = await counts(nc, 'categories');
  return {
    categories: all.filter((category) => category.name !== '*'),
    uncategorized_count: all.find((category) => category.name === '*')?.recipe_count ?? 0,
  };
}

/** Creates (POST) or replaces (PUT) a recipe and returns its id; the app answers 409 for a name another recipe has. */
export async function writeRecipe(
  nc: NextcloudClient,
  recipe: Record<string, unknown>,
  name: string,
  id?: number,
): Promise<number> {
  const response = await nc.send({
    method: id === undefined ? 'POST' : 'PUT',
    path: `${API}/recipes${id === undefined ? '' : `/${id}`}`,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(recipe),
    what: `Recipe "${name}"`,
    accept: [409],
    explain,
  });
  if (response.status === 409)
    throw new ConflictError(`A recipe named "${name}" already exists; choose another name`);
  return Number(parseAnswer(response, IdSchema, `Recipe "${name}"`));
}

/** Imports the schema.org Recipe of a web page, which the app fetches itself. */
export async function importRecipe(nc: NextcloudClient, url: string): Promise<Recipe> {
  const what = `The recipe at ${url}`;
  const response = await nc.send({
    method: 'POST',
    path: `${API}/import`,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ url }),
    what,
    accept: [409],
    explain,
  });
  if (response.status === 409)
    throw new ConflictError('A recipe with this name already exists; nothing was imported');
  return parseAnswer(response, RecipeSchema, what);
}

export async function deleteRecipe(nc: NextcloudClient, id: number): Promise<void> {
  await nc.send({ method: 'DELETE', path: `${API}/recipes/${id}`, what: `Recipe ${id}`, explain });
}

/** The app's version and API version (UtilApiController::getApiVersion, outside API v1). */
const VersionSchema = z.looseObject({
  cookbook_version: z.array(z.number().int()),
  api_version: z.looseObject({ epoch: z.number().int(), major: z.number().int(), minor: z.number().int() }),
});

export async function getVersion(nc: NextcloudClient) {
  const { data } = await nc.json({
    method: 'GET',
    path: '/index.php/apps/cookbook/api/version',
    what: 'The Cookbook version',
    schema: VersionSchema,
    explain,
  });
  const { epoch, major, minor } = data.api_version;
  return { cookbook_version: data.cookbook_version, api_version: { epoch, major, minor } };
}

export async function getConfig(nc: NextcloudClient) {
  const { data } = await nc.json({
    method: 'GET',
    path: `${API}/config`,
    what: 'The Cookbook settings',
    schema: ConfigSchema,
    explain,
  });
  return { folder: data.folder, update_interval: data.update_interval, print_image: data.print_image };
}

/** Changes the settings given; the app answers with a word of confirmation that says nothing more. */
export async function setConfig(nc: NextcloudClient, changes: Record<string, unknown>): Promise<void> {
  await nc.json({
    method: 'POST',
    path: `${API}/config`,
    json: changes,
    what: 'The Cookbook settings',
    schema: z.unknown(),
    explain,
  });
}

/** Rebuilds the search index; the app answers with a sentence saying how it went. */
export async function reindex(nc: NextcloudClient): Promise<string> {
  const { data } = await nc.json({
    method: 'POST',
    path: `${API}/reindex`,
    what: 'The Cookbook index',
    schema: z.union([z.string(), z.number(), z.boolean(), z.null()]),
    explain,
  });
  return String(data);
}

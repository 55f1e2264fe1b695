import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { type RequestContext, sendJson } from './nextcloud.js';

/**
 * Cookbook app stand-in (nextcloud/cookbook API v1 under /index.php/apps/cookbook/api/v1):
 * recipes as schema.org Recipe JSON, stubs in lists, 409 on a duplicate name, 422 without a
 * name, categories (with `*` for recipes without one) and keywords with counts, config, reindex,
 * durations stored as the app stores them (`PT10M` → `PT0H10M0S`), and import from a URL whose
 * page carries schema.org JSON-LD, fetched server side with the app's refusals (0.11.9): no IP
 * or `localhost` host, nothing that resolves to a local address.
 */
export interface CookbookState {
  recipes: Map<number, Record<string, unknown>>;
  nextId: number;
  config: { folder: string; update_interval: number; print_image: boolean };
  /** Host name → address, consulted before DNS, as /etc/hosts would be on the server. */
  hosts: Map<string, string>;
  /** config.php's `allow_local_remote_servers`: off by default, as in Nextcloud. */
  allowLocalRemoteServers: boolean;
}

export const newCookbook = (): CookbookState => ({
  recipes: new Map(),
  nextId: 1,
  config: { folder: '/Recipes', update_interval: 5, print_image: true },
  hosts: new Map(),
  allowLocalRemoteServers: false,
});

/**
 * The app's ISO8601DurationHelper: `PT%dH%dM%dS` from an ISO duration (its date part ignored) or
 * `H:MM`; anything else becomes null, as does a missing time (FixDurationsFilter).
 */
function cookbookDuration(value: unknown): string | null {
  const text = typeof value === 'string' ? value.trim() : '';
  const iso = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/.exec(text);
  if (iso) {
    const seconds = Number.parseInt(iso[8] ?? '0', 10);
    const minutes = Number.parseInt(iso[7] ?? '0', 10) + Math.floor(seconds / 60);
    const hours = Number.parseInt(iso[6] ?? '0', 10) + Math.floor(minutes / 60);
    return `PT${hours}H${minutes % 60}M${seconds % 60}S`;
  }
  const clock = /^(\d+):(\d{1,2})$/.exec(text);
  return clock ? `PT${Number(clock[1])}H${Number(clock[2])}M` : null;
}

/** Loopback, private, link-local and unique-local addresses: what Nextcloud's client refuses. */
function isLocalAddress(address: string): boolean {
  const v4 = address.replace(/^::ffff:/i, '');
  if (isIP(v4) === 4) {
    const [a = 0, b = 0] = v4.split('.').map(Number);
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b < 128) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b < 32) ||
      (a === 192 && b === 168)
    );
  }
  return /^(::1?$|f[cd]|fe[89ab])/i.test(address);
}

/** Why the app would not download this URL, in its words; undefined when it would. */
async function importRefusal(state: CookbookState, url: string): Promise<string | undefined> {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || isIP(host)) return 'The provided URL is not allowed.';
  if (state.allowLocalRemoteServers) return undefined;
  const addresses = state.hosts.has(host)
    ? [state.hosts.get(host) ?? '']
    : await lookup(host, { all: true }).then(
        (found) => found.map((entry) => entry.address),
        () => [],
      );
  return addresses.some(isLocalAddress)
    ? `Exception while downloading recipe from ${url}.: URL resolves to a local/internal address`
    : undefined;
}

const API = '/index.php/apps/cookbook/api/v1';

const stub = (recipe: Record<string, unknown>) => ({
  recipe_id: recipe.id,
  name: recipe.name,
  keywords: recipe.keywords ?? '',
  category: recipe.recipeCategory ?? '',
  dateCreated: recipe.dateCreated,
  dateModified: recipe.dateModified,
});
const keywordsOf = (recipe: Record<string, unknown>) =>
  String(recipe.keywords ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);

function save(
  state: CookbookState,
  recipe: Record<string, unknown>,
  id?: number,
): number | { status: number; message: string } {
  const name = typeof recipe.name === 'string' ? recipe.name.trim() : '';
  if (!name) return { status: 422, message: 'Recipe name not found' };
  const clash = [...state.recipes.values()].find((other) => other.name === name && other.id !== id);
  if (clash) return { status: 409, message: 'Another recipe with that name already exists' };
  const now = new Date().toISOString();
  const recipeId = id ?? state.nextId++;
  const before = state.recipes.get(recipeId);
  state.recipes.set(recipeId, {
    ...recipe,
    prepTime: cookbookDuration(recipe.prepTime),
    cookTime: cookbookDuration(recipe.cookTime),
    totalTime: cookbookDuration(recipe.totalTime),
    '@type': 'Recipe',
    id: recipeId,
    name,
    dateCreated: before?.dateCreated ?? now,
    dateModified: now,
  });
  return recipeId;
}

export async function handleCookbook(ctx: RequestContext): Promise<void> {
  const { req, res, url } = ctx;
  const state = ctx.standin.cookbook;
  // UtilApiController::getApiVersion, the one route outside API v1.
  if (url.pathname === '/index.php/apps/cookbook/api/version' && req.method === 'GET')
    return sendJson(res, 200, {
      cookbook_version: [0, 11, 2],
      api_version: { epoch: 0, major: 1, minor: 2 },
    });
  if (!url.pathname.startsWith(`${API}/`)) return sendJson(res, 404, { msg: 'not found' });
  const path = decodeURIComponent(url.pathname.slice(API.length));
  const body = ctx.body.length ? (JSON.parse(ctx.body.toString('utf8')) as Record<string, unknown>) : {};
  const answer = (result: number | { status: number; message: string }) =>
    typeof result === 'number'
      ? sendJson(res, 200, result)
      : sendJson(res, result.status, { msg: result.message });

  if (path === '/recipes' && req.method === 'GET')
    return sendJson(res, 200, [...state.recipes.values()].map(stub));
  if (path === '/recipes' && req.method === 'POST') return answer(save(state, body));
  let match = /^\/recipes\/(\d+)$/.exec(path);
  if (match) {
    const id = Number(match[1]);
    const recipe = state.recipes.get(id);
    if (!recipe) return sendJson(res, 404, { msg: 'Recipe not found' });
    if (req.method === 'GET') return sendJson(res, 200, recipe);
    if (req.method === 'PUT') return answer(save(state, body, id));
    if (req.method === 'DELETE') {
      state.recipes.delete(id);
      return sendJson(res, 200, 'Recipe deleted successfully');
    }
  }
  if (path === '/import' && req.method === 'POST') {
    if (typeof body.url !== 'string') return sendJson(res, 400, 'Field "url" is required');
    // The app answers its import refusals with the bare message as a JSON string.
    const refusal = await importRefusal(state, body.url);
    if (refusal) return sendJson(res, 400, refusal);
    const target = new URL(body.url);
    const address = state.hosts.get(target.hostname);
    if (address) target.hostname = address;
    const page = await fetch(target).then(
      (r) => r.text(),
      () => '',
    );
    const ld = /<script type="application\/ld\+json">([\s\S]*?)<\/script>/.exec(page)?.[1];
    if (!ld) return sendJson(res, 400, { msg: 'No recipe found on the page' });
    const result = save(state, { ...(JSON.parse(ld) as Record<string, unknown>), url: body.url });
    return typeof result === 'number' ? sendJson(res, 200, state.recipes.get(result)) : answer(result);
  }
  match = /^\/search\/(.+)$/.exec(path);
  if (match && req.method === 'GET') {
    const query = (match[1] ?? '').toLowerCase();
    const found = [...state.recipes.values()].filter((r) =>
      [r.name, r.description, r.recipeCategory, r.keywords].some((text) =>
        String(text ?? '')
          .toLowerCase()
          .includes(query),
      ),
    );
    return sendJson(res, 200, found.map(stub));
  }
  if ((path === '/categories' || path === '/keywords') && req.method === 'GET') {
    const counts = new Map<string, number>();
    let uncategorized = 0;
    for (const recipe of state.recipes.values()) {
      if (path === '/categories' && !recipe.recipeCategory) uncategorized++;
      const names = path === '/categories' ? [String(recipe.recipeCategory || '')] : keywordsOf(recipe);
      for (const name of names.filter(Boolean)) counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    const named = [...counts]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, recipe_count]) => ({ name, recipe_count }));
    // The app always ends its categories with `*`, the recipes without one, even when none are.
    const placeholder = path === '/categories' ? [{ name: '*', recipe_count: uncategorized }] : [];
    return sendJson(res, 200, [...named, ...placeholder]);
  }
  match = /^\/category\/(.+)$/.exec(path);
  if (match && req.method === 'GET') {
    const category = match[1] === '_' ? '' : match[1];
    return sendJson(
      res,
      200,
      [...state.recipes.values()].filter((r) => String(r.recipeCategory ?? '') === category).map(stub),
    );
  }
  match = /^\/tags\/(.+)$/.exec(path);
  if (match && req.method === 'GET') {
    const wanted = (match[1] ?? '').split(',');
    return sendJson(
      res,
      200,
      [...state.recipes.values()].filter((r) => wanted.every((k) => keywordsOf(r).includes(k))).map(stub),
    );
  }
  if (path === '/config' && req.method === 'GET') return sendJson(res, 200, state.config);
  if (path === '/config' && req.method === 'POST') {
    Object.assign(state.config, body);
    return sendJson(res, 200, 'OK');
  }
  if (path === '/reindex' && req.method === 'POST')
    return sendJson(res, 200, 'Search index rebuilt successfully');
  return sendJson(res, 404, { msg: 'not found' });
}

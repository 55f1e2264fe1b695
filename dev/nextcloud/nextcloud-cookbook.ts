import { type RequestContext, sendJson } from './nextcloud.js';

/**
 * Cookbook app stand-in (nextcloud/cookbook API v1 under /index.php/apps/cookbook/api/v1):
 * recipes as schema.org Recipe JSON, stubs in lists, 409 on a duplicate name, 422 without a
 * name, categories and keywords with counts, config, reindex, and import from a URL whose page
 * carries schema.org JSON-LD (fetched by the app server side, as the real app does).
 */
export interface CookbookState {
  recipes: Map<number, Record<string, unknown>>;
  nextId: number;
  config: { folder: string; update_interval: number; print_image: boolean };
}

export const newCookbook = (): CookbookState => ({
  recipes: new Map(),
  nextId: 1,
  config: { folder: '/Recipes', update_interval: 5, print_image: true },
});

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
    if (typeof body.url !== 'string') return sendJson(res, 400, { msg: 'Field "url" is required' });
    const page = await fetch(body.url).then(
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
    for (const recipe of state.recipes.values()) {
      const names = path === '/categories' ? [String(recipe.recipeCategory || '*')] : keywordsOf(recipe);
      for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    return sendJson(
      res,
      200,
      [...counts].map(([name, recipe_count]) => ({ name, recipe_count })),
    );
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

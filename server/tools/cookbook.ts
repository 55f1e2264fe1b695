import { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import type { Recipe, RecipeStub } from '../nextcloud/cookbook.js';
import * as cookbook from '../nextcloud/cookbook.js';
import { defineTool } from '../registry.js';

const recipeId = z.number().int().min(1).max(2_147_483_647).describe('The numeric id of the recipe');
const duration = z
  .string()
  .regex(/^P(T(\d+H)?(\d+M)?(\d+S)?|\d+D)$/, 'an ISO 8601 duration such as PT30M')
  .optional();
const lines = z.array(z.string().min(1).max(5000)).max(200);
const recipeFields = {
  description: z.string().max(20_000).optional(),
  ingredients: lines.optional().describe('One ingredient per entry'),
  instructions: lines.optional().describe('One step per entry'),
  url: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .optional()
    .describe('Where the recipe comes from'),
  prep_time: duration.describe('ISO 8601 duration, e.g. PT15M'),
  cook_time: duration,
  total_time: duration,
  recipe_yield: z.number().int().min(1).max(1000).optional().describe('Servings'),
  category: z.string().min(1).max(200).optional(),
  keywords: z.string().max(1000).optional().describe('Comma-separated'),
};
type RecipeArgs = { [K in keyof typeof recipeFields]?: z.output<(typeof recipeFields)[K]> } & {
  name?: string;
};

const stubShape = { recipe_id: z.number(), name: z.string(), keywords: z.string(), category: z.string() };
const recipeShape = {
  id: z.number(),
  name: z.string(),
  description: z.string(),
  ingredients: z.array(z.string()),
  instructions: z.array(z.string()),
  url: z.string().nullable(),
  prep_time: z.string().nullable(),
  cook_time: z.string().nullable(),
  total_time: z.string().nullable(),
  recipe_yield: z.number().nullable(),
  category: z.string(),
  keywords: z.string(),
};
const stubList = { recipes: z.array(z.object(stubShape)), total_count: z.number() };

type Json = Record<string, unknown>;
const str = (value: unknown) => (typeof value === 'string' ? value : '');
const nullable = (value: unknown) => (typeof value === 'string' && value ? value : null);
const durationOf = (value: unknown) => {
  const text = nullable(value);
  return text === null ? null : cookbook.normalizeDuration(text);
};

/** schema.org instructions are strings or HowToStep objects; tools show the text of each step. */
const steps = (value: unknown) =>
  (Array.isArray(value) ? value : value ? [value] : []).map((step) =>
    typeof step === 'string' ? step : str((step as Json).text),
  );

function recipeView(recipe: Recipe) {
  return {
    id: Number(recipe.id),
    name: str(recipe.name),
    description: str(recipe.description),
    ingredients: Array.isArray(recipe.recipeIngredient) ? recipe.recipeIngredient.map(String) : [],
    instructions: steps(recipe.recipeInstructions),
    url: nullable(recipe.url),
    prep_time: durationOf(recipe.prepTime),
    cook_time: durationOf(recipe.cookTime),
    total_time: durationOf(recipe.totalTime),
    recipe_yield:
      typeof recipe.recipeYield === 'number'
        ? recipe.recipeYield
        : Number.parseInt(str(recipe.recipeYield), 10) || null,
    category: str(recipe.recipeCategory),
    keywords: Array.isArray(recipe.keywords) ? recipe.keywords.join(',') : str(recipe.keywords),
  };
}

const stubView = (stub: RecipeStub) => ({
  recipe_id: Number(stub.recipe_id),
  name: str(stub.name),
  keywords: str(stub.keywords),
  category: str(stub.category),
});

/** Tool arguments as schema.org Recipe fields (only those given). */
function recipeJson(args: RecipeArgs): Json {
  const map: [keyof RecipeArgs, string][] = [
    ['name', 'name'],
    ['description', 'description'],
    ['ingredients', 'recipeIngredient'],
    ['instructions', 'recipeInstructions'],
    ['url', 'url'],
    ['prep_time', 'prepTime'],
    ['cook_time', 'cookTime'],
    ['total_time', 'totalTime'],
    ['recipe_yield', 'recipeYield'],
    ['category', 'recipeCategory'],
    ['keywords', 'keywords'],
  ];
  const json: Json = Object.fromEntries(
    map.filter(([key]) => args[key] !== undefined).map(([key, field]) => [field, args[key]]),
  );
  for (const field of ['prepTime', 'cookTime', 'totalTime']) {
    if (typeof json[field] === 'string') json[field] = cookbook.normalizeDuration(json[field]);
  }
  return json;
}

const stubsView = (stubs: RecipeStub[]) => ({ recipes: stubs.map(stubView), total_count: stubs.length });

const read = { readOnlyHint: true, destructiveHint: false, idempotentHint: true } as const;

const importRecipe = defineTool({
  name: 'nc_cookbook_import_recipe',
  title: 'Import a recipe from a web page',
  description: 'Import a recipe from a URL whose page has schema.org Recipe markup (most recipe sites do).',
  input: { url: z.url({ protocol: /^https?$/ }).max(2000) },
  output: recipeShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(args, { nc }) {
    return { structured: recipeView(await cookbook.importRecipe(nc, args.url)) };
  },
});

const listRecipes = defineTool({
  name: 'nc_cookbook_list_recipes',
  title: 'List recipes',
  description: 'Every recipe in the Cookbook: id, name, category and keywords.',
  input: {},
  output: stubList,
  hints: read,
  async handler(_args, { nc }) {
    return { structured: stubsView(await cookbook.listRecipes(nc, { all: true })) };
  },
});

const get = defineTool({
  name: 'nc_cookbook_get_recipe',
  title: 'Get a recipe',
  description: 'One recipe with its ingredients, steps, times and yield.',
  input: { recipe_id: recipeId },
  output: recipeShape,
  hints: read,
  async handler(args, { nc }) {
    return { structured: recipeView(await cookbook.getRecipe(nc, args.recipe_id)) };
  },
});

const create = defineTool({
  name: 'nc_cookbook_create_recipe',
  title: 'Create a recipe',
  description: 'Create a recipe (schema.org Recipe fields); times as ISO 8601 durations such as PT30M.',
  input: { name: z.string().trim().min(1).max(500), ...recipeFields },
  output: recipeShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(args, { nc }) {
    const id = await cookbook.writeRecipe(nc, recipeJson(args), args.name);
    return { structured: recipeView(await cookbook.getRecipe(nc, id)) };
  },
});

const update = defineTool({
  name: 'nc_cookbook_update_recipe',
  title: 'Update a recipe',
  description: 'Change some fields of a recipe; the others (and fields these tools do not show) stay.',
  input: { recipe_id: recipeId, name: z.string().trim().min(1).max(500).optional(), ...recipeFields },
  output: recipeShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async handler(args, { nc }) {
    const current = await cookbook.getRecipe(nc, args.recipe_id);
    const { recipe_id, ...changes } = args;
    const merged = { ...current, ...recipeJson(changes) };
    await cookbook.writeRecipe(nc, merged, str(merged.name), recipe_id);
    return { structured: recipeView(await cookbook.getRecipe(nc, recipe_id)) };
  },
});

const remove = defineTool({
  name: 'nc_cookbook_delete_recipe',
  title: 'Delete a recipe',
  description: 'Delete a recipe from the Cookbook; it cannot be restored afterwards.',
  input: { recipe_id: recipeId },
  output: { deleted_id: z.number(), deleted: z.boolean() },
  hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async handler(args, { nc }) {
    await cookbook.deleteRecipe(nc, args.recipe_id);
    return { structured: { deleted_id: args.recipe_id, deleted: true } };
  },
});

const search = defineTool({
  name: 'nc_cookbook_search_recipes',
  title: 'Search recipes',
  description: 'Recipes whose name, description, category or keywords match the query.',
  input: { query: z.string().trim().min(1).max(200) },
  output: { ...stubList, query: z.string() },
  hints: read,
  async handler(args, { nc }) {
    return {
      structured: { ...stubsView(await cookbook.listRecipes(nc, { search: args.query })), query: args.query },
    };
  },
});

const countShape = { name: z.string(), recipe_count: z.number() };

const listCategories = defineTool({
  name: 'nc_cookbook_list_categories',
  title: 'List categories',
  description:
    'Every category with its number of recipes, and how many recipes have none (list those with ' +
    'nc_cookbook_get_recipes_in_category and category "_").',
  input: {},
  output: { categories: z.array(z.object(countShape)), uncategorized_count: z.number() },
  hints: read,
  async handler(_args, { nc }) {
    return { structured: await cookbook.categories(nc) };
  },
});

const listKeywords = defineTool({
  name: 'nc_cookbook_list_keywords',
  title: 'List keywords',
  description: 'Every keyword (tag) with its number of recipes.',
  input: {},
  output: { keywords: z.array(z.object(countShape)) },
  hints: read,
  async handler(_args, { nc }) {
    return { structured: { keywords: await cookbook.keywords(nc) } };
  },
});

const inCategory = defineTool({
  name: 'nc_cookbook_get_recipes_in_category',
  title: 'Recipes in a category',
  description: 'The recipes of one category; "_" for recipes without a category.',
  input: { category: z.string().min(1).max(200) },
  output: stubList,
  hints: read,
  async handler(args, { nc }) {
    return {
      structured: stubsView(await cookbook.listRecipes(nc, { category: args.category })),
    };
  },
});

const withKeywords = defineTool({
  name: 'nc_cookbook_get_recipes_with_keywords',
  title: 'Recipes with keywords',
  description: 'The recipes that carry every one of the given keywords.',
  input: {
    keywords: z
      .array(
        z
          .string()
          .min(1)
          .max(100)
          .regex(/^[^,]+$/, 'no commas'),
      )
      .min(1)
      .max(20),
  },
  output: stubList,
  hints: read,
  async handler(args, { nc }) {
    return {
      structured: stubsView(await cookbook.listRecipes(nc, { keywords: args.keywords })),
    };
  },
});

const configShape = { folder: z.string(), update_interval: z.number(), print_image: z.boolean() };
const getConfig = defineTool({
  name: 'nc_cookbook_get_config',
  title: 'Cookbook settings',
  description:
    'Where the Cookbook keeps recipes in your files, how often it rescans, whether it prints images.',
  input: {},
  output: configShape,
  hints: read,
  async handler(_args, { nc }) {
    return { structured: await cookbook.getConfig(nc) };
  },
});

const setConfig = defineTool({
  name: 'nc_cookbook_set_config',
  title: 'Change Cookbook settings',
  description:
    'Set the recipe folder (a path in your files), the rescan interval in minutes, or image printing; what you leave out stays.',
  input: {
    folder: z
      .string()
      .regex(/^\/[^\0]*$/, 'a path starting with /')
      .max(1000)
      .optional(),
    update_interval: z.number().int().min(1).max(10_080).optional(),
    print_image: z.boolean().optional(),
  },
  output: { updated: z.array(z.string()) },
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async handler(args, { nc }) {
    if (args.folder?.split('/').includes('..'))
      throw new InvalidInputError('The folder may not contain ".."');
    const changes = Object.fromEntries(Object.entries(args).filter(([, value]) => value !== undefined));
    // None given is sent too (Cookbook changes nothing), as the Python server does.
    await cookbook.setConfig(nc, changes);
    return { structured: { updated: Object.keys(changes) } };
  },
});

const reindex = defineTool({
  name: 'nc_cookbook_reindex',
  title: 'Rescan recipes',
  description: 'Rebuild the Cookbook search index, after recipe files were changed outside the app.',
  input: {},
  output: { message: z.string() },
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async handler(_args, { nc }) {
    return { structured: { message: await cookbook.reindex(nc) } };
  },
});

export const cookbookTools = [
  importRecipe,
  listRecipes,
  get,
  create,
  update,
  remove,
  search,
  listCategories,
  inCategory,
  listKeywords,
  withKeywords,
  getConfig,
  setConfig,
  reindex,
];

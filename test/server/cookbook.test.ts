import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, useCleanup } from '../cleanup.js';
import { call, textOf, unique, useServer } from '../harness.js';
import { hasApp } from '../nextcloud-apps.js';

const onStandin = !process.env.TEST_NEXTCLOUD_URL;

/**
 * Cookbook tools against the Cookbook API stand-in or a real Cookbook; imports come from a recipe
 * page served here, which only the stand-in can fetch. Names, categories and keywords are the
 * suite's own, so what a real Cookbook already holds does not count.
 */
describe.skipIf(!hasApp('cookbook'))('cookbook tools', () => {
  const env = useServer();
  const cleanup = useCleanup();
  let page: Server;
  let pageUrl: string;
  const pancakes = unique('Pancakes');
  const soup = unique('Soup');
  const rice = unique('Plain Rice');
  const breakfast = unique('Breakfast');
  const soups = unique('Soups');
  const quick = unique('quick');
  const sweet = unique('sweet');
  /** Creates a recipe that the suite deletes again at its end. */
  const create = async (args: Record<string, unknown>) => {
    const created = await call(env.client, 'nc_cookbook_create_recipe', args);
    if (!created.isError)
      cleanup.tool(() => env.client, 'nc_cookbook_delete_recipe', { recipe_id: created.data.id });
    return created;
  };
  const names = (result: { data: { recipes: { name: string }[] } }) =>
    result.data.recipes.map((r) => r.name).sort();

  beforeAll(async () => {
    page = createServer((_req, res) => {
      const recipe = {
        '@context': 'https://schema.org',
        '@type': 'Recipe',
        name: 'Imported Soup',
        recipeIngredient: ['water', 'salt'],
        recipeInstructions: [{ '@type': 'HowToStep', text: 'Boil.' }],
        recipeCategory: 'Soup',
        keywords: 'quick,warm',
      };
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(
          `<html><head><script type="application/ld+json">${JSON.stringify(recipe)}</script></head></html>`,
        );
    });
    await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
    pageUrl = `http://127.0.0.1:${(page.address() as AddressInfo).port}/soup`;
    // A name for the page's address, as the Nextcloud server's resolver would know it.
    env.target.standin?.cookbook.hosts.set('recipes.test', '127.0.0.1');
    const config = await call(env.client, 'nc_cookbook_get_config');
    expect(config.isError, config.text).toBeFalsy();
    const { folder, update_interval, print_image } = config.data;
    cleanup.add('the Cookbook settings', async () => {
      const restored = await call(env.client, 'nc_cookbook_set_config', {
        folder,
        update_interval,
        print_image,
      });
      if (restored.isError) throw new Error(restored.text);
    });
  });
  afterAll(() => page?.close());

  it('creates a recipe, refuses a duplicate name, and updates only what it is given', async () => {
    const created = await create({
      name: pancakes,
      ingredients: ['flour', 'milk', 'eggs'],
      instructions: ['Mix.', 'Fry.'],
      prep_time: 'PT10M',
      total_time: 'P1D',
      recipe_yield: 4,
      category: breakfast,
      keywords: `${sweet},${quick}`,
    });
    expect(created.isError, textOf(created)).toBeFalsy();
    // Cookbook stores PT0H10M0S and drops a duration's days: times read back in the form given.
    expect(created.data).toMatchObject({
      name: pancakes,
      ingredients: ['flour', 'milk', 'eggs'],
      prep_time: 'PT10M',
      total_time: 'PT24H',
      recipe_yield: 4,
    });
    const duplicate = await create({ name: pancakes });
    expect(textOf(duplicate)).toContain('already exists');
    const updated = await call(env.client, 'nc_cookbook_update_recipe', {
      recipe_id: created.data.id,
      cook_time: 'PT90M',
    });
    expect(updated.data).toMatchObject({
      name: pancakes,
      prep_time: 'PT10M',
      cook_time: 'PT1H30M',
      ingredients: ['flour', 'milk', 'eggs'],
    });
    const bad = await create({ name: unique('X'), prep_time: 'ten minutes' });
    expect(textOf(bad)).toContain('ISO 8601 duration');
  });

  // The page is served on this machine, which a remote Nextcloud cannot reach; and the host name
  // is the stand-in's to resolve.
  it.runIf(onStandin)("passes on Cookbook's reason for refusing a local address", async () => {
    const byAddress = await call(env.client, 'nc_cookbook_import_recipe', { url: pageUrl });
    expect(byAddress.isError).toBe(true);
    expect(byAddress.text).toBe(
      `Nextcloud refused the request for The recipe at ${pageUrl}: The provided URL is not allowed.`,
    );
    const url = pageUrl.replace('127.0.0.1', 'recipes.test');
    const byName = await call(env.client, 'nc_cookbook_import_recipe', { url });
    expect(byName.text).toBe(
      `Nextcloud refused the request for The recipe at ${url}: ` +
        `Exception while downloading recipe from ${url}.: URL resolves to a local/internal address`,
    );
  });

  // As a Nextcloud with allow_local_remote_servers, which may fetch the page served here: only the
  // stand-in is one for sure.
  it.runIf(onStandin)('imports from a page with schema.org markup', async () => {
    if (env.target.standin) env.target.standin.cookbook.allowLocalRemoteServers = true;
    const url = pageUrl.replace('127.0.0.1', 'recipes.test');
    const imported = await call(env.client, 'nc_cookbook_import_recipe', { url });
    expect(imported.isError, textOf(imported)).toBeFalsy();
    cleanup.tool(() => env.client, 'nc_cookbook_delete_recipe', { recipe_id: imported.data.id });
    expect(imported.data).toMatchObject({
      name: 'Imported Soup',
      ingredients: ['water', 'salt'],
      instructions: ['Boil.'],
      url,
    });
  });

  it('searches, and lists by category and keywords', async () => {
    const made = await create({ name: soup, category: soups, keywords: `${quick},warm` });
    expect(made.isError, textOf(made)).toBeFalsy();
    expect(names(await call(env.client, 'nc_cookbook_search_recipes', { query: pancakes }))).toEqual([
      pancakes,
    ]);
    expect(names(await call(env.client, 'nc_cookbook_get_recipes_in_category', { category: soups }))).toEqual(
      [soup],
    );
    expect(
      names(await call(env.client, 'nc_cookbook_get_recipes_with_keywords', { keywords: [quick] })),
    ).toEqual([pancakes, soup].sort());
    expect(
      names(await call(env.client, 'nc_cookbook_get_recipes_with_keywords', { keywords: [quick, sweet] })),
    ).toEqual([pancakes]);
    const categories = await call(env.client, 'nc_cookbook_list_categories');
    expect(categories.data.categories).toEqual(
      expect.arrayContaining([
        { name: breakfast, recipe_count: 1 },
        { name: soups, recipe_count: 1 },
      ]),
    );
    const keywords = await call(env.client, 'nc_cookbook_list_keywords');
    expect(keywords.data.keywords).toEqual(expect.arrayContaining([{ name: quick, recipe_count: 2 }]));

    // Cookbook lists recipes without a category as a category named "*"; the UI counts them apart.
    const before = (await call(env.client, 'nc_cookbook_list_recipes')).data.total_count;
    const uncategorized = categories.data.uncategorized_count;
    const plain = await create({ name: rice });
    expect((await call(env.client, 'nc_cookbook_list_recipes')).data.total_count).toBe(before + 1);
    const withPlain = await call(env.client, 'nc_cookbook_list_categories');
    const categoryNames = withPlain.data.categories.map((c: { name: string }) => c.name);
    expect(categoryNames).toEqual(expect.arrayContaining([breakfast, soups]));
    expect(categoryNames).not.toContain('*');
    expect(withPlain.data.uncategorized_count).toBe(uncategorized + 1);
    expect(names(await call(env.client, 'nc_cookbook_get_recipes_in_category', { category: '_' }))).toContain(
      rice,
    );
    await call(env.client, 'nc_cookbook_delete_recipe', { recipe_id: plain.data.id });
    expect((await call(env.client, 'nc_cookbook_list_categories')).data.uncategorized_count).toBe(
      uncategorized,
    );
  });

  it('reads and changes settings, reindexes, and deletes', async () => {
    const folder = `/${unique('Kitchen')}`;
    // A real Cookbook makes the folder it is given, as it looks for recipes there.
    if (!onStandin)
      cleanup.add(folder, () =>
        request(env.target, 'DELETE', `/remote.php/dav/files/${env.target.user}${folder}`, (status) =>
          [204, 404].includes(status),
        ),
      );
    const before = (await call(env.client, 'nc_cookbook_get_config')).data;
    const set = await call(env.client, 'nc_cookbook_set_config', { folder, update_interval: 10 });
    try {
      expect(set.data.updated.sort()).toEqual(['folder', 'update_interval']);
      expect((await call(env.client, 'nc_cookbook_get_config')).data).toMatchObject({
        folder,
        update_interval: 10,
      });
      expect((await call(env.client, 'nc_cookbook_set_config', { folder: '/a/../b' })).isError).toBe(true);
    } finally {
      // Back to the user's own folder before the recipes in it are looked for again.
      await call(env.client, 'nc_cookbook_set_config', {
        folder: before.folder,
        update_interval: before.update_interval,
      });
    }
    expect((await call(env.client, 'nc_cookbook_get_config')).data).toEqual(before);
    expect((await call(env.client, 'nc_cookbook_reindex')).isError).toBeFalsy();
    const [id] = (await call(env.client, 'nc_cookbook_search_recipes', { query: pancakes })).data.recipes.map(
      (r: { recipe_id: number }) => r.recipe_id,
    );
    expect(id).toEqual(expect.any(Number));
    expect((await call(env.client, 'nc_cookbook_delete_recipe', { recipe_id: id })).data).toEqual({
      deleted_id: id,
      deleted: true,
    });
    expect(textOf(await call(env.client, 'nc_cookbook_get_recipe', { recipe_id: id }))).toContain(
      'not found',
    );
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, textOf, useServer } from '../harness.js';
import { hasApp } from '../nextcloud-apps.js';

/** Cookbook tools against the Cookbook API stand-in; imports come from a recipe page served here. */
describe.skipIf(!hasApp('cookbook'))('cookbook tools', () => {
  const env = useServer();
  let page: Server;
  let pageUrl: string;

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
  });
  afterAll(() => page?.close());

  it('creates a recipe, refuses a duplicate name, and updates only what it is given', async () => {
    const created = await call(env.client, 'nc_cookbook_create_recipe', {
      name: 'Pancakes',
      ingredients: ['flour', 'milk', 'eggs'],
      instructions: ['Mix.', 'Fry.'],
      prep_time: 'PT10M',
      total_time: 'P1D',
      recipe_yield: 4,
      category: 'Breakfast',
      keywords: 'sweet,quick',
    });
    expect(created.isError, textOf(created)).toBeFalsy();
    // Cookbook stores PT0H10M0S and drops a duration's days: times read back in the form given.
    expect(created.data).toMatchObject({
      name: 'Pancakes',
      ingredients: ['flour', 'milk', 'eggs'],
      prep_time: 'PT10M',
      total_time: 'PT24H',
      recipe_yield: 4,
    });
    const duplicate = await call(env.client, 'nc_cookbook_create_recipe', { name: 'Pancakes' });
    expect(textOf(duplicate)).toContain('already exists');
    const updated = await call(env.client, 'nc_cookbook_update_recipe', {
      recipe_id: created.data.id,
      cook_time: 'PT90M',
    });
    expect(updated.data).toMatchObject({
      name: 'Pancakes',
      prep_time: 'PT10M',
      cook_time: 'PT1H30M',
      ingredients: ['flour', 'milk', 'eggs'],
    });
    const bad = await call(env.client, 'nc_cookbook_create_recipe', {
      name: 'X',
      prep_time: 'ten minutes',
    });
    expect(textOf(bad)).toContain('ISO 8601 duration');
  });

  it("passes on Cookbook's reason for refusing a local address", async () => {
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

  it('imports from a page with schema.org markup', async () => {
    // As a Nextcloud with allow_local_remote_servers, which may fetch the page served here.
    if (env.target.standin) env.target.standin.cookbook.allowLocalRemoteServers = true;
    const url = pageUrl.replace('127.0.0.1', 'recipes.test');
    const imported = await call(env.client, 'nc_cookbook_import_recipe', { url });
    expect(imported.isError, textOf(imported)).toBeFalsy();
    expect(imported.data).toMatchObject({
      name: 'Imported Soup',
      ingredients: ['water', 'salt'],
      instructions: ['Boil.'],
      url,
    });
  });

  it('searches, and lists by category and keywords', async () => {
    const names = (result: { data: { recipes: { name: string }[] } }) =>
      result.data.recipes.map((r) => r.name).sort();
    expect(names(await call(env.client, 'nc_cookbook_search_recipes', { query: 'pancake' }))).toEqual([
      'Pancakes',
    ]);
    expect(
      names(await call(env.client, 'nc_cookbook_get_recipes_in_category', { category: 'Soup' })),
    ).toEqual(['Imported Soup']);
    expect(
      names(await call(env.client, 'nc_cookbook_get_recipes_with_keywords', { keywords: ['quick'] })),
    ).toEqual(['Imported Soup', 'Pancakes']);
    expect(
      names(
        await call(env.client, 'nc_cookbook_get_recipes_with_keywords', { keywords: ['quick', 'sweet'] }),
      ),
    ).toEqual(['Pancakes']);
    const categories = await call(env.client, 'nc_cookbook_list_categories');
    expect(categories.data.categories).toEqual(
      expect.arrayContaining([{ name: 'Breakfast', recipe_count: 1 }]),
    );
    const keywords = await call(env.client, 'nc_cookbook_list_keywords');
    expect(keywords.data.keywords).toEqual(expect.arrayContaining([{ name: 'quick', recipe_count: 2 }]));
    expect((await call(env.client, 'nc_cookbook_list_recipes')).data.total_count).toBe(2);

    // Cookbook lists recipes without a category as a category named "*"; the UI counts them apart.
    const plain = await call(env.client, 'nc_cookbook_create_recipe', { name: 'Plain Rice' });
    const withPlain = await call(env.client, 'nc_cookbook_list_categories');
    expect(withPlain.data.categories.map((c: { name: string }) => c.name)).toEqual(['Breakfast', 'Soup']);
    expect(withPlain.data.uncategorized_count).toBe(1);
    expect(names(await call(env.client, 'nc_cookbook_get_recipes_in_category', { category: '_' }))).toEqual([
      'Plain Rice',
    ]);
    await call(env.client, 'nc_cookbook_delete_recipe', { recipe_id: plain.data.id });
    expect((await call(env.client, 'nc_cookbook_list_categories')).data.uncategorized_count).toBe(0);
  });

  it('reads and changes settings, reindexes, and deletes', async () => {
    const set = await call(env.client, 'nc_cookbook_set_config', {
      folder: '/Kitchen',
      update_interval: 10,
    });
    expect(set.data.updated.sort()).toEqual(['folder', 'update_interval']);
    expect((await call(env.client, 'nc_cookbook_get_config')).data).toMatchObject({
      folder: '/Kitchen',
      update_interval: 10,
    });
    expect((await call(env.client, 'nc_cookbook_set_config', { folder: '/a/../b' })).isError).toBe(true);
    expect((await call(env.client, 'nc_cookbook_reindex')).isError).toBeFalsy();
    const list = await call(env.client, 'nc_cookbook_list_recipes');
    const id = list.data.recipes[0].recipe_id;
    expect((await call(env.client, 'nc_cookbook_delete_recipe', { recipe_id: id })).data).toEqual({
      deleted_id: id,
      deleted: true,
    });
    expect(textOf(await call(env.client, 'nc_cookbook_get_recipe', { recipe_id: id }))).toContain(
      'not found',
    );
  });
});

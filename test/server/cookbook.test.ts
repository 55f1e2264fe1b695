import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, textOf, useServer } from '../harness.js';

/** Cookbook tools against the Cookbook API stand-in; imports come from a recipe page served here. */
describe.skipIf(process.env.TEST_NEXTCLOUD_URL && !process.env.TEST_NEXTCLOUD_COOKBOOK)(
  'cookbook tools',
  () => {
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
    });
    afterAll(() => page?.close());

    it('creates a recipe, refuses a duplicate name, and updates only what it is given', async () => {
      const created = await call(env.client, 'nc_cookbook_create_recipe', {
        name: 'Pancakes',
        ingredients: ['flour', 'milk', 'eggs'],
        instructions: ['Mix.', 'Fry.'],
        prep_time: 'PT10M',
        recipe_yield: 4,
        category: 'Breakfast',
        keywords: 'sweet,quick',
      });
      expect(created.isError, textOf(created)).toBeFalsy();
      expect(created.data).toMatchObject({
        name: 'Pancakes',
        ingredients: ['flour', 'milk', 'eggs'],
        prep_time: 'PT10M',
        recipe_yield: 4,
      });
      const duplicate = await call(env.client, 'nc_cookbook_create_recipe', { name: 'Pancakes' });
      expect(textOf(duplicate)).toContain('already exists');
      const updated = await call(env.client, 'nc_cookbook_update_recipe', {
        recipe_id: created.data.id,
        cook_time: 'PT5M',
      });
      expect(updated.data).toMatchObject({
        name: 'Pancakes',
        cook_time: 'PT5M',
        ingredients: ['flour', 'milk', 'eggs'],
      });
      const bad = await call(env.client, 'nc_cookbook_create_recipe', {
        name: 'X',
        prep_time: 'ten minutes',
      });
      expect(textOf(bad)).toContain('ISO 8601 duration');
    });

    it('imports from a page with schema.org markup', async () => {
      const imported = await call(env.client, 'nc_cookbook_import_recipe', { url: pageUrl });
      expect(imported.isError, textOf(imported)).toBeFalsy();
      expect(imported.data).toMatchObject({
        name: 'Imported Soup',
        ingredients: ['water', 'salt'],
        instructions: ['Boil.'],
        url: pageUrl,
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
  },
);

/**
 * The Python server's resource URIs (v0.181.0, its `@mcp.resource` templates) resolve here too,
 * to what the tool reading the same thing answers.
 */
import { describe, expect, it } from 'vitest';
import { deleteDeckBoard, useCleanup } from '../cleanup.js';
import { callOk, connectClient, unique, useServer } from '../harness.js';
import { hasApp } from '../nextcloud-apps.js';

describe('resources named as the Python server names them', () => {
  const env = useServer();
  const cleanup = useCleanup();
  const read = async (uri: string) => {
    const { contents } = await env.client.readResource({ uri });
    expect(contents).toHaveLength(1);
    expect(contents[0]).toMatchObject({ uri, mimeType: 'application/json' });
    return JSON.parse((contents[0] as { text: string }).text);
  };

  it('lists the templates', async () => {
    const { resourceTemplates } = await env.client.listResourceTemplates();
    const templates = resourceTemplates.map((template) => template.uriTemplate);
    expect(templates).toEqual(
      expect.arrayContaining([
        'nc://Notes/{note_id}',
        'nc://Notes/{note_id}/attachments/{attachment_filename}',
        ...(hasApp('cookbook') ? ['nc://Cookbook/{recipe_id}'] : []),
        ...(hasApp('deck')
          ? [
              'nc://Deck/boards/{board_id}',
              'nc://Deck/boards/{board_id}/stacks',
              'nc://Deck/boards/{board_id}/stacks/{stack_id}',
              'nc://Deck/boards/{board_id}/stacks/{stack_id}/cards',
              'nc://Deck/boards/{board_id}/stacks/{stack_id}/cards/{card_id}',
              'nc://Deck/boards/{board_id}/labels',
              'nc://Deck/boards/{board_id}/labels/{label_id}',
            ]
          : []),
      ]),
    );
  });

  it.skipIf(!hasApp('notes'))('reads a note as nc://Notes/{note_id}', async () => {
    const note = await callOk(env.client, 'nc_notes_create_note', { title: unique('Res'), content: 'Body' });
    cleanup.tool(() => env.client, 'nc_notes_delete_note', { note_id: note.id });
    expect(await read(`nc://Notes/${note.id}`)).toMatchObject({ id: note.id, content: 'Body' });
    await expect(env.client.readResource({ uri: 'nc://Notes/999999999' })).rejects.toThrow(/not found/i);
  });

  it.skipIf(!hasApp('deck'))(
    'reads a board, its stacks, cards and labels under nc://Deck/boards',
    async () => {
      const board = await callOk(env.client, 'deck_create_board', { title: unique('Res'), color: '00aa00' });
      cleanup.add(`Deck board ${board.id}`, () => deleteDeckBoard(env.target, board.id));
      const stack = await callOk(env.client, 'deck_create_stack', {
        board_id: board.id,
        title: 'To do',
        order: 1,
      });
      const card = await callOk(env.client, 'deck_create_card', {
        board_id: board.id,
        stack_id: stack.id,
        title: 'Plan',
        description: 'The long plan',
      });
      const base = `nc://Deck/boards/${board.id}`;
      expect((await read('nc://Deck/boards')).boards.map((b: { id: number }) => b.id)).toContain(board.id);
      expect(await read(base)).toMatchObject({ id: board.id, title: board.title });
      expect((await read(`${base}/stacks`)).stacks[0]).toMatchObject({ id: stack.id, card_count: 1 });
      expect(await read(`${base}/stacks/${stack.id}`)).toMatchObject({ id: stack.id, title: 'To do' });
      const { cards } = await read(`${base}/stacks/${stack.id}/cards`);
      expect(cards).toMatchObject([{ id: card.id, description: 'The long plan' }]);
      expect(await read(`${base}/stacks/${stack.id}/cards/${card.id}`)).toMatchObject({
        id: card.id,
        title: 'Plan',
      });
      const { labels } = await read(`${base}/labels`);
      expect(await read(`${base}/labels/${labels[0].id}`)).toMatchObject({ id: labels[0].id });
    },
  );

  it('lists the fixed resources of the apps the caller may use', async () => {
    const { resources } = await env.client.listResources();
    const uris = resources.map((resource) => resource.uri);
    if (hasApp('notes')) expect(uris).toContain('notes://settings');
    if (hasApp('cookbook'))
      expect(uris).toEqual(expect.arrayContaining(['cookbook://version', 'cookbook://config']));
  });

  it.skipIf(!hasApp('notes'))('reads the Notes settings as notes://settings', async () => {
    const settings = await read('notes://settings');
    expect(settings).toEqual({
      notesPath: expect.any(String),
      fileSuffix: expect.stringMatching(/^\./),
      noteMode: expect.stringMatching(/^(rich|edit|preview)$/),
    });
  });

  it.skipIf(!hasApp('cookbook'))('reads the Cookbook version and settings', async () => {
    const version = await read('cookbook://version');
    expect(version).toEqual({
      cookbook_version: [expect.any(Number), expect.any(Number), expect.any(Number)],
      api_version: { epoch: expect.any(Number), major: 1, minor: expect.any(Number) },
    });
    const config = await read('cookbook://config');
    expect(config).toEqual(await callOk(env.client, 'nc_cookbook_get_config'));
    expect(config.folder).toMatch(/^\//);
  });

  it.skipIf(!hasApp('notes'))('does not show notes://settings to a token without notes:read', async () => {
    const narrow = await connectClient(env.server.url, env.target, ['files:read']);
    try {
      const { resources } = await narrow.listResources();
      expect(resources.map((resource) => resource.uri)).not.toContain('notes://settings');
      await expect(narrow.readResource({ uri: 'notes://settings' })).rejects.toThrow();
    } finally {
      await narrow.close();
    }
  });

  it.skipIf(!hasApp('cookbook'))('reads a recipe as nc://Cookbook/{recipe_id}', async () => {
    const recipe = await callOk(env.client, 'nc_cookbook_create_recipe', {
      name: unique('Pancakes'),
      ingredients: ['flour', 'milk'],
    });
    cleanup.tool(() => env.client, 'nc_cookbook_delete_recipe', { recipe_id: recipe.id });
    expect(await read(`nc://Cookbook/${recipe.id}`)).toMatchObject({ id: recipe.id, name: recipe.name });
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { deleteDeckBoard, useCleanup } from '../cleanup.js';
import { basicAuth, call, callOk, textOf, unique, useServer } from '../harness.js';

/**
 * The Deck tools against an older Deck: the stand-in answering as Deck 1.13 on Nextcloud 29 does
 * (no archive routes, no card dependencies, the web UI's routes failing the CSRF check with 412).
 */
describe.skipIf(process.env.TEST_NEXTCLOUD_URL)('deck tools on Deck 1.13', () => {
  const env = useServer();
  const cleanup = useCleanup();
  const ok = (name: string, args: Record<string, unknown> = {}) => callOk(env.client, name, args);
  beforeAll(() => {
    const standin = env.target.standin;
    if (standin) standin.deck.version = '1.13.1';
  });

  async function board() {
    const created = await ok('deck_create_board', { title: unique('Old'), color: '0082c9' });
    cleanup.add(`Deck board ${created.id}`, () => deleteDeckBoard(env.target, created.id));
    const todo = await ok('deck_create_stack', { board_id: created.id, title: 'To do', order: 1 });
    const done = await ok('deck_create_stack', { board_id: created.id, title: 'Done', order: 2 });
    const card = await ok('deck_create_card', { board_id: created.id, stack_id: todo.id, title: 'Task' });
    const where = { board_id: created.id, stack_id: todo.id, card_id: card.id };
    return { board: created, todo, done, card, where };
  }

  it('answers as Deck 1.13: its version in the capabilities, 412 on the web routes', async () => {
    const { card, done } = await board();
    const headers = {
      authorization: basicAuth(env.target.user, env.target.appPassword),
      'ocs-apirequest': 'true',
      accept: 'application/json',
      'content-type': 'application/json',
    };
    const caps = await fetch(`${env.target.url}/ocs/v2.php/cloud/capabilities?format=json`, { headers });
    const body = (await caps.json()) as { ocs: { data: { capabilities: { deck: { version: string } } } } };
    expect(body.ocs.data.capabilities.deck.version).toBe('1.13.1');
    const web = await fetch(`${env.target.url}/index.php/apps/deck/cards/${card.id}/reorder`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ stackId: done.id, order: 0 }),
    });
    expect(web.status).toBe(412);
    expect(await web.json()).toEqual({ message: 'CSRF check failed' });
  });

  it('archives and unarchives through the card update (the archive route came in Deck 1.15)', async () => {
    const { board: b, todo, where } = await board();
    const archived = await ok('deck_archive_card', where);
    expect(archived.archived).toBe(true);
    expect((await ok('deck_archive_card', where)).archived).toBe(true);
    const cards = await ok('deck_get_cards', { board_id: b.id, stack_id: todo.id, status: 'archived' });
    expect(cards.cards.map((c: { id: number }) => c.id)).toEqual([where.card_id]);
    const back = await ok('deck_unarchive_card', where);
    expect(back).toMatchObject({ archived: false, title: 'Task' });
  });

  it('says plainly that card dependencies need Deck 1.18', async () => {
    const { board: b, todo, where } = await board();
    const other = await ok('deck_create_card', { board_id: b.id, stack_id: todo.id, title: 'Other' });
    for (const name of ['deck_assign_dependent_card', 'deck_remove_dependent_card']) {
      const refused = await call(env.client, name, { ...where, dependent_card_id: other.id });
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toContain(
        'Card dependencies need Deck 1.18 or later; this Nextcloud has Deck 1.13.1',
      );
    }
  });

  it('reorders into another stack and moves to another board through the API, labels and done kept', async () => {
    const { board: b, done, where } = await board();
    const moved = await ok('deck_reorder_card', { ...where, order: 0, target_stack_id: done.id });
    expect(moved.stack_id).toBe(done.id);
    const here = { ...where, stack_id: done.id };
    const later = b.labels.find((l: { title: string }) => l.title === 'Later');
    const own = await ok('deck_create_label', { board_id: b.id, title: 'Only here', color: '123456' });
    await ok('deck_assign_label_to_card', { ...here, label_id: later.id });
    await ok('deck_assign_label_to_card', { ...here, label_id: own.id });
    const marked = await ok('deck_update_card', { ...here, done: true });
    const other = await board();
    const relocated = await ok('deck_move_card_to_board', {
      ...here,
      target_board_id: other.board.id,
      target_stack_id: other.todo.id,
    });
    expect(relocated).toMatchObject({ stack_id: other.todo.id, done: marked.done });
    const targetLabels = (await ok('deck_get_labels', { board_id: other.board.id })).labels;
    const ids = targetLabels.map((l: { id: number }) => l.id);
    expect(relocated.labels.map((l: { title: string }) => l.title).sort()).toEqual(['Later', 'Only here']);
    for (const label of relocated.labels) expect(ids).toContain(label.id);
    const log = env.target.standin?.log ?? [];
    expect(log.filter((line) => line.includes('/index.php/apps/deck/cards/'))).toHaveLength(1);
  });
});

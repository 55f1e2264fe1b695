import { describe, expect, it } from 'vitest';
import { deleteDeckBoard, useCleanup } from '../cleanup.js';
import { basicAuth, call, callOk, textOf, unique, useServer } from '../harness.js';
import { hasApp } from '../nextcloud-apps.js';

/** Deck boards, stacks, cards and labels against the Deck stand-in (or a real Nextcloud's Deck). */
describe.skipIf(!hasApp('deck'))('deck tools', () => {
  const env = useServer();
  const cleanup = useCleanup();
  const ok = (name: string, args: Record<string, unknown> = {}) => callOk(env.client, name, args);
  /** A board with stacks To do / Done and two cards in To do. */
  async function board() {
    const created = await ok('deck_create_board', { title: unique('Board'), color: '#00AA00' });
    cleanup.add(`Deck board ${created.id}`, () => deleteDeckBoard(env.target, created.id));
    const todo = await ok('deck_create_stack', { board_id: created.id, title: 'To do', order: 1 });
    const done = await ok('deck_create_stack', { board_id: created.id, title: 'Done', order: 2 });
    const where = (card: { id: number }, stack = todo.id) => ({
      board_id: created.id,
      stack_id: stack,
      card_id: card.id,
    });
    const first = await ok('deck_create_card', {
      board_id: created.id,
      stack_id: todo.id,
      title: 'Write the plan',
      description: 'The **plan** for next quarter',
      duedate: '2027-01-15T12:00:00+00:00',
    });
    const second = await ok('deck_create_card', { board_id: created.id, stack_id: todo.id, title: 'Review' });
    return { board: created, todo, done, first, second, where };
  }

  it('creates a board with the default labels and lists it; only boards changed since a time', async () => {
    const { board: created } = await board();
    expect(created.labels.map((label: { title: string }) => label.title)).toEqual([
      'Finished',
      'To review',
      'Action needed',
      'Later',
    ]);
    expect(created.color).toBe('00aa00');
    const listed = await ok('deck_get_boards');
    expect(listed.boards.map((b: { id: number }) => b.id)).toContain(created.id);
    const future = await ok('deck_get_boards', { changed_since: '2099-01-01T00:00:00Z' });
    expect(future.boards).toEqual([]);
    const past = await ok('deck_get_boards', { changed_since: '2000-01-01T00:00:00Z' });
    expect(past.boards.map((b: { id: number }) => b.id)).toContain(created.id);
    const detail = await ok('deck_get_board', { board_id: created.id });
    expect(detail).toMatchObject({ id: created.id, owner: env.target.user, shared: false });
    expect(detail.users).toContain(env.target.user);
  });

  it('keeps what an update leaves out, and refuses one based on a stale etag', async () => {
    const { first, where } = await board();
    const before = await ok('deck_get_card', where(first));
    const renamed = await ok('deck_update_card', { ...where(first), title: 'Write the final plan' });
    expect(renamed).toMatchObject({
      title: 'Write the final plan',
      description: 'The **plan** for next quarter',
      order: before.order,
    });
    expect(Date.parse(renamed.duedate)).toBe(Date.parse('2027-01-15T12:00:00Z'));
    const stale = await call(env.client, 'deck_update_card', {
      ...where(first),
      title: 'X',
      etag: before.etag,
    });
    expect(stale.isError).toBe(true);
    expect(textOf(stale)).toContain('changed since you read it');
    expect((await ok('deck_get_card', where(first))).title).toBe('Write the final plan');
    const cleared = await ok('deck_update_card', {
      ...where(first),
      clear_duedate: true,
      etag: renamed.etag,
    });
    expect(cleared.duedate).toBeNull();
  });

  it('partitions cards into open, done and archived, and filters by label and assignee', async () => {
    const { board: b, todo, first, second, where } = await board();
    await ok('deck_update_card', { ...where(first), done: true });
    const label = b.labels.find((l: { title: string }) => l.title === 'Later');
    await ok('deck_assign_label_to_card', { ...where(second), label_id: label.id });
    await ok('deck_assign_user_to_card', { ...where(second), user_id: env.target.user });
    const third = await ok('deck_create_card', { board_id: b.id, stack_id: todo.id, title: 'Old idea' });
    await ok('deck_archive_card', where(third));

    const titles = async (args: Record<string, unknown>) =>
      (await ok('deck_get_cards', { board_id: b.id, stack_id: todo.id, ...args })).cards.map(
        (card: { title: string }) => card.title,
      );
    expect(await titles({})).toEqual(['Review']);
    expect(await titles({ status: 'done' })).toEqual(['Write the plan']);
    expect(await titles({ status: 'archived' })).toEqual(['Old idea']);
    expect((await titles({ status: 'all' })).sort()).toEqual(['Old idea', 'Review', 'Write the plan']);
    expect(await titles({ status: 'all', label: 'Later' })).toEqual(['Review']);
    expect(await titles({ status: 'all', assigned_to: env.target.user })).toEqual(['Review']);

    const overview = await ok('deck_get_board_overview', { board_id: b.id });
    expect(overview.stacks.map((s: { title: string }) => s.title)).toEqual(['To do', 'Done']);
    expect(overview.stacks[0].cards[0]).toMatchObject({
      title: 'Review',
      labels: ['Later'],
      assigned_to: [env.target.user],
      done: false,
    });
    expect(overview.labels).toHaveLength(4);
    const archived = await ok('deck_get_archived_stacks', { board_id: b.id });
    expect(archived.stacks).toHaveLength(1);
    expect(archived.stacks[0].cards.map((c: { title: string }) => c.title)).toEqual(['Old idea']);
    await ok('deck_unarchive_card', where(third));
    expect(await titles({})).toContain('Old idea');
  });

  it('manages labels, assignees and dependencies with readable refusals', async () => {
    const { board: b, first, second, where } = await board();
    const label = await ok('deck_create_label', { board_id: b.id, title: 'Urgent', color: 'ff0000' });
    const updated = await ok('deck_update_label', { board_id: b.id, label_id: label.id, color: '00ff00' });
    expect(updated).toMatchObject({ title: 'Urgent', color: '00ff00' });
    expect((await ok('deck_get_label', { board_id: b.id, label_id: label.id })).color).toBe('00ff00');
    const labelled = await ok('deck_assign_label_to_card', { ...where(first), label_id: label.id });
    expect(labelled.labels.map((l: { title: string }) => l.title)).toContain('Urgent');
    const unlabelled = await ok('deck_remove_label_from_card', { ...where(first), label_id: label.id });
    expect(unlabelled.labels).toEqual([]);
    await ok('deck_delete_label', { board_id: b.id, label_id: label.id });
    const labels = await ok('deck_get_labels', { board_id: b.id });
    expect(labels.labels.map((l: { title: string }) => l.title)).not.toContain('Urgent');

    const assigned = await ok('deck_assign_user_to_card', { ...where(first), user_id: env.target.user });
    expect(assigned.assigned_to).toEqual([env.target.user]);
    const twice = await call(env.client, 'deck_assign_user_to_card', {
      ...where(first),
      user_id: env.target.user,
    });
    expect(textOf(twice)).toContain('already assigned');
    const stranger = await call(env.client, 'deck_assign_user_to_card', {
      ...where(first),
      user_id: 'nobody-here',
    });
    expect(textOf(stranger)).toContain('not part of the board');
    expect(
      (await ok('deck_unassign_user_from_card', { ...where(first), user_id: env.target.user })).assigned_to,
    ).toEqual([]);

    const dependent = await ok('deck_assign_dependent_card', {
      ...where(first),
      dependent_card_id: second.id,
    });
    expect(dependent.dependent_cards.map((c: { id: number }) => c.id)).toEqual([second.id]);
    const freed = await ok('deck_remove_dependent_card', { ...where(first), dependent_card_id: second.id });
    expect(freed.dependent_cards).toEqual([]);
  });

  it('reorders within a board, refuses a cross-board reorder, and moves to another board with its labels', async () => {
    const { board: b, todo, done, first, second, where } = await board();
    const moved = await ok('deck_reorder_card', { ...where(second), order: 0, target_stack_id: done.id });
    expect(moved.stack_id).toBe(done.id);
    const other = await board();
    const across = await call(env.client, 'deck_reorder_card', {
      ...where(first),
      order: 0,
      target_stack_id: other.todo.id,
    });
    expect(textOf(across)).toContain('deck_move_card_to_board');
    expect((await ok('deck_get_card', where(first))).stack_id).toBe(todo.id);

    const urgent = await ok('deck_create_label', { board_id: b.id, title: 'Blocked', color: '123456' });
    await ok('deck_assign_label_to_card', { ...where(first), label_id: urgent.id });
    await ok('deck_update_card', { ...where(first), done: true });
    const relocated = await ok('deck_move_card_to_board', {
      ...where(first),
      target_board_id: other.board.id,
      target_stack_id: other.done.id,
    });
    expect(relocated).toMatchObject({ stack_id: other.done.id, title: 'Write the plan' });
    expect(relocated.done).not.toBeNull();
    const [label] = relocated.labels;
    expect(label.title).toBe('Blocked');
    const targetLabels = await ok('deck_get_labels', { board_id: other.board.id });
    expect(targetLabels.labels.map((l: { id: number }) => l.id)).toContain(label.id);
    const wrong = await call(env.client, 'deck_move_card_to_board', {
      ...other.where(relocated, other.done.id),
      target_board_id: b.id,
      target_stack_id: other.todo.id,
    });
    expect(textOf(wrong)).toContain(`is not on board ${b.id}`);
  });

  it('updates and deletes stacks and cards', async () => {
    const { board: b, todo, done, first, where } = await board();
    const renamed = await ok('deck_update_stack', { board_id: b.id, stack_id: todo.id, title: 'Backlog' });
    expect(renamed).toMatchObject({ title: 'Backlog', order: 1 });
    expect((await ok('deck_get_stack', { board_id: b.id, stack_id: todo.id })).card_count).toBe(2);
    await ok('deck_delete_card', where(first));
    const gone = await call(env.client, 'deck_get_card', where(first));
    expect(gone.isError).toBe(true);
    await ok('deck_delete_stack', { board_id: b.id, stack_id: done.id });
    const stacks = await ok('deck_get_stacks', { board_id: b.id });
    expect(stacks.stacks.map((s: { title: string }) => s.title)).toEqual(['Backlog']);
  });

  it('shows the labels of the cards of one stack, and filters them by label', async () => {
    const { board: b, todo, second, where } = await board();
    const label = b.labels.find((l: { title: string }) => l.title === 'To review');
    await ok('deck_assign_label_to_card', { ...where(second), label_id: label.id });
    // Deck's single-stack answer carries `labels: null` on its cards: they come from the board's stacks.
    const stack = await ok('deck_get_stack', { board_id: b.id, stack_id: todo.id });
    expect(stack.cards.find((c: { id: number }) => c.id === second.id).labels).toEqual(['To review']);
    const full = await ok('deck_get_cards', { board_id: b.id, stack_id: todo.id, detail: 'full' });
    const card = full.cards.find((c: { id: number }) => c.id === second.id);
    expect(card.labels.map((l: { title: string }) => l.title)).toEqual(['To review']);
    const filtered = await ok('deck_get_stack', { board_id: b.id, stack_id: todo.id, label: 'To review' });
    expect(filtered.cards.map((c: { id: number }) => c.id)).toEqual([second.id]);
  });

  it('refuses a card or stack addressed by a board or stack it is not on', async () => {
    const { board: b, todo, done, first, where } = await board();
    const other = await board();
    const wrongBoard = await call(env.client, 'deck_get_card', { ...where(first), board_id: other.board.id });
    expect(wrongBoard.isError).toBe(true);
    expect(textOf(wrongBoard)).toContain('not found');
    const wrongStack = await call(env.client, 'deck_get_card', where(first, done.id));
    expect(wrongStack.isError).toBe(true);
    expect(textOf(wrongStack)).toContain(`Card ${first.id} not found in stack ${done.id}`);
    const deleted = await call(env.client, 'deck_delete_card', { ...where(first), board_id: other.board.id });
    expect(deleted.isError).toBe(true);
    expect((await ok('deck_get_card', where(first))).title).toBe('Write the plan');
    const stack = await call(env.client, 'deck_get_stack', { board_id: other.board.id, stack_id: todo.id });
    expect(textOf(stack)).toContain(`Stack ${todo.id} not found on board ${other.board.id}`);
    expect((await ok('deck_get_stack', { board_id: b.id, stack_id: todo.id })).card_count).toBe(2);
  });

  it('leaves deleted boards out of the list, as the Deck UI does, and says so when one is read', async () => {
    const { board: gone } = await board();
    const { board: kept } = await board();
    const response = await fetch(`${env.target.url}/index.php/apps/deck/api/v1.0/boards/${gone.id}`, {
      method: 'DELETE',
      headers: {
        authorization: basicAuth(env.target.user, env.target.appPassword),
        'ocs-apirequest': 'true',
      },
    });
    expect(response.ok).toBe(true);
    for (const args of [{}, { include_archived: true }, { changed_since: '2000-01-01T00:00:00Z' }]) {
      const ids = (await ok('deck_get_boards', args)).boards.map((b: { id: number }) => b.id);
      expect(ids).toContain(kept.id);
      expect(ids).not.toContain(gone.id);
    }
    // By id, Deck itself refuses a board in its trash (BoardMapper::find skips deleted ones).
    const read = await call(env.client, 'deck_get_board', { board_id: gone.id });
    expect(read.isError).toBe(true);
    expect(textOf(read)).toContain(`Deck board ${gone.id}`);
  });
});

import { z } from 'zod';
import { InvalidInputError, PreconditionFailedError } from '../errors.js';
import { cardFields, DeckApi } from '../nextcloud/deck.js';
import { defineTool } from '../registry.js';
import { boardId, cardEtag, cardShape, cardView, cardWhere, stackId, title } from './deck-views.js';

/** Deck cards: read, write, archive and move; labels, assignees and dependencies are in deck-card-links.ts. */

const description = z.string().max(100_000).describe('Markdown description');
const duedate = z.iso.datetime({ offset: true }).describe('Due date and time, ISO 8601');
const order = z.number().int().min(0).max(100_000);
const type = z.string().trim().min(1).max(64).describe('Deck\'s card type; "plain" for an ordinary card');

const getCard = defineTool({
  name: 'deck_get_card',
  title: 'Get a card',
  description:
    'Get one Deck card in full: description, labels, assignees, due date, dependencies and its etag.',
  input: cardWhere,
  output: cardShape,
  hints: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async handler(args, { nc }) {
    return { structured: cardView(await new DeckApi(nc).card(args.board_id, args.stack_id, args.card_id)) };
  },
});

const createCard = defineTool({
  name: 'deck_create_card',
  title: 'Create a card',
  description: 'Create a card in a stack of a Deck board, with an optional description and due date.',
  input: {
    board_id: boardId,
    stack_id: stackId,
    title,
    description: description.optional(),
    duedate: duedate.optional(),
    order: order.default(999),
    type: type.default('plain'),
  },
  output: cardShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(args, { nc }) {
    const deck = new DeckApi(nc);
    const created = await deck.createCard(args.board_id, args.stack_id, {
      title: args.title,
      type: args.type,
      order: args.order,
      ...(args.description === undefined ? {} : { description: args.description }),
      ...(args.duedate === undefined ? {} : { duedate: args.duedate }),
    });
    return { structured: cardView(await deck.card(args.board_id, args.stack_id, created.id)) };
  },
});

const updateCard = defineTool({
  name: 'deck_update_card',
  title: 'Update a card',
  description:
    'Change a card: title, description, due date (or clear it), done, archived, order, type or owner. What you leave out is kept (Deck replaces whole cards, so the current card is read first). Pass the etag from deck_get_card to refuse the change if the card changed meanwhile.',
  input: {
    ...cardWhere,
    title: title.optional(),
    description: description.optional(),
    duedate: duedate.optional(),
    clear_duedate: z.boolean().default(false).describe('Remove the due date'),
    done: z
      .union([z.boolean(), z.iso.datetime({ offset: true, local: true })])
      .optional()
      .describe('Mark the card done (true, or the ISO 8601 time it was done) or not done (false)'),
    archived: z.boolean().optional().describe('Archive (true) or unarchive (false) the card'),
    order: order.optional(),
    type: type.optional(),
    owner: z.string().min(1).max(64).optional(),
    etag: z.string().min(1).max(200).optional().describe('The etag from deck_get_card'),
  },
  output: cardShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async handler(args, { nc }) {
    const deck = new DeckApi(nc);
    const current = await deck.card(args.board_id, args.stack_id, args.card_id);
    if (args.etag && args.etag !== cardEtag(current)) {
      throw new PreconditionFailedError(
        `Card ${args.card_id} changed since you read it (etag mismatch): read it again and retry`,
      );
    }
    // Deck refuses to change an archived card: one to unarchive is unarchived first, one to archive last.
    const unarchive = args.archived === false && current.archived;
    if (unarchive) await deck.archiveCard(args.board_id, args.stack_id, current, false);
    await deck.updateCard(args.board_id, args.stack_id, args.card_id, {
      ...cardFields(unarchive ? { ...current, archived: false } : current),
      title: args.title ?? current.title,
      type: args.type ?? current.type,
      ...(args.owner ? { owner: args.owner } : {}),
      description: args.description ?? current.description ?? '',
      order: args.order ?? current.order,
      duedate: args.clear_duedate ? null : (args.duedate ?? current.duedate ?? null),
      done: doneValue(args.done, current.done),
    });
    const updated = await deck.card(args.board_id, args.stack_id, args.card_id);
    if (args.archived !== true || updated.archived) return { structured: cardView(updated) };
    await deck.archiveCard(args.board_id, args.stack_id, updated, true);
    return { structured: cardView(await deck.card(args.board_id, args.stack_id, args.card_id)) };
  },
});

/** What Deck stores as `done`: a time, the one it had when already done, or null for not done. */
function doneValue(done: boolean | string | undefined, current: string | null | undefined): string | null {
  // A time without an offset is read as UTC (JavaScript would read it as the host's local time).
  if (typeof done === 'string')
    return new Date(/(Z|[+-]\d{2}:?\d{2})$/i.test(done) ? done : `${done}Z`).toISOString();
  if (done === undefined) return current ?? null;
  return done ? (current ?? new Date().toISOString()) : null;
}

const deleteCard = defineTool({
  name: 'deck_delete_card',
  title: 'Delete a card',
  description: "Delete a card from a Deck board (Deck keeps it in the board's deleted items for a while).",
  input: cardWhere,
  output: { deleted: z.boolean(), card_id: z.number() },
  hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async handler(args, { nc }) {
    const deck = new DeckApi(nc);
    // Deck deletes the card by its id alone: it must be where the caller says.
    await deck.card(args.board_id, args.stack_id, args.card_id);
    await deck.deleteCard(args.board_id, args.stack_id, args.card_id);
    return { structured: { deleted: true, card_id: args.card_id } };
  },
});

function archiving(archive: boolean) {
  return defineTool({
    name: archive ? 'deck_archive_card' : 'deck_unarchive_card',
    title: archive ? 'Archive a card' : 'Unarchive a card',
    description: archive
      ? 'Archive a Deck card: it leaves the active lists and shows under status "archived".'
      : 'Bring an archived Deck card back into its stack.',
    input: cardWhere,
    output: cardShape,
    hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
    async handler(args, { nc }) {
      const deck = new DeckApi(nc);
      const current = await deck.card(args.board_id, args.stack_id, args.card_id);
      await deck.archiveCard(args.board_id, args.stack_id, current, archive);
      return { structured: cardView(await deck.card(args.board_id, args.stack_id, args.card_id)) };
    },
  });
}

/** The stack ids of a board, to keep a move on the board the caller named. */
async function stackIds(deck: DeckApi, board: number): Promise<number[]> {
  return (await deck.stacks(board)).map((stack) => stack.id);
}

const reorder = defineTool({
  name: 'deck_reorder_card',
  title: 'Reorder or move a card within its board',
  description:
    'Move a card to a position in a stack of the same board (target_stack_id defaults to its stack). To move a card to another board use deck_move_card_to_board.',
  input: { ...cardWhere, order, target_stack_id: stackId.optional() },
  output: cardShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async handler(args, { nc }) {
    const deck = new DeckApi(nc);
    const target = args.target_stack_id ?? args.stack_id;
    if (target !== args.stack_id && !(await stackIds(deck, args.board_id)).includes(target)) {
      throw new InvalidInputError(
        `Stack ${target} is not on board ${args.board_id}; use deck_move_card_to_board to move a card to another board`,
      );
    }
    await deck.card(args.board_id, args.stack_id, args.card_id);
    await deck.reorderCard(args.board_id, args.card_id, target, args.order);
    return { structured: cardView(await deck.card(args.board_id, target, args.card_id)) };
  },
});

const move = defineTool({
  name: 'deck_move_card_to_board',
  title: 'Move a card to another board',
  description:
    'Move a card to a stack on another board. Deck maps its labels to same-titled labels there (creating them when missing); comments, attachments, assignees and due date stay. A done card stays done.',
  input: { ...cardWhere, target_board_id: boardId, target_stack_id: stackId, order: order.default(0) },
  aliases: { source_board_id: 'board_id', source_stack_id: 'stack_id' },
  output: cardShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async handler(args, { nc }) {
    const deck = new DeckApi(nc);
    if (!(await stackIds(deck, args.target_board_id)).includes(args.target_stack_id)) {
      throw new InvalidInputError(`Stack ${args.target_stack_id} is not on board ${args.target_board_id}`);
    }
    const current = await deck.card(args.board_id, args.stack_id, args.card_id);
    await deck.moveCard(current, {
      boardId: args.target_board_id,
      stackId: args.target_stack_id,
      order: args.order,
    });
    return {
      structured: cardView(await deck.card(args.target_board_id, args.target_stack_id, args.card_id)),
    };
  },
});

export const deckCardTools = [
  getCard,
  createCard,
  updateCard,
  deleteCard,
  archiving(true),
  archiving(false),
  reorder,
  move,
];

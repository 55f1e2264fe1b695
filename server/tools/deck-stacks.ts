import { z } from 'zod';
import { NotFoundError } from '../errors.js';
import { DeckApi, type DeckStack } from '../nextcloud/deck.js';
import { defineTool } from '../registry.js';
import {
  boardId,
  boardStacks,
  changedSince,
  filterShape,
  includeCards,
  lengthShape,
  needsArchived,
  stackId,
  stackShape,
  stackView,
  title,
} from './deck-views.js';

/** Deck stacks (the columns of a board) and the cards in them, filtered before they are shaped. */

const READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true } as const;

const getStacks = defineTool({
  name: 'deck_get_stacks',
  title: 'List the stacks of a board',
  description:
    'List the stacks of a Deck board with their cards as compact rows (detail="full" for whole cards), filtered by status (default open), label or assignee.',
  input: {
    board_id: boardId,
    ...filterShape,
    ...lengthShape,
    include_cards: includeCards,
    changed_since: changedSince.optional(),
  },
  output: { stacks: z.array(z.object(stackShape)) },
  hints: READ,
  async handler(args, { nc }) {
    const since = args.changed_since ? new Date(args.changed_since) : undefined;
    return { structured: { stacks: await boardStacks(new DeckApi(nc), args.board_id, args, since) } };
  },
});

const getStack = defineTool({
  name: 'deck_get_stack',
  title: 'Get a stack',
  description: 'Get one stack of a Deck board with its cards, filtered by status, label or assignee.',
  input: {
    board_id: boardId,
    stack_id: stackId,
    ...filterShape,
    ...lengthShape,
    include_cards: includeCards,
  },
  output: stackShape,
  hints: READ,
  async handler(args, { nc }) {
    const stack = await new DeckApi(nc).stack(args.board_id, args.stack_id, {
      archived: needsArchived(args),
    });
    return { structured: stackView(stack, args) };
  },
});

const getCards = defineTool({
  name: 'deck_get_cards',
  title: 'List the cards of a stack',
  description:
    'List the cards in one stack as compact rows (detail="full" for whole cards), filtered by status (default open), label or assignee.',
  input: { board_id: boardId, stack_id: stackId, ...filterShape, ...lengthShape },
  output: { cards: stackShape.cards },
  hints: READ,
  async handler(args, { nc }) {
    const stack = await new DeckApi(nc).stack(args.board_id, args.stack_id, {
      archived: needsArchived(args),
    });
    return { structured: { cards: stackView(stack, args).cards } };
  },
});

const getArchived = defineTool({
  name: 'deck_get_archived_stacks',
  title: 'List archived cards by stack',
  description:
    'List the stacks of a board that hold archived cards, with those cards (the active lists leave archived cards out).',
  input: {
    board_id: boardId,
    label: filterShape.label,
    assigned_to: filterShape.assigned_to,
    detail: filterShape.detail,
    ...lengthShape,
  },
  output: { stacks: z.array(z.object(stackShape)) },
  hints: READ,
  async handler(args, { nc }) {
    const stacks = await new DeckApi(nc).archivedStacks(args.board_id);
    const filter = { ...args, status: 'archived' as const };
    return {
      structured: {
        stacks: stacks.map((stack) => stackView(stack, filter)).filter((stack) => stack.card_count > 0),
      },
    };
  },
});

const stackResult = { id: z.number(), title: z.string(), order: z.number(), board_id: z.number() };
const stackOut = (stack: DeckStack) => ({
  id: stack.id,
  title: stack.title,
  order: stack.order,
  board_id: stack.boardId,
});

const createStack = defineTool({
  name: 'deck_create_stack',
  title: 'Create a stack',
  description: 'Create a stack (a column) on a Deck board; order sorts stacks left to right.',
  input: {
    board_id: boardId,
    title: title.max(100),
    order: z.number().int().min(0).max(100_000).default(999),
  },
  output: stackResult,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(args, { nc }) {
    const stack = await new DeckApi(nc).createStack(args.board_id, { title: args.title, order: args.order });
    return { structured: stackOut(stack) };
  },
});

const updateStack = defineTool({
  name: 'deck_update_stack',
  title: 'Update a stack',
  description: 'Rename a stack or change its order; what you leave out stays as it is.',
  input: {
    board_id: boardId,
    stack_id: stackId,
    title: title.max(100).optional(),
    order: z.number().int().min(0).max(100_000).optional(),
  },
  output: stackResult,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async handler(args, { nc }) {
    const deck = new DeckApi(nc);
    const current = await deck.stack(args.board_id, args.stack_id);
    if (current.boardId !== args.board_id)
      throw new NotFoundError(`Stack ${args.stack_id} not found on board ${args.board_id}`);
    const stack = await deck.updateStack(args.board_id, args.stack_id, {
      title: args.title ?? current.title,
      order: args.order ?? current.order,
    });
    return { structured: stackOut(stack) };
  },
});

const deleteStack = defineTool({
  name: 'deck_delete_stack',
  title: 'Delete a stack',
  description: 'Delete a stack and every card in it from a Deck board.',
  input: { board_id: boardId, stack_id: stackId },
  output: { deleted: z.boolean(), stack_id: z.number() },
  hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async handler(args, { nc }) {
    await new DeckApi(nc).deleteStack(args.board_id, args.stack_id);
    return { structured: { deleted: true, stack_id: args.stack_id } };
  },
});

export const deckStackTools = [
  getStacks,
  getStack,
  getCards,
  getArchived,
  createStack,
  updateStack,
  deleteStack,
];

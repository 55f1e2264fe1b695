import { z } from 'zod';
import { DeckApi } from '../nextcloud/deck.js';
import { defineTool } from '../registry.js';
import {
  boardId,
  boardShape,
  boardStacks,
  boardView,
  changedSince,
  color,
  filterShape,
  labelId,
  labelShape,
  labelView,
  lengthShape,
  stackShape,
  title,
} from './deck-views.js';

/** Deck boards and labels; stacks and cards are in deck-stacks.ts and deck-cards.ts. */

const READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true } as const;

const getBoards = defineTool({
  name: 'deck_get_boards',
  title: 'List Deck boards',
  description:
    'List the Deck boards you own or that are shared with you (deleted boards are left out, as in Deck). With changed_since, only boards changed after that time.',
  input: {
    changed_since: changedSince.optional(),
    include_archived: z.boolean().default(false).describe('Also list archived boards'),
  },
  output: { boards: z.array(z.object(boardShape)) },
  hints: READ,
  async handler(args, { nc }) {
    const since = args.changed_since ? new Date(args.changed_since) : undefined;
    const boards = await new DeckApi(nc).boards(since);
    return {
      structured: {
        boards: boards
          // Deck lists a deleted board until it purges it; its UI hides it, and so do these tools.
          .filter((board) => !board.deletedAt && (args.include_archived || !board.archived))
          .map((b) => boardView(b, nc.user)),
      },
    };
  },
});

const getBoard = defineTool({
  name: 'deck_get_board',
  title: 'Get a Deck board',
  description: 'Get one Deck board with its labels and members (and its sharing rules with include_acl).',
  input: {
    board_id: boardId,
    include_labels: z.boolean().default(true),
    include_users: z.boolean().default(true),
    include_acl: z
      .boolean()
      .default(true)
      .describe('Include who the board is shared with and their permissions'),
  },
  output: {
    ...boardShape,
    labels: z.array(z.object(labelShape)).optional(),
    users: z.array(z.string()).optional(),
    acl: z
      .array(z.object({ user: z.string(), edit: z.boolean(), share: z.boolean(), manage: z.boolean() }))
      .optional(),
  },
  hints: READ,
  async handler(args, { nc }) {
    const board = await new DeckApi(nc).board(args.board_id);
    return {
      structured: {
        ...boardView(board, nc.user),
        ...(args.include_labels ? { labels: (board.labels ?? []).map(labelView) } : {}),
        ...(args.include_users ? { users: (board.users ?? []).map((user) => user.uid) } : {}),
        ...(args.include_acl
          ? {
              acl: (board.acl ?? []).map((rule) => ({
                user: rule.participant.uid,
                edit: rule.permissionEdit,
                share: rule.permissionShare,
                manage: rule.permissionManage,
              })),
            }
          : {}),
      },
    };
  },
});

const overview = defineTool({
  name: 'deck_get_board_overview',
  title: 'Overview of a Deck board',
  description:
    'The whole board in one call: title, label legend and every stack with compact card rows, filtered by status, label or assignee. Prefer this for "show me the board"; use deck_get_card for one card in full.',
  input: {
    board_id: boardId,
    status: filterShape.status,
    label: filterShape.label,
    assigned_to: filterShape.assigned_to,
    description_preview_length: lengthShape.description_preview_length,
  },
  output: {
    board: z.object(boardShape),
    labels: z.array(z.object(labelShape)),
    stacks: z.array(z.object(stackShape)),
  },
  hints: READ,
  async handler(args, { nc }) {
    const deck = new DeckApi(nc);
    const filter = { ...args, detail: 'summary' as const };
    const [board, stacks] = await Promise.all([
      deck.board(args.board_id),
      boardStacks(deck, args.board_id, filter),
    ]);
    return {
      structured: {
        board: boardView(board, nc.user),
        labels: (board.labels ?? []).map(labelView),
        stacks,
      },
    };
  },
});

const createBoard = defineTool({
  name: 'deck_create_board',
  title: 'Create a Deck board',
  description: 'Create a Deck board with a title and a colour; Deck adds its four default labels.',
  input: { title: title.max(100), color },
  output: { ...boardShape, labels: z.array(z.object(labelShape)) },
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(args, { nc }) {
    const board = await new DeckApi(nc).createBoard(args);
    return { structured: { ...boardView(board, nc.user), labels: (board.labels ?? []).map(labelView) } };
  },
});

const getLabels = defineTool({
  name: 'deck_get_labels',
  title: 'List the labels of a board',
  description:
    'List the labels defined on a Deck board (labels belong to a board and can be put on its cards).',
  input: { board_id: boardId },
  output: { labels: z.array(z.object(labelShape)) },
  hints: READ,
  async handler(args, { nc }) {
    const board = await new DeckApi(nc).board(args.board_id);
    return { structured: { labels: (board.labels ?? []).map(labelView) } };
  },
});

const getLabel = defineTool({
  name: 'deck_get_label',
  title: 'Get a label',
  description: 'Get one label of a Deck board by its id: its title and colour.',
  input: { board_id: boardId, label_id: labelId },
  output: labelShape,
  hints: READ,
  async handler(args, { nc }) {
    return { structured: labelView(await new DeckApi(nc).label(args.board_id, args.label_id)) };
  },
});

const createLabel = defineTool({
  name: 'deck_create_label',
  title: 'Create a label',
  description: 'Create a label on a Deck board; titles are unique per board.',
  input: { board_id: boardId, title: title.max(100), color },
  output: labelShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(args, { nc }) {
    const label = await new DeckApi(nc).createLabel(args.board_id, { title: args.title, color: args.color });
    return { structured: labelView(label) };
  },
});

const updateLabel = defineTool({
  name: 'deck_update_label',
  title: 'Update a label',
  description: "Change a label's title or colour; what you leave out stays as it is.",
  input: { board_id: boardId, label_id: labelId, title: title.max(100).optional(), color: color.optional() },
  output: labelShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async handler(args, { nc }) {
    const deck = new DeckApi(nc);
    const current = await deck.label(args.board_id, args.label_id);
    const label = await deck.updateLabel(args.board_id, args.label_id, {
      title: args.title ?? current.title,
      color: args.color ?? current.color,
    });
    return { structured: labelView(label) };
  },
});

const deleteLabel = defineTool({
  name: 'deck_delete_label',
  title: 'Delete a label',
  description: 'Delete a label from a Deck board; it disappears from every card that had it.',
  input: { board_id: boardId, label_id: labelId },
  output: { deleted: z.boolean(), label_id: z.number() },
  hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async handler(args, { nc }) {
    await new DeckApi(nc).deleteLabel(args.board_id, args.label_id);
    return { structured: { deleted: true, label_id: args.label_id } };
  },
});

export const deckBoardTools = [
  getBoards,
  getBoard,
  overview,
  createBoard,
  getLabels,
  getLabel,
  createLabel,
  updateLabel,
  deleteLabel,
];

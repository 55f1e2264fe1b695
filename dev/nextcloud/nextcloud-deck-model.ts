import { md5, type RequestContext } from './nextcloud.js';

/** A Deck REST error: answered as `{status, message}` with that HTTP status. */
export class DeckHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
export const fail = (status: number, message: string): never => {
  throw new DeckHttpError(status, message);
};

/** The Deck stand-in's data; ids come from one counter, as the app's tables share none. */
export interface DeckState {
  boards: Map<
    number,
    {
      id: number;
      title: string;
      color: string;
      owner: string;
      archived: boolean;
      deletedAt: number;
      lastModified: number;
    }
  >;
  /** board id → users the board is shared with (besides its owner) */
  acl: Map<number, string[]>;
  stacks: Map<
    number,
    {
      id: number;
      title: string;
      boardId: number;
      order: number;
      deletedAt: number;
      lastModified: number;
    }
  >;
  cards: Map<number, DeckCard>;
  labels: Map<number, { id: number; title: string; color: string; boardId: number }>;
  comments: Map<
    number,
    {
      id: number;
      cardId: number;
      message: string;
      actorId: string;
      creationDateTime: string;
      parentId: number | null;
    }
  >;
  attachments: Map<
    number,
    {
      id: number;
      cardId: number;
      type: 'deck_file';
      data: string;
      createdBy: string;
      createdAt: number;
      deletedAt: number;
    }
  >;
  nextId: number;
  /**
   * The Deck version this stand-in answers as (its capability too): routes a version lacks answer
   * 404, and before 1.14 (Nextcloud 29) the web UI's routes fail the CSRF check with 412.
   */
  version: string;
}

/** The newest Deck release, which the stand-in answers as unless a test sets another. */
export const DECK_CURRENT = '1.18.3';

/** Whether the stand-in's Deck is at least `wanted` (major.minor). */
export function deckAtLeast(deck: DeckState, wanted: string): boolean {
  const [major = 0, minor = 0] = deck.version.split('.').map(Number);
  const [wantMajor = 0, wantMinor = 0] = wanted.split('.').map(Number);
  return major !== wantMajor ? major > wantMajor : minor >= wantMinor;
}

/** Deck's capability as `cloud/capabilities` lists it. */
export const deckCapability = (deck: DeckState) => ({
  version: deck.version,
  canCreateBoards: true,
  apiVersions: ['1.0', '1.1'],
});

export interface DeckCard {
  id: number;
  title: string;
  description: string;
  stackId: number;
  type: string;
  owner: string;
  order: number;
  archived: boolean;
  done: string | null;
  duedate: string | null;
  createdAt: number;
  lastModified: number;
  deletedAt: number;
  labels: Set<number>;
  assigned: string[];
  dependencies: number[];
}

export const newDeck = (): DeckState => ({
  boards: new Map(),
  acl: new Map(),
  stacks: new Map(),
  cards: new Map(),
  labels: new Map(),
  comments: new Map(),
  attachments: new Map(),
  nextId: 1,
  version: DECK_CURRENT,
});

export const now = () => Math.floor(Date.now() / 1000);
export const person = (uid: string) => ({ primaryKey: uid, uid, displayname: uid });

export const members = (ctx: RequestContext, boardId: number) => {
  const board = ctx.standin.deck.boards.get(boardId);
  return board ? [board.owner, ...(ctx.standin.deck.acl.get(boardId) ?? [])] : [];
};
export const canSee = (ctx: RequestContext, boardId: number) => members(ctx, boardId).includes(ctx.user);
export const stacksOf = (deck: DeckState, boardId: number) =>
  [...deck.stacks.values()]
    .filter((stack) => stack.boardId === boardId && !stack.deletedAt)
    .sort((a, b) => a.order - b.order);
export const labelsOf = (deck: DeckState, boardId: number) =>
  [...deck.labels.values()].filter((label) => label.boardId === boardId);
export const labelJson = (deck: DeckState, id: number) => ({ ...deck.labels.get(id), cardId: null });

/** A change to an entity changes its ETag and those of its parents, as Deck's ChangeHelper does. */
export function touch(deck: DeckState, kind: 'board' | 'stack' | 'card', id: number): void {
  const time = now();
  if (kind === 'card') {
    const card = deck.cards.get(id);
    if (!card) return;
    card.lastModified = time;
    return touch(deck, 'stack', card.stackId);
  }
  if (kind === 'stack') {
    const stack = deck.stacks.get(id);
    if (!stack) return;
    stack.lastModified = time;
    return touch(deck, 'board', stack.boardId);
  }
  const board = deck.boards.get(id);
  if (board) {
    board.lastModified = time;
  }
}

export function etagOf(deck: DeckState, kind: 'board' | 'stack' | 'card', id: number): string {
  const entity =
    kind === 'board' ? deck.boards.get(id) : kind === 'stack' ? deck.stacks.get(id) : deck.cards.get(id);
  // As Deck's entities do: md5 of the last change in whole seconds (two changes in one second share it).
  return md5(String(entity?.lastModified ?? 0));
}

export function boardJson(ctx: RequestContext, id: number, details: boolean) {
  const deck = ctx.standin.deck;
  const board = deck.boards.get(id);
  if (!board) return undefined;
  const { owner, ...rest } = board;
  return {
    ...rest,
    owner: person(owner),
    labels: details ? labelsOf(deck, id).map((label) => labelJson(deck, label.id)) : [],
    acl: [],
    permissions: {
      PERMISSION_READ: true,
      PERMISSION_EDIT: true,
      PERMISSION_MANAGE: true,
      PERMISSION_SHARE: true,
    },
    users: details ? members(ctx, id).map(person) : [],
    shared: owner === ctx.user ? 0 : 1,
    ETag: etagOf(deck, 'board', id),
    settings: { 'notify-due': 'off', calendar: true },
  };
}

/**
 * A stack with its cards. Alone (`single`), as Deck's StackService::find sends it: its cards carry
 * `labels: null`, as they do in every Deck up to current main (only the board's stack lists and
 * the card itself carry them).
 */
export function stackJson(ctx: RequestContext, id: number, archived: boolean, single = false) {
  const deck = ctx.standin.deck;
  const stack = deck.stacks.get(id);
  if (!stack) return undefined;
  const rest = stack;
  const cards = [...deck.cards.values()]
    .filter((card) => card.stackId === id && !card.deletedAt && card.archived === archived)
    .sort((a, b) => a.order - b.order);
  const json = cards.map((card) => ({ ...cardJson(ctx, card.id), ...(single ? { labels: null } : {}) }));
  return { ...rest, cards: json, ETag: etagOf(deck, 'stack', id) };
}

export function cardJson(ctx: RequestContext, id: number) {
  const deck = ctx.standin.deck;
  const card = deck.cards.get(id);
  if (!card) return undefined;
  const { labels, assigned, dependencies, owner, ...rest } = card;
  const comments = [...deck.comments.values()].filter((comment) => comment.cardId === id);
  const shares = [...ctx.standin.ocs.shares.values()].filter(
    (share) => share.share_type === 12 && share.share_with === String(id),
  );
  return {
    ...rest,
    labels: [...labels].map((labelId) => ({ ...deck.labels.get(labelId), cardId: id })),
    assignedUsers: assigned.map((uid, index) => ({
      id: index + 1,
      participant: person(uid),
      cardId: id,
      type: 0,
    })),
    dependentCards: dependencies.map((depId) => ({ id: depId, title: deck.cards.get(depId)?.title ?? '' })),
    owner: person(owner),
    attachments: null,
    attachmentCount:
      shares.length + [...deck.attachments.values()].filter((a) => a.cardId === id && !a.deletedAt).length,
    commentsCount: comments.length,
    commentsUnread: 0,
    overdue: card.duedate && Date.parse(card.duedate) < Date.now() ? 3 : 0,
    ETag: etagOf(deck, 'card', id),
  };
}

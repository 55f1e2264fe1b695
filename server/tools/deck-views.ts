import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { DeckApi, DeckBoard, DeckCard, DeckLabel, DeckStack } from '../nextcloud/deck.js';

/** What the Deck tools share: id arguments, card filters and the compact shapes results use. */
export const id = (what: string) =>
  z.number().int().min(1).max(2_147_483_647).describe(`The numeric id of the ${what}`);
export const boardId = id('board');
export const stackId = id('stack');
export const cardId = id('card');
export const labelId = id('label');

/** Where a card is: Deck's REST paths name its board and stack. */
export const cardWhere = { board_id: boardId, stack_id: stackId, card_id: cardId };
export type CardWhere = { board_id: number; stack_id: number; card_id: number };
export const title = z.string().trim().min(1).max(255);
export const color = z
  .string()
  .regex(/^#?[0-9a-fA-F]{6}$/, 'a hex colour such as ff0000')
  .transform((value) => value.replace(/^#/, '').toLowerCase())
  .describe('Hex colour without #, e.g. ff0000');
export const changedSince = z.iso
  .datetime({ offset: true })
  .describe("Only what changed after this time (ISO 8601), via Deck's If-Modified-Since");

/** Filters applied before anything is shaped, so large boards stay small in the answer. */
export const filterShape = {
  status: z
    .enum(['open', 'done', 'archived', 'all'])
    .default('open')
    .describe('open, done and archived partition the cards (an archived done card counts as archived)'),
  label: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe('Only cards carrying a label with exactly this title'),
  assigned_to: z.string().min(1).max(64).optional().describe('Only cards assigned to this user id'),
  detail: z
    .enum(['summary', 'full'])
    .default('summary')
    .describe('summary: compact rows with a description preview; full: every field of each card'),
};
/** How much of each description a listing carries (the Python server's knobs and defaults). */
export const lengthShape = {
  description_max_length: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .optional()
    .describe('With detail="full": cut each description after this many characters'),
  description_preview_length: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(140)
    .describe('With detail="summary": characters of description in each preview'),
};
export const includeCards = z.boolean().default(true).describe('false: the stacks without their cards');
export type CardFilter = z.output<z.ZodObject<typeof filterShape>> &
  Partial<z.output<z.ZodObject<typeof lengthShape>>> & { readonly include_cards?: boolean };

export const labelShape = { id: z.number(), title: z.string(), color: z.string() };
export const cardSummaryShape = {
  id: z.number(),
  title: z.string(),
  stack_id: z.number(),
  labels: z.array(z.string()),
  assigned_to: z.array(z.string()),
  duedate: z.string().nullable(),
  done: z.boolean(),
  archived: z.boolean(),
  description_preview: z.string(),
};
export const cardShape = {
  id: z.number(),
  title: z.string(),
  description: z.string(),
  stack_id: z.number(),
  owner: z.string(),
  order: z.number(),
  labels: z.array(z.object(labelShape)),
  assigned_to: z.array(z.string()),
  duedate: z.string().nullable(),
  done: z.string().nullable().describe('When the card was marked done, or null'),
  archived: z.boolean(),
  created_at: z.string(),
  last_modified: z.string(),
  attachment_count: z.number(),
  comment_count: z.number(),
  dependent_cards: z.array(z.object({ id: z.number(), title: z.string() })),
  etag: z.string().describe('Pass to deck_update_card to refuse the update if the card changed'),
};
export const anyCard = z.union([z.object(cardShape), z.object(cardSummaryShape)]);
export const stackShape = {
  id: z.number(),
  title: z.string(),
  order: z.number(),
  card_count: z.number(),
  cards: z.array(anyCard),
};
export const boardShape = {
  id: z.number(),
  title: z.string(),
  color: z.string(),
  archived: z.boolean(),
  owner: z.string(),
  shared: z.boolean().describe('True when someone else owns the board and shares it with you'),
};

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
const uid = (user: DeckCard['owner']) => (typeof user === 'string' ? user : user.uid);

export const labelView = (label: DeckLabel) => ({ id: label.id, title: label.title, color: label.color });

/** `text` cut after `length` characters, marked with an ellipsis when cut. */
const cut = (text: string, length: number) => (text.length > length ? `${text.slice(0, length)}…` : text);

export function cardSummary(
  card: DeckCard,
  previewLength = 140,
): z.output<z.ZodObject<typeof cardSummaryShape>> {
  const description = (card.description ?? '').replace(/\s+/g, ' ').trim();
  return {
    id: card.id,
    title: card.title,
    stack_id: card.stackId,
    labels: (card.labels ?? []).map((label) => label.title),
    assigned_to: (card.assignedUsers ?? []).map((user) => user.participant.uid),
    duedate: card.duedate ?? null,
    done: Boolean(card.done),
    archived: card.archived,
    description_preview: cut(description, previewLength),
  };
}

export function cardView(card: DeckCard, maxLength?: number): z.output<z.ZodObject<typeof cardShape>> {
  const description = card.description ?? '';
  return {
    id: card.id,
    title: card.title,
    description: maxLength === undefined ? description : cut(description, maxLength),
    stack_id: card.stackId,
    owner: uid(card.owner),
    order: card.order,
    labels: (card.labels ?? []).map(labelView),
    assigned_to: (card.assignedUsers ?? []).map((user) => user.participant.uid),
    duedate: card.duedate ?? null,
    done: card.done ?? null,
    archived: card.archived,
    created_at: iso(card.createdAt),
    last_modified: iso(card.lastModified),
    attachment_count: card.attachmentCount ?? 0,
    comment_count: card.commentsCount ?? 0,
    dependent_cards: (card.dependentCards ?? []).map((dep) => ({ id: dep.id, title: dep.title ?? '' })),
    etag: cardEtag(card),
  };
}

/**
 * A version tag of a card's content. Deck's own ETag is md5 of the last change in whole seconds,
 * so it misses a second change within the same second; this one changes with any field.
 */
export function cardEtag(card: DeckCard): string {
  // Counters and `overdue` move without the card being edited; they do not make it a new version.
  const {
    ETag: _etag,
    commentsCount: _c,
    attachmentCount: _a,
    overdue: _o,
    commentsUnread: _u,
    ...content
  } = card as DeckCard & { overdue?: unknown; commentsUnread?: unknown };
  return createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 32);
}

export function boardView(board: DeckBoard, user: string): z.output<z.ZodObject<typeof boardShape>> {
  return {
    id: board.id,
    title: board.title,
    color: board.color,
    archived: board.archived,
    owner: board.owner.uid,
    shared: board.owner.uid !== user,
  };
}

/** Which partition a card is in: archived wins over done, so the three never overlap. */
function statusOf(card: DeckCard): 'open' | 'done' | 'archived' {
  return card.archived ? 'archived' : card.done ? 'done' : 'open';
}

export function matches(
  card: DeckCard,
  filter: Pick<CardFilter, 'status' | 'label' | 'assigned_to'>,
): boolean {
  return (
    (filter.status === 'all' || statusOf(card) === filter.status) &&
    (!filter.label || (card.labels ?? []).some((label) => label.title === filter.label)) &&
    (!filter.assigned_to ||
      (card.assignedUsers ?? []).some((user) => user.participant.uid === filter.assigned_to))
  );
}

/** A stack with its cards filtered and shaped. */
export function stackView(stack: DeckStack, filter: CardFilter) {
  const cards = [...(stack.cards ?? [])]
    .filter((card) => matches(card, filter))
    .sort((a, b) => a.order - b.order);
  return {
    id: stack.id,
    title: stack.title,
    order: stack.order,
    card_count: cards.length,
    cards:
      filter.include_cards === false
        ? []
        : cards.map((card) =>
            filter.detail === 'full'
              ? cardView(card, filter.description_max_length)
              : cardSummary(card, filter.description_preview_length),
          ),
  };
}

/** Whether a status filter needs the archived cards, which only /stacks/archived returns. */
export const needsArchived = (filter: Pick<CardFilter, 'status'>) =>
  filter.status === 'archived' || filter.status === 'all';

/** A board's stacks with their cards filtered and shaped, archived ones merged in when the status asks. */
export async function boardStacks(deck: DeckApi, board: number, filter: CardFilter, changedSince?: Date) {
  const stacks = await deck.stacks(board, {
    archived: needsArchived(filter),
    ...(changedSince ? { changedSince } : {}),
  });
  return stacks.map((stack) => stackView(stack, filter));
}

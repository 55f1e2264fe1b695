import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { capabilities } from './capabilities.js';
import { headerValue, type NcResponse, type NextcloudClient, parseAnswer } from './client.js';
import {
  AttachmentSchema,
  BoardSchema,
  CardSchema,
  type DeckAttachment,
  type DeckBoard,
  type DeckCard,
  type DeckLabel,
  type DeckStack,
  Ignored,
  LabelSchema,
  StackSchema,
} from './deck-answers.js';

export type { DeckAttachment, DeckBoard, DeckCard, DeckLabel, DeckStack };

/**
 * Deck's REST API (docs/API.md of nextcloud/deck); v1.1 lists every attachment type. Only the API
 * is used: the web UI's routes (/index.php/apps/deck/cards/...) fail Nextcloud's CSRF check (412)
 * for an API client on Nextcloud 29, and the API's card update and reorder take the stack from
 * their URL, so a card moves by naming its target stack there.
 */
const API = '/index.php/apps/deck/api/v1.0';
const API_V11 = '/index.php/apps/deck/api/v1.1';
/** Deck's comments API is OCS. */

/**
 * What came after the oldest Deck the tools serve (1.13, Nextcloud 29), with the release it came
 * in (appinfo/routes.php and CHANGELOG.md of nextcloud/deck).
 */
const SINCE = {
  /** The API's archive and unarchive routes. */
  archiveRoute: '1.15',
  /** CardService::update maps a moved card's labels to the target board's. */
  labelsFollowMoves: '1.15',
  /** Dependent cards. */
  dependencies: '1.18',
} as const;
export type DeckFeature = keyof typeof SINCE;

/** Where Deck reports its version in the capabilities. */
const DeckCapability = z.looseObject({ deck: z.looseObject({ version: z.string() }) });

/** Answers that carried an ETag, per credential and URL, revalidated with `If-None-Match`. */
const conditional = new LRUCache<string, { etag: string; data: unknown; size: number }>({
  max: 500,
  // Bounded by the bytes Deck sent, so a few huge boards cannot hold the process's memory.
  maxSize: 32 * 1024 * 1024,
  sizeCalculation: (entry) => Math.max(1, entry.size),
  ttl: 10 * 60_000,
});

/**
 * The Deck API for one caller. Reads of boards, a board, a stack and a card are conditional: a
 * repeated read sends the ETag it got and takes a 304 as "unchanged", so a model browsing a large
 * board does not pull it again. Lists of stacks carry no ETag of their own; they are revalidated
 * through their board's, which changes with any card on it.
 *
 * Deck's ETags are md5 of a last-modified time in whole seconds, so two changes within one second
 * share one. An answer is therefore kept only once it is settled: its newest `lastModified` is at
 * least a second older than the answer (by Nextcloud's own `Date`), so any later change moves the ETag.
 */
export class DeckApi {
  constructor(readonly nc: NextcloudClient) {}

  /**
   * The Deck version Nextcloud reports (`capabilities.deck.version`), or undefined where it reports
   * none; the capabilities are read once per caller for a few minutes (capabilities.ts).
   */
  async version(): Promise<string | undefined> {
    let reported: unknown;
    try {
      reported = (await capabilities(this.nc)).capabilities;
    } catch {
      // Then every route is tried, and Deck's own answer tells what it lacks.
      return undefined;
    }
    return DeckCapability.safeParse(reported).data?.deck.version;
  }

  /** Whether this Deck has a feature; a Deck that does not tell its version is taken to have all. */
  async supports(feature: DeckFeature): Promise<boolean> {
    const version = await this.version();
    return version === undefined || atLeast(version, SINCE[feature]);
  }

  /** Refuses, saying why, what this Deck cannot do; `what` names it ("Card dependencies"). */
  async require(feature: DeckFeature, what: string): Promise<void> {
    if (await this.supports(feature)) return;
    throw new InvalidInputError(
      `${what} need Deck ${SINCE[feature]} or later; this Nextcloud has Deck ${await this.version()}`,
    );
  }

  /**
   * A GET of the API that reuses the cached answer when Deck says it did not change. The cache
   * holds checked answers, and each URL is read with one schema, so a hit needs no new check.
   */
  private async read<S extends z.ZodType>(
    schema: S,
    path: string,
    what: string,
    options: { changedSince?: Date; v11?: boolean; revalidate?: boolean } = {},
  ): Promise<{ data: z.output<S>; etag: string | undefined; size: number }> {
    const url = `${options.v11 ? API_V11 : API}${path}`;
    const since = options.changedSince?.toUTCString();
    const cacheKey = `${this.nc.cacheKey} ${url} ${since ?? ''}`;
    const cached = options.revalidate === false ? undefined : conditional.get(cacheKey);
    const response = await this.nc.send({
      method: 'GET',
      path: url,
      headers: {
        accept: 'application/json',
        ...(cached ? { 'if-none-match': `"${cached.etag}"` } : {}),
        ...(since ? { 'if-modified-since': since } : {}),
      },
      what,
      accept: [304],
    });
    if (response.status === 304 && cached)
      return { data: cached.data as z.output<S>, etag: cached.etag, size: cached.size };
    const data = parseAnswer(response, schema, what);
    const size = response.body.length;
    const tag = headerValue(response.headers, 'etag')?.replaceAll('"', '');
    const etag = tag && options.revalidate !== false && settled(data, response) ? tag : undefined;
    if (etag) conditional.set(cacheKey, { etag, data, size });
    return { data, etag, size };
  }

  /** A write to the REST API (`v11` for attachments). */
  private async write<S extends z.ZodType>(
    schema: S,
    method: 'POST' | 'PUT' | 'DELETE',
    path: string,
    what: string,
    json?: unknown,
    base: 'api' | 'v11' = 'api',
  ): Promise<z.output<S>> {
    const answer = await this.nc.json({
      method,
      path: `${base === 'v11' ? API_V11 : API}${path}`,
      what,
      schema,
      ...(json === undefined ? {} : { json }),
    });
    return answer.data;
  }

  async boards(changedSince?: Date): Promise<DeckBoard[]> {
    const what = 'The Deck boards';
    return (await this.read(z.array(BoardSchema), '/boards', what, changedSince ? { changedSince } : {}))
      .data;
  }

  async board(boardId: number): Promise<DeckBoard> {
    return (await this.boardRead(boardId)).data;
  }

  private boardRead(boardId: number) {
    return this.read(BoardSchema, `/boards/${boardId}`, `Deck board ${boardId}`);
  }

  createBoard(board: { title: string; color: string }): Promise<DeckBoard> {
    return this.write(BoardSchema, 'POST', '/boards', 'A new Deck board', board);
  }

  async label(boardId: number, labelId: number): Promise<DeckLabel> {
    return (await this.read(LabelSchema, labelPath(boardId, labelId), `Label ${labelId}`)).data;
  }

  createLabel(boardId: number, label: { title: string; color: string }): Promise<DeckLabel> {
    const what = `A new label on board ${boardId}`;
    return this.write(LabelSchema, 'POST', `/boards/${boardId}/labels`, what, label);
  }

  updateLabel(boardId: number, labelId: number, label: { title: string; color: string }) {
    return this.write(LabelSchema, 'PUT', labelPath(boardId, labelId), `Label ${labelId}`, label);
  }

  async deleteLabel(boardId: number, labelId: number): Promise<void> {
    await this.write(Ignored, 'DELETE', labelPath(boardId, labelId), `Label ${labelId}`);
  }

  /**
   * Active stacks with their unarchived cards, reused while the board's ETag stays the same; with
   * `archived`, each stack also carries its archived cards (only /stacks/archived lists them).
   */
  async stacks(boardId: number, options: { changedSince?: Date; archived?: boolean } = {}) {
    const [stacks, archived] = await Promise.all([
      this.activeStacks(boardId, options.changedSince),
      options.archived ? this.archivedStacks(boardId) : Promise.resolve([]),
    ]);
    return options.archived ? stacks.map((stack) => withArchived(stack, archived)) : stacks;
  }

  private async activeStacks(boardId: number, changedSince?: Date): Promise<DeckStack[]> {
    const what = `The stacks of Deck board ${boardId}`;
    const schema = z.array(StackSchema);
    if (changedSince)
      return (await this.read(schema, `/boards/${boardId}/stacks`, what, { changedSince })).data;
    const boardTag = (await this.boardRead(boardId)).etag;
    const cacheKey = `${this.nc.cacheKey} stacks ${boardId}`;
    const cached = conditional.get(cacheKey);
    if (boardTag && cached?.etag === boardTag) return cached.data as DeckStack[];
    const { data, size } = await this.read(schema, `/boards/${boardId}/stacks`, what);
    if (boardTag) conditional.set(cacheKey, { etag: boardTag, data, size });
    return data;
  }

  /** Stacks carrying the board's archived cards (the only list that has them). */
  async archivedStacks(boardId: number): Promise<DeckStack[]> {
    const path = `/boards/${boardId}/stacks/archived`;
    return (await this.read(z.array(StackSchema), path, `The archived cards of board ${boardId}`)).data;
  }

  /**
   * One stack of a board; with `archived`, its archived cards too. Taken from the board's list of
   * stacks: Deck's single-stack answer sends its cards with `labels: null` (StackService::find does
   * not load them, up to current main), and it does not check the board in its URL.
   */
  async stack(boardId: number, stackId: number, options: { archived?: boolean } = {}): Promise<DeckStack> {
    const stack = (await this.stacks(boardId, options)).find((candidate) => candidate.id === stackId);
    if (!stack) throw new NotFoundError(`Stack ${stackId} not found on board ${boardId}`);
    return stack;
  }

  createStack(boardId: number, stack: { title: string; order: number }): Promise<DeckStack> {
    const what = `A new stack on board ${boardId}`;
    return this.write(StackSchema, 'POST', `/boards/${boardId}/stacks`, what, stack);
  }

  updateStack(boardId: number, stackId: number, stack: { title: string; order: number }) {
    return this.write(StackSchema, 'PUT', `/boards/${boardId}/stacks/${stackId}`, `Stack ${stackId}`, stack);
  }

  async deleteStack(boardId: number, stackId: number): Promise<void> {
    await this.write(Ignored, 'DELETE', `/boards/${boardId}/stacks/${stackId}`, `Stack ${stackId}`);
  }

  /**
   * A card where the caller says it is. Deck finds a card by its id alone, whatever board and stack
   * its URL names, so both are checked here: the card must be in that stack, the stack on that board.
   */
  async card(boardId: number, stackId: number, cardId: number): Promise<DeckCard> {
    const [card, stack] = await Promise.all([
      this.read(CardSchema, cardPath(boardId, stackId, cardId), `Deck card ${cardId}`),
      this.read(StackSchema, `/boards/${boardId}/stacks/${stackId}`, `Deck stack ${stackId}`),
    ]);
    if (stack.data.boardId !== boardId)
      throw new NotFoundError(`Stack ${stackId} not found on board ${boardId}`);
    if (card.data.stackId !== stackId)
      throw new NotFoundError(`Card ${cardId} not found in stack ${stackId} on board ${boardId}`);
    return card.data;
  }

  createCard(boardId: number, stackId: number, card: Record<string, unknown>): Promise<DeckCard> {
    const what = `A new card in stack ${stackId}`;
    return this.write(CardSchema, 'POST', `/boards/${boardId}/stacks/${stackId}/cards`, what, card);
  }

  /** Replaces a card's fields (Deck takes whole cards: what is left out is cleared). */
  async updateCard(boardId: number, stackId: number, cardId: number, card: Record<string, unknown>) {
    await this.write(Ignored, 'PUT', cardPath(boardId, stackId, cardId), `Card ${cardId}`, card);
  }

  async deleteCard(boardId: number, stackId: number, cardId: number): Promise<void> {
    await this.write(Ignored, 'DELETE', cardPath(boardId, stackId, cardId), `Card ${cardId}`);
  }

  /**
   * Archives or unarchives a card (`current`, as read from `boardId`/`stackId`). Deck has the API
   * route from 1.15; before, the card update takes `archived` (and refuses to archive an archived
   * card), so a card already in that state is left as it is.
   */
  async archiveCard(boardId: number, stackId: number, current: DeckCard, archive: boolean): Promise<void> {
    if (current.archived === archive) return;
    const path = cardPath(boardId, stackId, current.id);
    if (await this.supports('archiveRoute'))
      await this.write(Ignored, 'PUT', `${path}/${archive ? 'archive' : 'unarchive'}`, `Card ${current.id}`);
    else await this.updateCard(boardId, stackId, current.id, { ...cardFields(current), archived: archive });
  }

  /** Puts a card at `order` in a stack of its board: the API's reorder moves it to the stack in its URL. */
  async reorderCard(boardId: number, cardId: number, stackId: number, order: number): Promise<void> {
    const path = `${cardPath(boardId, stackId, cardId)}/reorder`;
    await this.write(Ignored, 'PUT', path, `Card ${cardId}`, { order, stackId });
  }

  /**
   * Moves a card to a stack of any board: the API's card update moves it to the stack in its URL,
   * keeping `done` and everything else it is sent. From Deck 1.15 the update also puts the target
   * board's same-titled labels (created when missing) in place of the card's; before, that is done
   * here, since labels belong to a board.
   */
  async moveCard(current: DeckCard, target: { boardId: number; stackId: number; order: number }) {
    const what = `Card ${current.id}`;
    const labels = current.labels ?? [];
    const path = cardPath(target.boardId, target.stackId, current.id);
    await this.write(Ignored, 'PUT', path, what, {
      ...cardFields(current),
      stackId: target.stackId,
      order: target.order,
    });
    if (labels.length === 0 || (await this.supports('labelsFollowMoves'))) return;
    const moved = await this.card(target.boardId, target.stackId, current.id);
    const boardLabels = [...((await this.board(target.boardId)).labels ?? [])];
    for (const label of moved.labels ?? []) {
      if (boardLabels.some((own) => own.id === label.id)) continue;
      let match = boardLabels.find((own) => own.title === label.title);
      if (!match) {
        match = await this.createLabel(target.boardId, { title: label.title, color: label.color });
        boardLabels.push(match);
      }
      const where = [target.boardId, target.stackId, current.id] as const;
      await this.changeCardLink(...where, { labelId: label.id, remove: true });
      await this.changeCardLink(...where, { labelId: match.id, remove: false });
    }
  }

  /** Puts a label or a user on a card or takes it off, or adds or removes a card it depends on. */
  async changeCardLink(boardId: number, stackId: number, cardId: number, change: CardLinkChange) {
    const card = cardPath(boardId, stackId, cardId);
    const [method, path, json] =
      'dependentCard' in change
        ? [change.remove ? 'DELETE' : 'POST', `${card}/dependentCards/${change.dependentCard}`, undefined]
        : 'labelId' in change
          ? ['PUT', `${card}/${change.remove ? 'removeLabel' : 'assignLabel'}`, { labelId: change.labelId }]
          : ['PUT', `${card}/${change.remove ? 'unassignUser' : 'assignUser'}`, { userId: change.userId }];
    await this.write(Ignored, method as 'PUT' | 'POST' | 'DELETE', path, `Card ${cardId}`, json);
  }

  async attachments(boardId: number, stackId: number, cardId: number): Promise<DeckAttachment[]> {
    const path = `${cardPath(boardId, stackId, cardId)}/attachments`;
    // Their ETag is the card's and their items do not show when it changed: never kept.
    const what = `The attachments of card ${cardId}`;
    return (await this.read(z.array(AttachmentSchema), path, what, { v11: true, revalidate: false })).data;
  }

  /** Removes an attachment; for a shared file only its share with the card goes. */
  async deleteAttachment(boardId: number, stackId: number, cardId: number, attachment: DeckAttachment) {
    const path = `${cardPath(boardId, stackId, cardId)}/attachments/${attachment.type}/${attachment.id}`;
    await this.write(Ignored, 'DELETE', path, `Attachment ${attachment.id}`, undefined, 'v11');
  }
}

/**
 * The fields of a card as Deck's update takes them: it replaces the whole card, so each is sent as
 * it is unless changed (`done` too: the API clears it when left out).
 */
export function cardFields(card: DeckCard): Record<string, unknown> {
  return {
    title: card.title,
    type: card.type,
    owner: typeof card.owner === 'string' ? card.owner : card.owner.uid,
    description: card.description ?? '',
    order: card.order,
    duedate: card.duedate ?? null,
    archived: card.archived,
    done: card.done ?? null,
  };
}

/** Whether a version such as "1.13.1" is at least `wanted` ("1.15"). */
function atLeast(version: string, wanted: string): boolean {
  const have = version.split('.').map((part) => Number.parseInt(part, 10) || 0);
  const want = wanted.split('.').map(Number);
  for (let i = 0; i < want.length; i++) {
    const [h = 0, w = 0] = [have[i], want[i]];
    if (h !== w) return h > w;
  }
  return true;
}

/** A change of what a card links to; `remove` takes the link off. */
export type CardLinkChange = { remove: boolean } & (
  | { labelId: number }
  | { userId: string }
  | { dependentCard: number }
);

const labelPath = (board: number, label: number) => `/boards/${board}/labels/${label}`;
const cardPath = (board: number, stack: number, card: number) =>
  `/boards/${board}/stacks/${stack}/cards/${card}`;

/** A stack with the archived cards of the same stack added (a copy: cached answers stay as they are). */
function withArchived(stack: DeckStack, archived: readonly DeckStack[]): DeckStack {
  const extra = archived.find((candidate) => candidate.id === stack.id)?.cards ?? [];
  return { ...stack, cards: [...(stack.cards ?? []), ...extra] };
}

/** Whether an answer's newest change is at least a second older than the answer itself. */
function settled(data: unknown, response: NcResponse): boolean {
  const served = Date.parse(headerValue(response.headers, 'date') ?? '') / 1000;
  const times = (Array.isArray(data) ? data : [data]).map((item) =>
    typeof item === 'object' && item !== null
      ? Number((item as { lastModified?: unknown }).lastModified)
      : Number.NaN,
  );
  return (
    times.length > 0 &&
    times.every(Number.isFinite) &&
    Number.isFinite(served) &&
    served - Math.max(...times) >= 1
  );
}

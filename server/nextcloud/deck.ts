import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { headerValue, type NcResponse, type NextcloudClient, parseAnswer } from './client.js';
import {
  AttachmentSchema,
  BoardSchema,
  CardSchema,
  CommentSchema,
  type DeckAttachment,
  type DeckBoard,
  type DeckCard,
  type DeckComment,
  type DeckLabel,
  type DeckStack,
  Ignored,
  LabelSchema,
  StackSchema,
} from './deck-answers.js';

export type { DeckAttachment, DeckBoard, DeckCard, DeckComment, DeckLabel, DeckStack };

/** Deck's REST API (docs/API.md of nextcloud/deck); v1.1 lists every attachment type. */
const API = '/index.php/apps/deck/api/v1.0';
const API_V11 = '/index.php/apps/deck/api/v1.1';
/** The web UI's card routes: they read the target stack from the body (the API route binds it from the URL). */
const INTERNAL = '/index.php/apps/deck';
/** Deck's comments API is OCS. */
const COMMENTS = '/ocs/v2.php/apps/deck/api/v1.0/cards';

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

  /** A write to the REST API (`v11` for attachments, `internal` for the web UI's card routes). */
  private async write<S extends z.ZodType>(
    schema: S,
    method: 'POST' | 'PUT' | 'DELETE',
    path: string,
    what: string,
    json?: unknown,
    base: 'api' | 'v11' | 'internal' = 'api',
  ): Promise<z.output<S>> {
    const answer = await this.nc.json({
      method,
      path: `${{ api: API, v11: API_V11, internal: INTERNAL }[base]}${path}`,
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

  /** One stack; with `archived`, its archived cards too. */
  async stack(boardId: number, stackId: number, options: { archived?: boolean } = {}): Promise<DeckStack> {
    const [stack, archived] = await Promise.all([
      this.read(StackSchema, `/boards/${boardId}/stacks/${stackId}`, `Deck stack ${stackId}`),
      options.archived ? this.archivedStacks(boardId) : Promise.resolve([]),
    ]);
    return options.archived ? withArchived(stack.data, archived) : stack.data;
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

  async card(boardId: number, stackId: number, cardId: number): Promise<DeckCard> {
    return (await this.read(CardSchema, cardPath(boardId, stackId, cardId), `Deck card ${cardId}`)).data;
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

  async archiveCard(boardId: number, stackId: number, cardId: number, archive: boolean): Promise<void> {
    const path = `${cardPath(boardId, stackId, cardId)}/${archive ? 'archive' : 'unarchive'}`;
    await this.write(Ignored, 'PUT', path, `Card ${cardId}`);
  }

  /** The web UI's route: the API route takes the stack from its URL and cannot change it. */
  async reorderCard(cardId: number, stackId: number, order: number): Promise<void> {
    const path = `/cards/${cardId}/reorder`;
    await this.write(Ignored, 'PUT', path, `Card ${cardId}`, { order, stackId }, 'internal');
  }

  /**
   * Moves a card to a stack of any board through the web UI's update route, which reads the stack
   * from the body and remaps labels to the target board's. That route clears `done`; `done` marks
   * the card again so a move does not reopen it.
   */
  async moveCard(current: DeckCard, stackId: number, order: number): Promise<void> {
    const what = `Card ${current.id}`;
    await this.write(
      Ignored,
      'PUT',
      `/cards/${current.id}`,
      what,
      {
        id: current.id,
        title: current.title,
        type: current.type,
        stackId,
        order,
        description: current.description ?? '',
        duedate: current.duedate,
        deletedAt: 0,
      },
      'internal',
    );
    if (current.done)
      await this.write(Ignored, 'PUT', `/cards/${current.id}/done`, what, undefined, 'internal');
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

  comments(cardId: number, limit: number, offset: number): Promise<DeckComment[]> {
    return this.nc.ocs({
      method: 'GET',
      path: `${COMMENTS}/${cardId}/comments`,
      query: { limit, offset },
      what: `The comments of card ${cardId}`,
      schema: z.array(CommentSchema),
    });
  }

  comment(method: 'POST' | 'PUT', cardId: number, commentId: number | undefined, json: unknown) {
    return this.nc.ocs({
      method,
      path: `${COMMENTS}/${cardId}/comments${commentId === undefined ? '' : `/${commentId}`}`,
      json,
      what:
        commentId === undefined ? `A comment on card ${cardId}` : `Comment ${commentId} on card ${cardId}`,
      schema: CommentSchema,
    });
  }

  async deleteComment(cardId: number, commentId: number): Promise<void> {
    await this.nc.ocs({
      method: 'DELETE',
      path: `${COMMENTS}/${cardId}/comments/${commentId}`,
      what: `Comment ${commentId} on card ${cardId}`,
      schema: Ignored,
    });
  }
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

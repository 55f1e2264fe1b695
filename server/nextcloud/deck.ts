import { LRUCache } from 'lru-cache';
import { UpstreamFailedError } from '../errors.js';
import { headerValue, type NcResponse, type NextcloudClient } from './client.js';

/** Deck's REST API (docs/API.md of nextcloud/deck); v1.1 lists every attachment type. */
const API = '/index.php/apps/deck/api/v1.0';
const API_V11 = '/index.php/apps/deck/api/v1.1';
/** The web UI's card routes: they read the target stack from the body (the API route binds it from the URL). */
const INTERNAL = '/index.php/apps/deck';
/** Deck's comments API is OCS. */
const COMMENTS = '/ocs/v2.php/apps/deck/api/v1.0/cards';
/** Every Deck REST request must carry this header (and it lets the internal routes pass the CSRF check). */
const DECK_HEADERS = { 'ocs-apirequest': 'true' };

export interface DeckUser {
  uid: string;
  displayname?: string;
}
export interface DeckLabel {
  id: number;
  title: string;
  color: string;
  boardId?: number | string;
}
export interface DeckCard {
  id: number;
  title: string;
  description: string | null;
  stackId: number;
  type: string;
  owner: DeckUser | string;
  order: number;
  archived: boolean;
  done?: string | null;
  duedate: string | null;
  createdAt: number;
  lastModified: number;
  labels: DeckLabel[] | null;
  assignedUsers: { participant: DeckUser }[] | null;
  dependentCards?: { id: number; title?: string }[] | null;
  attachmentCount: number | null;
  commentsCount?: number;
  ETag?: string;
}
export interface DeckStack {
  id: number;
  title: string;
  boardId: number;
  order: number;
  cards?: DeckCard[];
  ETag?: string;
}
export interface DeckBoard {
  id: number;
  title: string;
  color: string;
  archived: boolean;
  owner: DeckUser;
  shared?: number;
  labels?: DeckLabel[];
  users?: DeckUser[];
  acl?: {
    participant: DeckUser;
    permissionEdit: boolean;
    permissionShare: boolean;
    permissionManage: boolean;
  }[];
  lastModified?: number;
  ETag?: string;
}
export interface DeckComment {
  id: number | string;
  message: string;
  actorId: string;
  actorDisplayName?: string;
  creationDateTime: string;
  replyTo?: { id: number | string };
}
export interface DeckAttachment {
  id: number;
  type: string;
  data: string;
  createdBy: string;
  createdAt: number;
  extendedData?: { path?: string; mimetype?: string; filesize?: number };
}

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

  /** A GET of the API that reuses the cached answer when Deck says it did not change. */
  async read<T>(
    path: string,
    what: string,
    options: { changedSince?: Date; v11?: boolean; revalidate?: boolean } = {},
  ) {
    const url = `${options.v11 ? API_V11 : API}${path}`;
    const since = options.changedSince?.toUTCString();
    const cacheKey = `${this.nc.cacheKey} ${url} ${since ?? ''}`;
    const cached = options.revalidate === false ? undefined : conditional.get(cacheKey);
    const response = await this.nc.send({
      method: 'GET',
      path: url,
      headers: {
        ...DECK_HEADERS,
        accept: 'application/json',
        ...(cached ? { 'if-none-match': `"${cached.etag}"` } : {}),
        ...(since ? { 'if-modified-since': since } : {}),
      },
      what,
      accept: [304],
    });
    if (response.status === 304 && cached)
      return { data: cached.data as T, etag: cached.etag, size: cached.size };
    const data = this.parse<T>(response.body, what);
    const size = response.body.length;
    const tag = headerValue(response.headers, 'etag')?.replaceAll('"', '');
    const etag = tag && options.revalidate !== false && settled(data, response) ? tag : undefined;
    if (etag) conditional.set(cacheKey, { etag, data, size });
    return { data, etag, size };
  }

  /** A write to the REST API (`v11` for attachments, `internal` for the web UI's card routes). */
  async write<T>(
    method: 'POST' | 'PUT' | 'DELETE',
    path: string,
    what: string,
    json?: unknown,
    base: 'api' | 'v11' | 'internal' = 'api',
  ) {
    return (
      await this.nc.json<T>({
        method,
        path: `${{ api: API, v11: API_V11, internal: INTERNAL }[base]}${path}`,
        headers: DECK_HEADERS,
        what,
        ...(json === undefined ? {} : { json }),
      })
    ).data;
  }

  boards(changedSince?: Date) {
    return this.read<DeckBoard[]>('/boards', 'The Deck boards', changedSince ? { changedSince } : {});
  }

  async board(boardId: number) {
    return (await this.read<DeckBoard>(`/boards/${boardId}`, `Deck board ${boardId}`)).data;
  }

  /** Active stacks with their unarchived cards, reused while the board's ETag stays the same. */
  async stacks(boardId: number, changedSince?: Date): Promise<DeckStack[]> {
    const what = `The stacks of Deck board ${boardId}`;
    if (changedSince)
      return (await this.read<DeckStack[]>(`/boards/${boardId}/stacks`, what, { changedSince })).data;
    const boardTag = (await this.read<DeckBoard>(`/boards/${boardId}`, `Deck board ${boardId}`)).etag;
    const cacheKey = `${this.nc.cacheKey} stacks ${boardId}`;
    const cached = conditional.get(cacheKey);
    if (boardTag && cached?.etag === boardTag) return cached.data as DeckStack[];
    const { data, size } = await this.read<DeckStack[]>(`/boards/${boardId}/stacks`, what);
    if (boardTag) conditional.set(cacheKey, { etag: boardTag, data, size });
    return data;
  }

  /** Stacks carrying the board's archived cards (the only list that has them). */
  async archivedStacks(boardId: number): Promise<DeckStack[]> {
    return (
      await this.read<DeckStack[]>(
        `/boards/${boardId}/stacks/archived`,
        `The archived cards of board ${boardId}`,
      )
    ).data;
  }

  async stack(boardId: number, stackId: number): Promise<DeckStack> {
    return (await this.read<DeckStack>(`/boards/${boardId}/stacks/${stackId}`, `Deck stack ${stackId}`)).data;
  }

  async card(boardId: number, stackId: number, cardId: number): Promise<DeckCard> {
    const path = `/boards/${boardId}/stacks/${stackId}/cards/${cardId}`;
    return (await this.read<DeckCard>(path, `Deck card ${cardId}`)).data;
  }

  async attachments(boardId: number, stackId: number, cardId: number): Promise<DeckAttachment[]> {
    const path = `/boards/${boardId}/stacks/${stackId}/cards/${cardId}/attachments`;
    // Their ETag is the card's and their items do not show when it changed: never kept.
    const what = `The attachments of card ${cardId}`;
    return (await this.read<DeckAttachment[]>(path, what, { v11: true, revalidate: false })).data;
  }

  comments(cardId: number, limit: number, offset: number) {
    return this.nc.ocs<DeckComment[]>({
      method: 'GET',
      path: `${COMMENTS}/${cardId}/comments`,
      query: { limit, offset },
      what: `The comments of card ${cardId}`,
    });
  }

  comment(method: 'POST' | 'PUT' | 'DELETE', cardId: number, commentId: number | undefined, json?: unknown) {
    return this.nc.ocs<DeckComment>({
      method,
      path: `${COMMENTS}/${cardId}/comments${commentId === undefined ? '' : `/${commentId}`}`,
      ...(json === undefined ? {} : { json }),
      what:
        commentId === undefined ? `A comment on card ${cardId}` : `Comment ${commentId} on card ${cardId}`,
    });
  }

  private parse<T>(body: Buffer, what: string): T {
    try {
      return JSON.parse(body.toString('utf8')) as T;
    } catch (error) {
      throw new UpstreamFailedError(`Nextcloud sent a malformed answer for ${what}`, { cause: error });
    }
  }
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

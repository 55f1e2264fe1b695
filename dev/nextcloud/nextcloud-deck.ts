import { md5, type RequestContext, sendJson } from './nextcloud.js';
import { handleDeckComments, standinDeckAttachments } from './nextcloud-deck-extras.js';
import {
  boardJson,
  canSee,
  cardJson,
  type DeckCard,
  DeckHttpError,
  type DeckState,
  deckAtLeast,
  etagOf,
  fail,
  labelJson,
  labelsOf,
  members,
  now,
  person,
  stackJson,
  stacksOf,
  touch,
} from './nextcloud-deck-model.js';

export { type DeckState, newDeck } from './nextcloud-deck-model.js';

/**
 * Deck app stand-in following docs/API.md of nextcloud/deck (REST API v1.0/v1.1 under
 * /index.php/apps/deck/api/, and the internal /index.php/apps/deck/cards/... routes the web UI
 * uses for reorder and cross-board moves): boards, stacks (active cards only; archived cards
 * under /stacks/archived), cards as full replacements on PUT, labels, assignments, dependent
 * cards; `{status, message}` errors (400, 403 "Permission denied", 404); `If-Modified-Since`
 * filtering on the board and stack lists; ETags on boards, a board, a stack, a card and
 * attachments, changes of a child changing its parents' ETags, and 304 for a matching
 * `If-None-Match`. Comments (OCS) and attachments live in nextcloud-deck-extras.ts.
 *
 * As Deck does, the routes of one card or one stack find it by its id alone: the board and stack
 * in their URL are not checked (the card update and reorder take the stack from the URL, which is
 * how they move a card). `/boards` lists deleted boards too, with their `deletedAt`. The answers
 * follow `deck.version` (see DeckState): routes a version lacks answer 404, and before Deck 1.14
 * (Nextcloud 29) the web UI's routes fail Nextcloud's CSRF check, as they did there for a client
 * sending `OCS-APIRequest` with Basic auth.
 */
const API = /^\/index\.php\/apps\/deck\/api\/v1\.[01]/;
const INTERNAL = '/index.php/apps/deck';
const DEFAULT_LABELS = [
  ['Finished', '31CC7C'],
  ['To review', '317CCC'],
  ['Action needed', 'FF7A66'],
  ['Later', 'F1DB50'],
] as const;

export async function handleDeck(ctx: RequestContext): Promise<void> {
  try {
    if (ctx.url.pathname.startsWith('/ocs/')) return handleDeckComments(ctx);
    const api = API.exec(ctx.url.pathname);
    const path = api ? ctx.url.pathname.slice(api[0].length) : ctx.url.pathname.slice(INTERNAL.length);
    const body = ctx.body.length ? (JSON.parse(ctx.body.toString('utf8')) as Record<string, unknown>) : {};
    // Nextcloud's SecurityMiddleware answers a failed CSRF check so, before any controller runs.
    if (!api && !deckAtLeast(ctx.standin.deck, '1.14'))
      return sendJson(ctx.res, 412, { message: 'CSRF check failed' });
    const answer = route(ctx, path, body, Boolean(api));
    if (answer === undefined) return sendJson(ctx.res, 404, { status: 404, message: 'No route' });
    const etag = answer.etag;
    if (etag && ctx.req.headers['if-none-match']?.replaceAll('"', '') === etag) {
      ctx.standin.log.push(`304 GET ${ctx.url.pathname}`);
      ctx.res.writeHead(304, { etag: `"${etag}"` }).end();
      return;
    }
    sendJson(ctx.res, 200, answer.body, etag ? { etag: `"${etag}"` } : {});
  } catch (error) {
    if (!(error instanceof DeckHttpError)) throw error;
    sendJson(ctx.res, error.status, { status: error.status, message: error.message });
  }
}

type Answer = { body: unknown; etag?: string } | undefined;

function route(ctx: RequestContext, path: string, body: Record<string, unknown>, api: boolean): Answer {
  const deck = ctx.standin.deck;
  const method = ctx.req.method;
  const since = sinceHeader(ctx);
  if (!api) return internalRoute(ctx, path, body);
  if (path === '/boards' && method === 'GET') {
    // Deleted boards stay listed (with their deletedAt) until Deck purges them: its UI hides them.
    const boards = [...deck.boards.values()].filter(
      (board) => canSee(ctx, board.id) && board.lastModified > since,
    );
    const details = ctx.url.searchParams.get('details') === 'true';
    return {
      body: boards.map((board) => boardJson(ctx, board.id, details)),
      etag: md5(JSON.stringify(boards.map((board) => `${board.id}-${etagOf(deck, 'board', board.id)}`))),
    };
  }
  if (path === '/boards' && method === 'POST') {
    const title = text(body.title, 'title', 100);
    const color = typeof body.color === 'string' && /^[0-9a-fA-F]{6}$/.test(body.color) ? body.color : '';
    if (!color) fail(400, 'color must be provided');
    const id = deck.nextId++;
    deck.boards.set(id, {
      id,
      title,
      color,
      owner: ctx.user,
      archived: false,
      deletedAt: 0,
      lastModified: now(),
    });
    for (const [label, labelColor] of DEFAULT_LABELS) {
      const labelId = deck.nextId++;
      deck.labels.set(labelId, { id: labelId, title: label, color: labelColor, boardId: id });
    }
    return { body: boardJson(ctx, id, true) };
  }
  const cardAt = /^\/boards\/\d+\/stacks\/(\d+)\/cards\/(\d+)(\/.*)?$/.exec(path);
  if (cardAt) return cardRoute(ctx, Number(cardAt[2]), Number(cardAt[1]), cardAt[3] ?? '', body);
  const stackAt = /^\/boards\/\d+\/stacks\/(\d+)$/.exec(path);
  if (stackAt && method === 'GET') {
    // StackService::find checks the stack's own board, not the one in the URL.
    const stack = deck.stacks.get(Number(stackAt[1]));
    if (!stack || stack.deletedAt) return fail(404, 'Stack not found');
    if (!canSee(ctx, stack.boardId)) fail(403, 'Permission denied');
    return { body: stackJson(ctx, stack.id, false, true), etag: etagOf(deck, 'stack', stack.id) };
  }
  let m = /^\/boards\/(\d+)(\/.*)?$/.exec(path);
  if (!m) return undefined;
  const boardId = Number(m[1]);
  const board = deck.boards.get(boardId);
  if (!board || board.deletedAt) return fail(403, 'Permission denied');
  if (!canSee(ctx, boardId)) fail(403, 'Permission denied');
  const rest = m[2] ?? '';
  if (rest === '' && method === 'GET')
    return { body: boardJson(ctx, boardId, true), etag: etagOf(deck, 'board', boardId) };
  if (rest === '' && method === 'PUT') {
    board.title = text(body.title, 'title', 100);
    if (typeof body.color === 'string') board.color = body.color;
    board.archived = body.archived === true;
    touch(deck, 'board', boardId);
    return { body: boardJson(ctx, boardId, true) };
  }
  if (rest === '' && method === 'DELETE') {
    board.deletedAt = now();
    return { body: boardJson(ctx, boardId, false) };
  }
  if (rest === '/stacks' && method === 'GET') {
    const stacks = stacksOf(deck, boardId).filter((stack) => stack.lastModified > since);
    return { body: stacks.map((stack) => stackJson(ctx, stack.id, false)) };
  }
  if (rest === '/stacks/archived' && method === 'GET')
    return { body: stacksOf(deck, boardId).map((stack) => stackJson(ctx, stack.id, true)) };
  if (rest === '/stacks' && method === 'POST') {
    const id = deck.nextId++;
    const order = Number.isInteger(body.order) ? Number(body.order) : fail(400, 'order must be a number');
    deck.stacks.set(id, {
      id,
      title: text(body.title, 'title', 100),
      boardId,
      order,
      deletedAt: 0,
      lastModified: now(),
    });
    touch(deck, 'stack', id);
    return { body: stackJson(ctx, id, false) };
  }
  if (rest === '/labels' && method === 'POST') {
    const title = text(body.title, 'title', 100);
    if (labelsOf(deck, boardId).some((label) => label.title === title))
      fail(400, 'A label with this title already exists');
    const id = deck.nextId++;
    deck.labels.set(id, { id, title, color: String(body.color ?? '000000'), boardId });
    touch(deck, 'board', boardId);
    return { body: labelJson(deck, id) };
  }
  m = /^\/labels\/(\d+)$/.exec(rest);
  if (m) {
    const label = deck.labels.get(Number(m[1]));
    if (!label || label.boardId !== boardId) return fail(404, 'Label not found');
    if (method === 'GET') return { body: labelJson(deck, label.id) };
    if (method === 'PUT') {
      label.title = text(body.title, 'title', 100);
      label.color = String(body.color ?? label.color);
    } else if (method === 'DELETE') {
      deck.labels.delete(label.id);
      for (const card of deck.cards.values()) card.labels.delete(label.id);
      touch(deck, 'board', boardId);
      return { body: { ...label, cardId: null } };
    }
    touch(deck, 'board', boardId);
    return { body: labelJson(deck, label.id) };
  }
  m = /^\/stacks\/(\d+)(\/.*)?$/.exec(rest);
  if (!m) return undefined;
  const stack = deck.stacks.get(Number(m[1]));
  if (!stack || stack.deletedAt || stack.boardId !== boardId) return fail(404, 'Stack not found');
  const inStack = m[2] ?? '';
  if (inStack === '' && method === 'PUT') {
    stack.title = text(body.title, 'title', 100);
    if (Number.isInteger(body.order)) stack.order = Number(body.order);
    touch(deck, 'stack', stack.id);
    return { body: stackJson(ctx, stack.id, false) };
  }
  if (inStack === '' && method === 'DELETE') {
    stack.deletedAt = now();
    touch(deck, 'board', boardId);
    return { body: { ...stack, cards: [] } };
  }
  if (inStack === '/cards' && method === 'POST') {
    const id = deck.nextId++;
    const time = now();
    deck.cards.set(id, {
      id,
      title: text(body.title, 'title', 255),
      description: typeof body.description === 'string' ? body.description : '',
      stackId: stack.id,
      type: typeof body.type === 'string' ? body.type : 'plain',
      owner: ctx.user,
      order: Number.isInteger(body.order) ? Number(body.order) : 999,
      archived: false,
      done: null,
      duedate: dateOrNull(body.duedate),
      createdAt: time,
      lastModified: time,
      deletedAt: 0,
      labels: new Set(),
      assigned: [],
      dependencies: [],
    });
    touch(deck, 'card', id);
    return { body: cardJson(ctx, id) };
  }
  return undefined;
}

/**
 * One card's API routes. Deck finds the card by its id and checks its own board; `urlStack` is the
 * stack in the URL, which the update and reorder move the card to.
 */
function cardRoute(
  ctx: RequestContext,
  cardId: number,
  urlStack: number,
  action: string,
  body: Record<string, unknown>,
): Answer {
  const deck = ctx.standin.deck;
  const method = ctx.req.method;
  const card = deck.cards.get(cardId);
  if (!card || card.deletedAt) return fail(404, 'Card not found');
  const boardId = deck.stacks.get(card.stackId)?.boardId ?? 0;
  if (!canSee(ctx, boardId)) fail(403, 'Permission denied');
  const target = () => {
    const stack = deck.stacks.get(urlStack);
    if (!stack || stack.deletedAt || !canSee(ctx, stack.boardId)) return fail(403, 'Permission denied');
    return stack;
  };
  if (action.startsWith('/attachments'))
    return standinDeckAttachments(ctx, card, action, method ?? 'GET', etagOf(deck, 'card', card.id));
  if (action === '' && method === 'GET')
    return { body: cardJson(ctx, card.id), etag: etagOf(deck, 'card', card.id) };
  if (action === '' && method === 'DELETE') {
    card.deletedAt = now();
    touch(deck, 'stack', card.stackId);
    return { body: cardJson(ctx, card.id) };
  }
  if (action === '' && method === 'PUT') {
    // A full replacement: what is not sent is cleared, as Deck's CardService::update does.
    const stack = target();
    const title = text(body.title, 'title', 255);
    if (typeof body.type !== 'string') fail(400, 'type must be provided');
    if (typeof body.owner !== 'string' || !body.owner) fail(400, 'owner must be provided');
    if (card.archived && body.archived === true) fail(400, 'Operation not allowed. This card is archived.');
    card.title = title;
    card.type = body.type as string;
    moveTo(deck, card, stack.id);
    card.description = typeof body.description === 'string' ? body.description : '';
    card.order = Number.isInteger(body.order) ? Number(body.order) : 0;
    card.duedate = dateOrNull(body.duedate);
    card.archived = body.archived === true;
    card.done = body.done === undefined || body.done === null ? null : dateOrNull(body.done);
  } else if (action === '/archive' || action === '/unarchive') {
    if (!deckAtLeast(deck, '1.15')) return undefined; // the API's archive routes came in Deck 1.15
    card.archived = action === '/archive';
  } else if (action === '/assignLabel' || action === '/removeLabel') {
    const label = deck.labels.get(Number(body.labelId));
    // CardService::removeLabel takes any label (a card moved before Deck 1.15 keeps its old board's).
    if (!label || (action === '/assignLabel' && label.boardId !== boardId))
      fail(400, 'The label does not belong to this board');
    if (action === '/assignLabel') card.labels.add(Number(body.labelId));
    else card.labels.delete(Number(body.labelId));
  } else if (action === '/assignUser') {
    const userId = String(body.userId ?? '');
    if (!members(ctx, boardId).includes(userId)) fail(400, 'The user is not part of the board');
    if (card.assigned.includes(userId)) fail(400, 'The user is already assigned to the card');
    card.assigned.push(userId);
    touch(deck, 'card', card.id);
    return { body: { id: deck.nextId++, participant: person(userId), cardId: card.id, type: 0 } };
  } else if (action === '/unassignUser') {
    const userId = String(body.userId ?? '');
    if (!card.assigned.includes(userId)) fail(400, 'No user assignment found');
    card.assigned = card.assigned.filter((uid) => uid !== userId);
  } else if (action === '/reorder') {
    const stack = target();
    if (card.archived) fail(400, 'Operation not allowed. This card is archived.');
    reorderInto(deck, card, stack.id, Number(body.order ?? 0));
    touch(deck, 'stack', stack.id);
  } else {
    const dep = /^\/dependentCards\/(\d+)$/.exec(action);
    if (!dep || !deckAtLeast(deck, '1.18')) return undefined; // card dependencies came in Deck 1.18
    const other = deck.cards.get(Number(dep[1]));
    if (!other || other.deletedAt || !canSee(ctx, deck.stacks.get(other.stackId)?.boardId ?? 0))
      return fail(403, 'Permission denied');
    if (card.archived) fail(400, 'Operation not allowed. This card is archived.');
    if (method === 'POST' && !card.dependencies.includes(other.id)) card.dependencies.push(other.id);
    if (method === 'DELETE') card.dependencies = card.dependencies.filter((id) => id !== other.id);
  }
  touch(deck, 'card', card.id);
  return { body: cardJson(ctx, card.id) };
}

/** The web UI's routes: reorder and update read `stackId` from the body (so a card can change stack or board). */
function internalRoute(ctx: RequestContext, path: string, body: Record<string, unknown>): Answer {
  const deck = ctx.standin.deck;
  const m = /^\/cards\/(\d+)(\/reorder|\/done|\/undone)?$/.exec(path);
  const card = m ? deck.cards.get(Number(m[1])) : undefined;
  if (!m || ctx.req.method !== 'PUT') return undefined;
  if (!card || card.deletedAt || !canSee(ctx, deck.stacks.get(card.stackId)?.boardId ?? 0))
    return fail(403, 'Permission denied');
  const from = card.stackId;
  if (m[2] === '/done' || m[2] === '/undone') {
    card.done = m[2] === '/done' ? new Date().toISOString() : null;
    touch(deck, 'card', card.id);
    return { body: cardJson(ctx, card.id) };
  }
  const target = deck.stacks.get(Number(body.stackId));
  if (!target || target.deletedAt || !canSee(ctx, target.boardId)) return fail(403, 'Permission denied');
  if (m[2] === '/reorder') {
    reorderInto(deck, card, target.id, Number(body.order ?? 0));
  } else {
    card.title = text(body.title, 'title', 255);
    card.description = typeof body.description === 'string' ? body.description : '';
    card.order = Number(body.order ?? 0);
    card.duedate = dateOrNull(body.duedate);
    moveTo(deck, card, target.id);
    card.done = null; // this route does not take `done`
  }
  touch(deck, 'stack', from);
  touch(deck, 'card', card.id);
  return { body: cardJson(ctx, card.id) };
}

/** Puts a card at `order` in a stack; Deck renumbers the target stack when a card is reordered into it. */
function reorderInto(deck: DeckState, card: DeckCard, stackId: number, order: number): void {
  moveTo(deck, card, stackId);
  card.order = order;
  const siblings = [...deck.cards.values()]
    .filter((c) => c.stackId === stackId && !c.deletedAt && c.id !== card.id)
    .sort((a, b) => a.order - b.order);
  siblings.splice(Math.max(0, order), 0, card);
  siblings.forEach((c, index) => {
    c.order = index;
  });
}

/**
 * Moves a card to a stack. From Deck 1.15 CardService::update remaps board-scoped labels to the
 * target board's by title (creating missing ones); before, a moved card kept the old board's labels.
 */
function moveTo(deck: DeckState, card: DeckCard, stackId: number): void {
  const fromBoard = deck.stacks.get(card.stackId)?.boardId;
  const toBoard = deck.stacks.get(stackId)?.boardId ?? 0;
  const from = card.stackId;
  card.stackId = stackId;
  if (from !== stackId) touch(deck, 'stack', from);
  if (fromBoard === toBoard || !deckAtLeast(deck, '1.15')) return;
  card.labels = new Set(
    [...card.labels].map((id) => {
      const old = deck.labels.get(id);
      const match = labelsOf(deck, toBoard).find((label) => label.title === old?.title);
      if (match) return match.id;
      const created = deck.nextId++;
      deck.labels.set(created, {
        id: created,
        title: old?.title ?? '',
        color: old?.color ?? '000000',
        boardId: toBoard,
      });
      return created;
    }),
  );
}

function sinceHeader(ctx: RequestContext): number {
  const header = ctx.req.headers['if-modified-since'];
  if (!header) return 0;
  const time = Date.parse(header);
  if (Number.isNaN(time)) fail(400, 'Invalid If-Modified-Since header provided.');
  return Math.floor(time / 1000);
}

function text(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.trim() === '') return fail(400, `${field} must be provided`);
  if (value.length > max) fail(400, `The ${field} cannot exceed ${max} characters`);
  return value;
}

function dateOrNull(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  const time = Date.parse(String(value));
  return Number.isNaN(time)
    ? fail(400, 'Invalid date')
    : new Date(time).toISOString().replace('.000Z', '+00:00');
}

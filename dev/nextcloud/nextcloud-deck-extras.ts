import { type RequestContext, sendOcs } from './nextcloud.js';
import { type DeckCard, fail, touch } from './nextcloud-deck-model.js';

/** Nextcloud's IComment::MAX_MESSAGE_LENGTH, counted in code points after trimming. */
const MAX_COMMENT = 1000;
const COMMENTS = /^\/ocs\/v2\.php\/apps\/deck\/api\/v1\.0\/cards\/(\d+)\/comments(?:\/(\d+))?$/;

/** Deck's comments API (OCS): newest first, limit/offset, replies carry `replyTo`, only the author edits. */
export function handleDeckComments(ctx: RequestContext): void {
  const deck = ctx.standin.deck;
  const m = COMMENTS.exec(ctx.url.pathname);
  if (!m) return sendOcs(ctx.res, 404, null, 'Invalid query');
  const cardId = Number(m[1]);
  const card = deck.cards.get(cardId);
  const boardId = card ? deck.stacks.get(card.stackId)?.boardId : undefined;
  const board = boardId === undefined ? undefined : deck.boards.get(boardId);
  if (!card || card.deletedAt || !board) return sendOcs(ctx.res, 404, null, 'Card not found');
  if (board.owner !== ctx.user && !deck.acl.get(board.id)?.includes(ctx.user))
    return sendOcs(ctx.res, 403, null, 'Permission denied');
  const body = ctx.body.length ? (JSON.parse(ctx.body.toString('utf8')) as Record<string, unknown>) : {};
  const json = (id: number, withParent = true): Record<string, unknown> => {
    const comment = deck.comments.get(id);
    if (!comment) return {};
    const mentions = [...comment.message.matchAll(/@(\w+)/g)]
      .filter(([, uid]) => uid && uid in ctx.standin.options.users)
      .map(([, uid]) => ({ mentionId: uid, mentionType: 'user', mentionDisplayName: uid }));
    return {
      id: comment.id,
      objectId: cardId,
      message: comment.message,
      actorId: comment.actorId,
      actorType: 'users',
      actorDisplayName: comment.actorId,
      creationDateTime: comment.creationDateTime,
      mentions,
      ...(withParent && comment.parentId !== null ? { replyTo: json(comment.parentId, false) } : {}),
    };
  };
  const tooLong = (message: unknown) =>
    typeof message !== 'string' || [...message.trim()].length > MAX_COMMENT || message.trim() === '';
  const commentId = m[2] ? Number(m[2]) : undefined;
  if (commentId === undefined && ctx.req.method === 'GET') {
    const limit = Number(ctx.url.searchParams.get('limit') ?? 20);
    const offset = Number(ctx.url.searchParams.get('offset') ?? 0);
    const all = [...deck.comments.values()].filter((c) => c.cardId === cardId).sort((a, b) => b.id - a.id);
    return sendOcs(
      ctx.res,
      200,
      all.slice(offset, offset + limit).map((c) => json(c.id)),
    );
  }
  if (commentId === undefined && ctx.req.method === 'POST') {
    if (tooLong(body.message)) return sendOcs(ctx.res, 400, null, 'The comment message is too long or empty');
    const parentId = body.parentId === null || body.parentId === undefined ? null : Number(body.parentId);
    if (parentId !== null && deck.comments.get(parentId)?.cardId !== cardId)
      return sendOcs(ctx.res, 404, null, 'Parent comment not found');
    const id = deck.nextId++;
    deck.comments.set(id, {
      id,
      cardId,
      message: String(body.message),
      actorId: ctx.user,
      creationDateTime: new Date().toISOString().replace(/\.\d+Z$/, '+00:00'),
      parentId,
    });
    return sendOcs(ctx.res, 200, json(id));
  }
  const comment = commentId === undefined ? undefined : deck.comments.get(commentId);
  if (!comment || comment.cardId !== cardId) return sendOcs(ctx.res, 404, null, 'Comment not found');
  if (comment.actorId !== ctx.user)
    return sendOcs(ctx.res, 403, null, 'Only authors are allowed to edit their comment.');
  if (ctx.req.method === 'PUT') {
    // Deck's update lets the length exception escape: a masked 500, unlike create's 400.
    if (tooLong(body.message)) return sendOcs(ctx.res, 500, null, 'Internal server error');
    comment.message = String(body.message);
    return sendOcs(ctx.res, 200, json(comment.id));
  }
  if (ctx.req.method === 'DELETE') {
    deck.comments.delete(comment.id);
    return sendOcs(ctx.res, 200, []);
  }
  sendOcs(ctx.res, 404, null, 'Invalid query');
}

/**
 * A card's attachments (API v1.1 lists every type): Deck's own `deck_file` uploads and `file`
 * attachments, which are shares of type 12 (IShare::TYPE_DECK) with the card id as `shareWith`.
 * Deleting a `file` attachment removes the share, never the file.
 */
export function standinDeckAttachments(
  ctx: RequestContext,
  card: DeckCard,
  action: string,
  method: string,
  cardEtag: string,
): { body: unknown; etag?: string } | undefined {
  const deck = ctx.standin.deck;
  const shares = [...ctx.standin.ocs.shares.values()].filter(
    (share) => share.share_type === 12 && share.share_with === String(card.id),
  );
  if (action === '/attachments' && method === 'GET') {
    const own = [...deck.attachments.values()].filter((a) => a.cardId === card.id && !a.deletedAt);
    const files = shares.map((share) => ({
      id: share.id,
      cardId: card.id,
      type: 'file',
      data: share.path.slice(share.path.lastIndexOf('/') + 1),
      lastModified: share.stime,
      createdAt: share.stime,
      createdBy: share.uid_owner,
      deletedAt: 0,
      extendedData: {
        path: share.path,
        mimetype: 'application/octet-stream',
        attachmentCreator: { id: share.uid_owner },
      },
    }));
    return {
      body: [...own.map((a) => ({ ...a, lastModified: a.createdAt, extendedData: {} })), ...files],
      etag: cardEtag,
    };
  }
  const m = /^\/attachments\/(file|deck_file)\/(\d+)$/.exec(action);
  if (!m || method !== 'DELETE') return undefined;
  const id = Number(m[2]);
  if (m[1] === 'file') {
    const share = shares.find((candidate) => candidate.id === id);
    if (!share) return fail(404, 'Attachment not found');
    ctx.standin.ocs.shares.delete(id);
    touch(deck, 'card', card.id);
    return { body: { id, cardId: card.id, type: 'file', deletedAt: 0 } };
  }
  const own = deck.attachments.get(id);
  if (!own || own.cardId !== card.id) return fail(404, 'Attachment not found');
  own.deletedAt = Math.floor(Date.now() / 1000);
  return { body: own };
}

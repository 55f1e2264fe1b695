import { z } from 'zod';
import { InvalidInputError, ServerError, UpstreamFailedError } from '../errors.js';
import { COMMENT_LIMIT, commentLength, MAX_PARTS, splitComment } from '../nextcloud/comment-split.js';
import { type DeckComment, DeckComments } from '../nextcloud/deck-comments.js';
import { defineTool } from '../registry.js';
import { cardId, id } from './deck-views.js';

/** Comments on Deck cards (Deck's OCS comments API), with long messages posted as numbered threads. */

const commentId = id('comment');
const message = z.string().trim().min(1).max(20_000);
const commentShape = {
  id: z.number(),
  author: z.string(),
  message: z.string(),
  created: z.string(),
  reply_to: z.number().nullable(),
  author_name: z.string().optional().describe('With detail="full"'),
  author_type: z.string().optional().describe('With detail="full": users, guests, …'),
  mentions: z
    .array(z.object({ id: z.string(), type: z.string() }))
    .optional()
    .describe('With detail="full": who the message mentions'),
};
const commentView = (comment: DeckComment, maxLength?: number, detail: 'summary' | 'full' = 'summary') => ({
  id: Number(comment.id),
  author: comment.actorId,
  message:
    maxLength !== undefined && comment.message.length > maxLength
      ? `${comment.message.slice(0, maxLength)}…`
      : comment.message,
  created: comment.creationDateTime,
  reply_to: comment.replyTo ? Number(comment.replyTo.id) : null,
  ...(detail === 'full'
    ? {
        author_name: comment.actorDisplayName ?? comment.actorId,
        author_type: comment.actorType ?? 'users',
        mentions: (comment.mentions ?? []).map((m) => ({ id: m.mentionId, type: m.mentionType })),
      }
    : {}),
});

const list = defineTool({
  name: 'deck_get_card_comments',
  title: 'List the comments of a card',
  description: 'List the comments on a Deck card, newest first by default, a page at a time.',
  input: {
    card_id: cardId,
    limit: z.number().int().min(1).max(200).default(20),
    offset: z.number().int().min(0).max(100_000).default(0),
    order: z.enum(['newest', 'oldest']).default('newest').describe('Order within the page'),
    message_max_length: z.number().int().min(1).max(100_000).optional().describe('Shorten longer messages'),
    detail: z
      .enum(['summary', 'full'])
      .default('summary')
      .describe("full: also the author's display name and type and the mentions"),
  },
  output: { comments: z.array(z.object(commentShape)), next_offset: z.number().nullable() },
  hints: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async handler(args, { nc }) {
    const page = await new DeckComments(nc).list(args.card_id, args.limit, args.offset);
    const shaped = page.map((comment) => commentView(comment, args.message_max_length, args.detail));
    if (args.order === 'oldest') shaped.reverse();
    return {
      structured: {
        comments: shaped,
        next_offset: page.length === args.limit ? args.offset + args.limit : null,
      },
    };
  },
});

const create = defineTool({
  name: 'deck_create_card_comment',
  title: 'Comment on a card',
  description: `Comment on a Deck card (at most ${COMMENT_LIMIT} characters). With overflow="split" a longer message is posted as a thread of up to ${MAX_PARTS} numbered comments, parts 2… replying to part 1. Mention people with @user.`,
  input: {
    card_id: cardId,
    message,
    parent_id: commentId.optional().describe('Reply to this comment'),
    overflow: z
      .enum(['error', 'split'])
      .default('error')
      .describe('What to do above the limit: refuse and post nothing, or split into a thread'),
  },
  output: {
    comment: z.object(commentShape),
    parts: z.array(z.object(commentShape)).nullable(),
    part_count: z.number(),
  },
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(args, { nc }) {
    const length = commentLength(args.message);
    const parts = splitComment(args.message);
    if (length > COMMENT_LIMIT && args.overflow === 'error') {
      throw new InvalidInputError(
        `The comment is ${length} characters, ${length - COMMENT_LIMIT} over Deck's limit of ${COMMENT_LIMIT}; nothing was posted. overflow="split" would post it as ${parts.length} comments.`,
      );
    }
    if (parts.length > MAX_PARTS) {
      throw new InvalidInputError(
        `The comment would take ${parts.length} comments, more than ${MAX_PARTS}; nothing was posted. Put the text in a note or file, attach it with deck_attach_note or deck_attach_file and comment a pointer to it.`,
      );
    }
    const comments = new DeckComments(nc);
    const posted: DeckComment[] = [];
    for (const part of parts) {
      const parentId = posted[0] ? Number(posted[0].id) : (args.parent_id ?? null);
      try {
        posted.push(await comments.write('POST', args.card_id, undefined, { message: part, parentId }));
      } catch (error) {
        if (posted.length === 0 || !(error instanceof ServerError)) throw error;
        // Deck has no multi-comment transaction: say what is already there so only the rest is sent again.
        throw new UpstreamFailedError(
          `Posted parts 1–${posted.length} of ${parts.length} (comment ids ${posted.map((c) => c.id).join(', ')}), then part ${posted.length + 1} failed: ${error.message}`,
          { cause: error },
        );
      }
    }
    const views = posted.map((comment) => commentView(comment));
    const [first] = views;
    if (!first) throw new UpstreamFailedError(`Deck did not answer with the comment on card ${args.card_id}`);
    return {
      structured: { comment: first, parts: views.length > 1 ? views : null, part_count: views.length },
    };
  },
});

const update = defineTool({
  name: 'deck_update_card_comment',
  title: 'Edit a comment',
  description: `Replace the text of your own comment on a Deck card (at most ${COMMENT_LIMIT} characters; an edit cannot become a thread, so post a follow-up instead).`,
  input: { card_id: cardId, comment_id: commentId, message },
  output: commentShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async handler(args, { nc }) {
    const length = commentLength(args.message);
    // Checked here: Deck's update answers an over-long message with a bare HTTP 500.
    if (length > COMMENT_LIMIT) {
      throw new InvalidInputError(
        `The comment is ${length} characters, ${length - COMMENT_LIMIT} over Deck's limit of ${COMMENT_LIMIT}; nothing was changed`,
      );
    }
    const comment = await new DeckComments(nc).write('PUT', args.card_id, args.comment_id, {
      message: args.message,
    });
    return { structured: commentView(comment) };
  },
});

const remove = defineTool({
  name: 'deck_delete_card_comment',
  title: 'Delete a comment',
  description: 'Delete your own comment from a Deck card.',
  input: { card_id: cardId, comment_id: commentId },
  output: { deleted: z.boolean(), comment_id: z.number() },
  hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async handler(args, { nc }) {
    await new DeckComments(nc).delete(args.card_id, args.comment_id);
    return { structured: { deleted: true, comment_id: args.comment_id } };
  },
});

export const deckCommentTools = [list, create, update, remove];

import { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import * as talk from '../nextcloud/talk.js';
import { defineTool } from '../registry.js';
import { messageId, messageShape, messageView, reactionsShape, reactionsView, token } from './talk-views.js';

const reaction = z.string().min(1).max(64).describe('One emoji, e.g. "👍"');

const getMessages = defineTool({
  name: 'talk_get_messages',
  title: 'Read Talk messages',
  description:
    'Chat messages of a Talk conversation, a page at a time, oldest first within the page. By default the latest messages; pass the returned last_known_message_id back for the page before it, or set look_into_future to read what came after a message (e.g. after your last_read_message). Does not move your read marker.',
  input: {
    token,
    limit: z
      .number()
      .int()
      .min(1)
      .max(200)
      .default(50)
      .describe('Messages per page (Talk gives at most 200)'),
    last_known_message_id: messageId
      .optional()
      .describe('Paging cursor: read before it (or after it with look_into_future)'),
    include_last_known: z.boolean().default(false).describe('Include the cursor message itself'),
    look_into_future: z
      .boolean()
      .default(false)
      .describe('Read messages after last_known_message_id (from the start when it is absent)'),
  },
  output: {
    conversation_token: z.string(),
    messages: z.array(z.object(messageShape)),
    count: z.number(),
    last_known_message_id: z
      .number()
      .nullable()
      .describe('Pass back for the next page in the same direction; null when there is none'),
  },
  hints: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async handler(args, { nc }) {
    const page = await talk.getMessages(nc, args.token, {
      limit: args.limit,
      lastKnownMessageId: args.last_known_message_id,
      includeLastKnown: args.include_last_known,
      lookIntoFuture: args.look_into_future,
    });
    const messages = page.messages.map((message) => messageView(message));
    messages.sort((a, b) => a.id - b.id);
    return {
      structured: {
        conversation_token: args.token,
        messages,
        count: messages.length,
        last_known_message_id: page.lastKnown,
      },
    };
  },
});

const sendMessage = defineTool({
  name: 'talk_send_message',
  title: 'Send a Talk message',
  description:
    'Post a chat message to a Talk conversation as you; @userid mentions notify that user. Optionally as a reply to a message (reply_to) or silently (no notifications).',
  input: {
    token,
    message: z.string().min(1).max(32_000).describe('The text (Talk allows up to 32000 characters)'),
    reply_to: messageId.optional().describe('The id of the message this one answers'),
    silent: z.boolean().default(false).describe('Deliver without notifications'),
  },
  output: {
    conversation_token: z.string(),
    message: z.object(messageShape).nullable().describe('The posted message as Talk shows it'),
  },
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(args, { nc }) {
    if (!args.message.trim()) throw new InvalidInputError('The message must not be blank');
    const posted = await talk.sendMessage(nc, args.token, {
      message: args.message,
      replyTo: args.reply_to,
      silent: args.silent,
    });
    return {
      structured: {
        conversation_token: args.token,
        message: posted ? messageView(posted) : null,
      },
    };
  },
});

const markAsRead = defineTool({
  name: 'talk_mark_as_read',
  title: 'Mark a Talk conversation read',
  description:
    'Move your read marker in a Talk conversation: to a given message, or to the latest one when last_read_message is absent.',
  input: {
    token,
    last_read_message: messageId.optional().describe('The last message you have read; default the latest'),
  },
  output: {
    conversation_token: z.string(),
    last_read_message: z.number().nullable(),
    unread_messages: z.number(),
  },
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async handler(args, { nc }) {
    const read = await talk.markAsRead(nc, args.token, args.last_read_message);
    return {
      structured: {
        conversation_token: args.token,
        last_read_message: read.lastReadMessage,
        unread_messages: read.unreadMessages,
      },
    };
  },
});

const listReactions = defineTool({
  name: 'talk_list_reactions',
  title: 'List reactions to a Talk message',
  description: 'Who reacted to a chat message with which emoji, optionally only one emoji.',
  input: { token, message_id: messageId, reaction: reaction.optional().describe('Only this emoji') },
  output: reactionsShape,
  hints: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async handler(args, { nc }) {
    const data = await talk.listReactions(nc, args.token, args.message_id, args.reaction);
    return { structured: reactionsView(args.token, args.message_id, data) };
  },
});

const react = defineTool({
  name: 'talk_react',
  title: 'React to a Talk message',
  description:
    'React to a chat message with an emoji; reacting again with the same one changes nothing. Returns all reactions of the message.',
  input: { token, message_id: messageId, reaction },
  output: { ...reactionsShape, added: z.boolean().describe('False when you had reacted so already') },
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async handler(args, { nc }) {
    if (!args.reaction.trim()) throw new InvalidInputError('The reaction must not be blank');
    const { added, reactions } = await talk.react(nc, args.token, args.message_id, args.reaction);
    return { structured: { ...reactionsView(args.token, args.message_id, reactions), added } };
  },
});

const removeReaction = defineTool({
  name: 'talk_remove_reaction',
  title: 'Remove a Talk reaction',
  description: 'Take back your own emoji reaction to a chat message. Returns the reactions left.',
  input: { token, message_id: messageId, reaction },
  output: reactionsShape,
  hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async handler(args, { nc }) {
    const data = await talk.removeReaction(nc, args.token, args.message_id, args.reaction);
    return { structured: reactionsView(args.token, args.message_id, data) };
  },
});

export const talkChatTools = [getMessages, sendMessage, markAsRead, listReactions, react, removeReaction];

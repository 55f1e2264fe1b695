import { z } from 'zod';
import type { Reactions, TalkMessage, TalkRoom } from '../nextcloud/talk.js';

/** What the Talk tools share: token and id arguments, and the shapes of conversations and messages. */

/** The route requirement Talk puts on tokens; anything else could only miss the route. */
export const token = z
  .string()
  .min(4)
  .max(30)
  .regex(/^[a-z0-9]{4,30}$/, 'a conversation token: 4 to 30 lowercase letters and digits')
  .describe('The conversation token, e.g. "a1b2c3d4" (see talk_list_conversations)');
export const messageId = z
  .number()
  .int()
  .min(1)
  .max(Number.MAX_SAFE_INTEGER)
  .describe('The numeric id of a chat message (see talk_get_messages)');
export const includeStatus = z
  .boolean()
  .default(false)
  .describe('Also return the user status (online, away, ...) where Nextcloud has one');

const ROOM_TYPES: Record<number, string> = {
  1: 'one_to_one',
  2: 'group',
  3: 'public',
  4: 'changelog',
  5: 'former_one_to_one',
  6: 'note_to_self',
};
export const ROLES: Record<number, string> = {
  1: 'owner',
  2: 'moderator',
  3: 'user',
  4: 'guest',
  5: 'self_joined',
  6: 'guest_moderator',
};

const iso = (seconds: number | null | undefined) =>
  seconds ? new Date(seconds * 1000).toISOString().replace('.000Z', 'Z') : null;

const actorShape = z.object({
  type: z.string().describe('users, guests, emails, bots, ...'),
  id: z.string(),
  name: z.string(),
});
export const messageShape = {
  id: z.number(),
  actor: actorShape,
  timestamp: z.string().describe('ISO 8601, UTC'),
  message: z.string().describe('The text with mentions, files and other placeholders written out'),
  message_type: z.string().describe('comment, system, command, comment_deleted, voice-message, ...'),
  reply_to: z.number().nullable().describe('The id of the message this one answers'),
  reactions: z.record(z.string(), z.number()).describe('How many reacted with each emoji'),
};
export const conversationShape = {
  token: z.string(),
  name: z.string(),
  type: z.string().describe('one_to_one, group, public, changelog, former_one_to_one or note_to_self'),
  description: z.string(),
  your_role: z.string().nullable().describe('owner, moderator, user, guest, ...'),
  read_only: z.boolean(),
  favorite: z.boolean(),
  unread_messages: z.number(),
  unread_mention: z.boolean(),
  last_activity: z.string().nullable(),
  last_read_message: z.number().nullable(),
  last_message: z.object(messageShape).nullable().describe('Its text cut at 300 characters'),
  status: z.string().nullable().describe('The other user status in a one-to-one, when asked for'),
};
export const reactionsShape = {
  conversation_token: z.string(),
  message_id: z.number(),
  reactions: z.array(z.object({ reaction: z.string(), count: z.number(), actors: z.array(actorShape) })),
};

/**
 * Writes out the rich-object placeholders Talk keeps in message text (`{mention-user1}`,
 * `{actor}`, `{file}`) from `messageParameters`; mentions keep their `@`.
 */
export function resolvePlaceholders(text: string, parameters: TalkMessage['messageParameters']): string {
  const params = Array.isArray(parameters) ? {} : (parameters ?? {});
  return text.replace(/\{([A-Za-z0-9_-]+)\}/g, (whole, key: string) => {
    const param = params[key];
    const name = param?.name ?? param?.id;
    if (typeof name !== 'string') return whole;
    return key.startsWith('mention-') ? `@${name}` : name;
  });
}

export function messageView(message: TalkMessage, maxLength = Number.POSITIVE_INFINITY) {
  const text = resolvePlaceholders(message.message, message.messageParameters);
  return {
    id: message.id,
    actor: { type: message.actorType, id: message.actorId, name: message.actorDisplayName ?? '' },
    timestamp: iso(message.timestamp) ?? '',
    message: text.length > maxLength ? `${text.slice(0, maxLength)}…` : text,
    message_type: message.messageType,
    reply_to: message.parent?.id ?? null,
    // PHP sends an empty map as [].
    reactions: Array.isArray(message.reactions) ? {} : (message.reactions ?? {}),
  };
}

export function conversationView(room: TalkRoom) {
  const last = room.lastMessage;
  return {
    token: room.token,
    name: room.displayName || room.name,
    type: ROOM_TYPES[room.type] ?? `type ${room.type}`,
    description: room.description ?? '',
    your_role: room.participantType ? (ROLES[room.participantType] ?? null) : null,
    read_only: room.readOnly === 1,
    favorite: Boolean(room.isFavorite),
    unread_messages: room.unreadMessages ?? 0,
    unread_mention: Boolean(room.unreadMention),
    last_activity: iso(room.lastActivity),
    last_read_message: room.lastReadMessage || null,
    last_message: last && !Array.isArray(last) ? messageView(last, 300) : null,
    status: room.status ?? null,
  };
}

/** Talk's map emoji → actors as a list. */
export function reactionsView(room: string, message: number, reactions: Reactions) {
  return {
    conversation_token: room,
    message_id: message,
    reactions: Object.entries(reactions).map(([reaction, actors]) => ({
      reaction,
      count: actors.length,
      actors: actors.map((actor) => ({
        type: actor.actorType,
        id: actor.actorId,
        name: actor.actorDisplayName,
      })),
    })),
  };
}

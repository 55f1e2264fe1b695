import { z } from 'zod';
import {
  errorForStatus,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  type ServerError,
  TooLargeError,
  UpstreamFailedError,
} from '../errors.js';
import { headerValue, type NcResponse, type NextcloudClient } from '../nextcloud/client.js';

/**
 * Talk (spreed) OCS API: conversations and participants in API v4, chat and reactions in v1
 * (https://nextcloud-talk.readthedocs.io/en/latest/).
 */
export const ROOM = '/ocs/v2.php/apps/spreed/api/v4/room';
export const CHAT = '/ocs/v2.php/apps/spreed/api/v1/chat';
export const REACTION = '/ocs/v2.php/apps/spreed/api/v1/reaction';

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

export const conversationWhat = (room: string) => `Conversation ${room}`;
export const notParticipant = (room: string) =>
  `Conversation ${room} not found, or you are not one of its participants`;

/** Turns Talk's reason (`data.error`) and status into a message a person can act on, or leaves it. */
type Explain = (status: number, reason: string | undefined) => string | undefined;

const ERROR_CLASS: Record<number, new (message: string) => ServerError> = {
  400: InvalidInputError,
  403: ForbiddenError,
  404: NotFoundError,
  // The lobby: only moderators may read and write until it opens.
  412: ForbiddenError,
  413: TooLargeError,
  501: InvalidInputError,
};

/**
 * One Talk OCS call. Talk explains its refusals only in `data.error` (the OCS message stays
 * empty), so those statuses are read here instead of in the client; 304 is an answer (no messages).
 */
export async function talk<T>(
  nc: NextcloudClient,
  req: {
    method: string;
    path: string;
    what: string;
    query?: Record<string, string | number | boolean | undefined>;
    form?: Record<string, string | number | undefined>;
    explain?: Explain;
  },
): Promise<{ status: number; data: T | undefined; response: NcResponse }> {
  const form = req.form ? new URLSearchParams() : undefined;
  for (const [key, value] of Object.entries(req.form ?? {})) {
    if (value !== undefined) form?.set(key, String(value));
  }
  const response = await nc.send({
    method: req.method,
    path: req.path,
    what: req.what,
    query: { format: 'json', ...req.query },
    headers: {
      accept: 'application/json',
      'ocs-apirequest': 'true',
      ...(form === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
    },
    ...(form === undefined ? {} : { body: form.toString() }),
    accept: [304, ...Object.keys(ERROR_CLASS).map(Number)],
  });
  if (response.status === 304) return { status: 304, data: undefined, response };
  let envelope: { ocs?: { meta?: { message?: unknown }; data?: unknown } } | undefined;
  try {
    envelope = JSON.parse(response.body.toString('utf8'));
  } catch (error) {
    if (response.status >= 300) throw errorForStatus(response.status, req.what);
    throw new UpstreamFailedError(`Nextcloud sent a malformed answer for ${req.what}`, { cause: error });
  }
  if (response.status >= 300) {
    const data = envelope?.ocs?.data as { error?: unknown } | null | undefined;
    const reason = typeof data?.error === 'string' ? data.error : undefined;
    const explained =
      req.explain?.(response.status, reason) ??
      (response.status === 412
        ? `${req.what} has its lobby closed: only its moderators can use it until the lobby opens`
        : undefined);
    const ErrorClass = ERROR_CLASS[response.status];
    if (explained && ErrorClass) throw new ErrorClass(explained);
    const message = envelope?.ocs?.meta?.message;
    throw errorForStatus(
      response.status,
      req.what,
      typeof message === 'string' && message ? message : reason,
    );
  }
  return { status: response.status, data: envelope?.ocs?.data as T, response };
}

/** The numeric header Talk uses as the paging cursor, if present. */
export function cursorOf(response: NcResponse): number | null {
  const value = Number(headerValue(response.headers, 'x-chat-last-given'));
  return Number.isSafeInteger(value) && value > 0 ? value : null;
}

export interface TalkMessage {
  id: number;
  actorType: string;
  actorId: string;
  actorDisplayName: string;
  timestamp: number;
  message: string;
  messageType: string;
  messageParameters?: Record<string, { name?: string; id?: string }> | [];
  parent?: { id: number };
  reactions?: Record<string, number> | [];
}

export interface TalkRoom {
  token: string;
  type: number;
  name: string;
  displayName: string;
  description?: string;
  participantType?: number;
  readOnly?: number;
  unreadMessages?: number;
  unreadMention?: boolean;
  lastActivity?: number;
  lastReadMessage?: number;
  lastMessage?: TalkMessage | [];
  isFavorite?: boolean;
  status?: string;
  statusMessage?: string | null;
}

export interface TalkReactor {
  actorType: string;
  actorId: string;
  actorDisplayName: string;
}

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

const iso = (seconds: number | undefined) =>
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

/** Talk answers reactions as a map emoji → actors; an empty map arrives as `{}` or `[]`. */
export function reactionsView(
  room: string,
  message: number,
  data: Record<string, TalkReactor[]> | [] | null | undefined,
) {
  return {
    conversation_token: room,
    message_id: message,
    reactions: Object.entries(data && !Array.isArray(data) ? data : {}).map(([reaction, actors]) => ({
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

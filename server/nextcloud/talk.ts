import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Explanation } from '../errors.js';
import {
  checkAnswer,
  headerValue,
  type NcResponse,
  type NextcloudClient,
  ocsEnvelope,
  readJson,
} from './client.js';
import {
  MessageSchema,
  ParticipantSchema,
  PostedSchema,
  ReactionsSchema,
  ReadMarkerSchema,
  RefusalMessage,
  RefusalReason,
  RoomSchema,
  type TalkMessage,
  type TalkParticipant,
  type TalkReactor,
  type TalkRoom,
} from './talk-answers.js';

export type { TalkMessage, TalkParticipant, TalkReactor, TalkRoom };

/**
 * Talk (spreed) OCS API: conversations and participants in API v4, chat and reactions in v1
 * (https://nextcloud-talk.readthedocs.io/en/latest/).
 */
const ROOM = '/ocs/v2.php/apps/spreed/api/v4/room';
const CHAT = '/ocs/v2.php/apps/spreed/api/v1/chat';
const REACTION = '/ocs/v2.php/apps/spreed/api/v1/reaction';

/** Turns Talk's reason (`data.error`) and status into a message a person can act on, or leaves it. */
type Reason = (status: number, reason: string | undefined) => string | undefined;

/** Talk means by these what HTTP means by others: 412 is a closed lobby, 501 a feature switched off. */
const MEANS: Record<number, number> = { 412: 403, 501: 400 };

/**
 * Talk's hook into the shared status table. Talk explains its refusals only in `data.error` (the
 * OCS message stays empty), so the reason is read here and turned into a message by `explain`.
 */
function refusal(what: string, explain: Reason | undefined) {
  return (response: NcResponse): Explanation | undefined => {
    let body: unknown;
    try {
      body = JSON.parse(response.body.toString('utf8'));
    } catch {
      // A refusal without an OCS body (a proxy's page): the status says enough.
      return undefined;
    }
    const reason = RefusalReason.safeParse(body).data?.ocs.data.error;
    const message =
      explain?.(response.status, reason) ??
      (response.status === 412
        ? `${what} has its lobby closed: only its moderators can use it until the lobby opens`
        : undefined);
    return {
      message,
      detail: RefusalMessage.safeParse(body).data?.ocs.meta.message ?? reason,
      status: MEANS[response.status],
    };
  };
}

/** One Talk OCS call; `accept` as in NcRequest (the chat answers 304 when nothing is new). */
function call(
  nc: NextcloudClient,
  req: {
    method: string;
    path: string;
    what: string;
    query?: Record<string, string | number | boolean | undefined>;
    form?: Record<string, string | number | undefined>;
    explain?: Reason;
    accept?: number[];
  },
): Promise<NcResponse> {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(req.form ?? {})) {
    if (value !== undefined) form.set(key, String(value));
  }
  return nc.send({
    method: req.method,
    path: req.path,
    what: req.what,
    query: { format: 'json', ...req.query },
    headers: {
      accept: 'application/json',
      ...(req.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    ...(req.form ? { body: form.toString() } : {}),
    ...(req.accept ? { accept: req.accept } : {}),
    explain: refusal(req.what, req.explain),
  });
}

/** The `ocs.data` of a Talk answer, checked against `schema`. */
function answer<S extends z.ZodType>(schema: S, response: NcResponse, what: string): z.output<S> {
  return checkAnswer(schema, ocsEnvelope(readJson(response, what), what).data, what);
}

const conversation = (token: string) => `Conversation ${token}`;
const notParticipant = (token: string) => (status: number) =>
  status === 404 ? `Conversation ${token} not found, or you are not one of its participants` : undefined;

export async function listConversations(
  nc: NextcloudClient,
  options: { modifiedSince?: number | undefined; includeStatus: boolean },
): Promise<TalkRoom[]> {
  const what = 'The Talk conversations';
  const response = await call(nc, {
    method: 'GET',
    path: ROOM,
    what,
    query: {
      // Reading on someone's behalf must not mark them online.
      noStatusUpdate: 1,
      includeStatus: options.includeStatus || undefined,
      modifiedSince: options.modifiedSince,
    },
  });
  return answer(z.array(RoomSchema), response, what);
}

export async function getConversation(nc: NextcloudClient, token: string): Promise<TalkRoom> {
  const what = conversation(token);
  const response = await call(nc, {
    method: 'GET',
    path: `${ROOM}/${token}`,
    what,
    explain: notParticipant(token),
  });
  return answer(RoomSchema, response, what);
}

export async function listParticipants(
  nc: NextcloudClient,
  token: string,
  includeStatus: boolean,
): Promise<TalkParticipant[]> {
  const what = conversation(token);
  const response = await call(nc, {
    method: 'GET',
    path: `${ROOM}/${token}/participants`,
    what,
    query: { includeStatus: includeStatus || undefined },
    explain: (status) => (status === 403 ? 'Guests cannot list participants' : notParticipant(token)(status)),
  });
  return answer(z.array(ParticipantSchema), response, what);
}

/** `roomType` 1 one-to-one (with `invite`), 2 group, 3 public; an existing one-to-one comes back as it is. */
export async function createConversation(
  nc: NextcloudClient,
  room: { roomType: 1 | 2 | 3; roomName?: string | undefined; invite?: string | undefined },
): Promise<{ created: boolean; room: TalkRoom }> {
  const what = 'The new conversation';
  const response = await call(nc, {
    method: 'POST',
    path: ROOM,
    what,
    form: room,
    explain: (status, reason) => {
      if (status === 404) return `No ${room.roomType === 1 ? 'user' : 'group'} "${room.invite}" to invite`;
      if (status === 403) return 'You are not allowed to create conversations on this Nextcloud';
      if (reason === 'name') return 'The conversation name is empty or longer than 255 characters';
      if (reason === 'type') return `Nextcloud does not accept room_type ${room.roomType}`;
      return undefined;
    },
  });
  return { created: response.status === 201, room: answer(RoomSchema, response, what) };
}

export const PARTICIPANT_SOURCES = ['users', 'groups', 'emails', 'circles', 'federated_users'] as const;
export type ParticipantSource = (typeof PARTICIPANT_SOURCES)[number];
const NOUN: Record<ParticipantSource, string> = {
  users: 'user',
  groups: 'group',
  emails: 'email address',
  circles: 'team',
  federated_users: 'federated user',
};

/** Adding someone already there changes nothing. */
export async function addParticipant(
  nc: NextcloudClient,
  token: string,
  participant: string,
  source: ParticipantSource,
): Promise<void> {
  await call(nc, {
    method: 'POST',
    path: `${ROOM}/${token}/participants`,
    what: conversation(token),
    form: { newParticipant: participant, source },
    explain: (status, reason) => {
      if (reason === 'room-type')
        return `Conversation ${token} is one-to-one or a note to self: it cannot take more participants`;
      if (reason === 'new-participant' && status === 404) return `No ${NOUN[source]} "${participant}" to add`;
      if (reason === 'new-participant') return `${source} cannot be added on this Nextcloud`;
      if (reason === 'ban') return `${participant} is banned from conversation ${token}`;
      if (reason === 'federation') return 'Federation is not enabled on this Nextcloud';
      if (reason === 'source') return `Participants from ${source} cannot be added to this conversation`;
      if (status === 403) return `Only moderators of conversation ${token} can add participants`;
      return notParticipant(token)(status);
    },
  });
}

/**
 * A page of chat messages: before `lastKnownMessageId` (the latest without it), or after it with
 * `lookIntoFuture`. `lastKnown` is Talk's paging cursor for the next page, null when there is none.
 */
export async function getMessages(
  nc: NextcloudClient,
  token: string,
  page: {
    limit: number;
    lastKnownMessageId?: number | undefined;
    includeLastKnown: boolean;
    lookIntoFuture: boolean;
  },
): Promise<{ messages: TalkMessage[]; lastKnown: number | null }> {
  const what = conversation(token);
  const response = await call(nc, {
    method: 'GET',
    path: `${CHAT}/${token}`,
    what,
    query: {
      lookIntoFuture: page.lookIntoFuture ? 1 : 0,
      limit: page.limit,
      lastKnownMessageId: page.lastKnownMessageId,
      includeLastKnown: page.includeLastKnown ? 1 : 0,
      // A read for a tool neither waits for new messages nor marks anything read or online.
      timeout: page.lookIntoFuture ? 0 : undefined,
      setReadMarker: 0,
      markNotificationsAsRead: 0,
      noStatusUpdate: 1,
    },
    explain: notParticipant(token),
    accept: [304],
  });
  if (response.status === 304) return { messages: [], lastKnown: null };
  const cursor = Number(headerValue(response.headers, 'x-chat-last-given'));
  return {
    messages: answer(z.array(MessageSchema), response, what),
    lastKnown: Number.isSafeInteger(cursor) && cursor > 0 ? cursor : null,
  };
}

/** Posts as the caller; the posted message, or null from a Talk that does not send it back. */
export async function sendMessage(
  nc: NextcloudClient,
  token: string,
  post: { message: string; replyTo?: number | undefined; silent: boolean },
): Promise<TalkMessage | null> {
  const what = conversation(token);
  const response = await call(nc, {
    method: 'POST',
    path: `${CHAT}/${token}`,
    what,
    form: {
      message: post.message,
      replyTo: post.replyTo,
      // Lets Talk and its clients recognise this post if it is ever seen twice.
      referenceId: randomBytes(32).toString('hex'),
      silent: post.silent ? 'true' : undefined,
    },
    explain: (status, reason) => {
      if (reason === 'reply-to')
        return `Message ${post.replyTo} cannot be answered in conversation ${token}: it is not there, or it is a system message`;
      if (status === 413) return 'The message is longer than this Nextcloud allows';
      if (status === 403) return `You cannot post in conversation ${token}: it is read-only for you`;
      if (status === 400) return 'Nextcloud refused the message';
      return notParticipant(token)(status);
    },
  });
  const posted = answer(PostedSchema, response, what);
  return posted && !Array.isArray(posted) ? posted : null;
}

/** Moves the read marker to `lastReadMessage`, or to the latest message without it. */
export async function markAsRead(
  nc: NextcloudClient,
  token: string,
  lastReadMessage: number | undefined,
): Promise<{ lastReadMessage: number | null; unreadMessages: number }> {
  const what = conversation(token);
  const response = await call(nc, {
    method: 'POST',
    path: `${CHAT}/${token}/read`,
    what,
    form: { lastReadMessage },
    explain: notParticipant(token),
  });
  const marker = answer(ReadMarkerSchema, response, what);
  // Talk before 17 answers without the conversation.
  const read = Array.isArray(marker) ? undefined : marker;
  return { lastReadMessage: read?.lastReadMessage || null, unreadMessages: read?.unreadMessages ?? 0 };
}

export type Reactions = Record<string, TalkReactor[]>;
const reactions = (data: z.output<typeof ReactionsSchema>): Reactions =>
  data && !Array.isArray(data) ? data : {};

const noMessage = (token: string, id: number) => (status: number) =>
  status === 404
    ? `Message ${id} not found in conversation ${token} (or you are not a participant)`
    : undefined;

/** Who reacted to a message with which emoji; `reaction` keeps only that one. */
export async function listReactions(
  nc: NextcloudClient,
  token: string,
  messageId: number,
  reaction?: string,
): Promise<Reactions> {
  const what = `Message ${messageId}`;
  const response = await call(nc, {
    method: 'GET',
    path: `${REACTION}/${token}/${messageId}`,
    what,
    query: { reaction },
    explain: noMessage(token, messageId),
  });
  return reactions(answer(ReactionsSchema, response, what));
}

/** Reacting again with the same emoji changes nothing (`added` is then false). */
export async function react(
  nc: NextcloudClient,
  token: string,
  messageId: number,
  reaction: string,
): Promise<{ added: boolean; reactions: Reactions }> {
  const what = `Message ${messageId}`;
  const response = await call(nc, {
    method: 'POST',
    path: `${REACTION}/${token}/${messageId}`,
    what,
    form: { reaction },
    explain: (status) =>
      status === 400
        ? `Message ${messageId} cannot take reactions (system messages cannot)`
        : status === 403
          ? `You cannot react in conversation ${token}: it is read-only for you`
          : noMessage(token, messageId)(status),
  });
  return { added: response.status === 201, reactions: reactions(answer(ReactionsSchema, response, what)) };
}

/** Takes back the caller's reaction; the reactions left. */
export async function removeReaction(
  nc: NextcloudClient,
  token: string,
  messageId: number,
  reaction: string,
): Promise<Reactions> {
  const what = `Message ${messageId}`;
  const response = await call(nc, {
    method: 'DELETE',
    path: `${REACTION}/${token}/${messageId}`,
    what,
    // Query parameters reach the controller whatever the method; a DELETE body is less certain.
    query: { reaction },
    explain: (status) =>
      status === 404
        ? `You have no ${reaction} reaction on message ${messageId} in conversation ${token}`
        : status === 403
          ? `You cannot change reactions in conversation ${token}: it is read-only for you`
          : undefined,
  });
  return reactions(answer(ReactionsSchema, response, what));
}

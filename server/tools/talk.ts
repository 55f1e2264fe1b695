import { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import { ROOM, TALK, talk } from '../nextcloud/talk.js';
import { defineTool } from '../registry.js';
import {
  conversationShape,
  conversationView,
  conversationWhat,
  includeStatus,
  notParticipant,
  ROLES,
  token,
} from './talk-views.js';

const paging = (max: number, fallback: number) => ({
  limit: z.number().int().min(1).max(max).default(fallback),
  offset: z.number().int().min(0).max(1_000_000).default(0),
});
const page = <T>(items: readonly T[], offset: number, limit: number) => ({
  slice: items.slice(offset, offset + limit),
  next_offset: offset + limit < items.length ? offset + limit : null,
});
const notFound = (room: string) => (status: number) => (status === 404 ? notParticipant(room) : undefined);

const listConversations = defineTool({
  name: 'talk_list_conversations',
  title: 'List Talk conversations',
  description:
    'Your Talk conversations, most recently active first: token, name, type, unread count and the last message. Use the token with the other talk tools.',
  input: {
    modified_since: z
      .number()
      .int()
      .min(0)
      .max(4_102_444_800)
      .optional()
      .describe('Unix time in seconds: only conversations active after it'),
    include_status: includeStatus,
    ...paging(500, 100),
  },
  output: {
    conversations: z.array(z.object(conversationShape)),
    total_count: z.number(),
    offset: z.number(),
    next_offset: z.number().nullable(),
  },
  hints: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async handler(args, { nc }) {
    const { data } = await talk(nc, TALK.rooms, {
      method: 'GET',
      path: ROOM,
      what: 'The Talk conversations',
      // Reading on someone's behalf must not mark them online.
      query: {
        noStatusUpdate: 1,
        includeStatus: args.include_status || undefined,
        modifiedSince: args.modified_since,
      },
    });
    const rooms = [...(data ?? [])].sort((a, b) => (b.lastActivity ?? 0) - (a.lastActivity ?? 0));
    const { slice, next_offset } = page(rooms, args.offset, args.limit);
    return {
      structured: {
        conversations: slice.map(conversationView),
        total_count: rooms.length,
        offset: args.offset,
        next_offset,
      },
    };
  },
});

const getConversation = defineTool({
  name: 'talk_get_conversation',
  title: 'Get a Talk conversation',
  description:
    'One Talk conversation by its token: name, type, description, your role, unread count, read marker and last message.',
  input: { token },
  output: conversationShape,
  hints: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async handler(args, { nc }) {
    const { data } = await talk(nc, TALK.room, {
      method: 'GET',
      path: `${ROOM}/${args.token}`,
      what: conversationWhat(args.token),
      explain: notFound(args.token),
    });
    return { structured: conversationView(data as NonNullable<typeof data>) };
  },
});

const listParticipants = defineTool({
  name: 'talk_list_participants',
  title: 'List Talk participants',
  description:
    'Who takes part in a Talk conversation: users, groups, guests and email invitees with their role and whether they are in the call.',
  input: { token, include_status: includeStatus, ...paging(1000, 200) },
  output: {
    conversation_token: z.string(),
    participants: z.array(
      z.object({
        attendee_id: z.number(),
        type: z.string().describe('users, groups, circles, guests, emails, federated_users, ...'),
        id: z.string(),
        name: z.string(),
        role: z.string().describe('owner, moderator, user, guest, self_joined or guest_moderator'),
        in_call: z.boolean(),
        status: z.string().nullable(),
        status_message: z.string().nullable(),
      }),
    ),
    total_count: z.number(),
    offset: z.number(),
    next_offset: z.number().nullable(),
  },
  hints: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async handler(args, { nc }) {
    const { data } = await talk(nc, TALK.participants, {
      method: 'GET',
      path: `${ROOM}/${args.token}/participants`,
      what: conversationWhat(args.token),
      query: { includeStatus: args.include_status || undefined },
      explain: (status) =>
        status === 403 ? 'Guests cannot list participants' : notFound(args.token)(status),
    });
    const all = data ?? [];
    const { slice, next_offset } = page(all, args.offset, args.limit);
    return {
      structured: {
        conversation_token: args.token,
        participants: slice.map((p) => ({
          attendee_id: p.attendeeId,
          type: p.actorType,
          id: p.actorId,
          name: p.displayName,
          role: ROLES[p.participantType] ?? `type ${p.participantType}`,
          in_call: (p.inCall ?? 0) > 0,
          status: p.status ?? null,
          status_message: p.statusMessage ?? null,
        })),
        total_count: all.length,
        offset: args.offset,
        next_offset,
      },
    };
  },
});

const createConversation = defineTool({
  name: 'talk_create_conversation',
  title: 'Create a Talk conversation',
  description:
    'Start a Talk conversation: a group (room_type 2, the default) or public (3) one with a name, optionally with the members of a group (invite), or a one-to-one (1) with the user in invite. A one-to-one that exists already is returned as it is.',
  input: {
    room_name: z
      .string()
      .max(255)
      .optional()
      .describe('Required for group and public conversations; ignored for one-to-one'),
    room_type: z.literal([1, 2, 3]).default(2).describe('1 one-to-one, 2 group, 3 public (guests by link)'),
    invite: z
      .string()
      .min(1)
      .max(255)
      .optional()
      .describe('One-to-one: the other user id (required). Group or public: a group id whose members join'),
  },
  output: {
    created: z.boolean().describe('False when the one-to-one existed'),
    conversation: z.object(conversationShape),
  },
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(args, { nc }) {
    const name = args.room_name?.trim() ?? '';
    if (args.room_type === 1 && !args.invite?.trim()) {
      throw new InvalidInputError('A one-to-one conversation (room_type 1) needs invite: the other user id');
    }
    if (args.room_type !== 1 && !name) {
      throw new InvalidInputError(`room_name is required for room_type ${args.room_type}`);
    }
    const { status, data } = await talk(nc, TALK.room, {
      method: 'POST',
      path: ROOM,
      what: 'The new conversation',
      form: {
        roomType: args.room_type,
        roomName: args.room_type === 1 ? undefined : name,
        invite: args.invite,
      },
      explain: (code, reason) => {
        if (code === 404) return `No ${args.room_type === 1 ? 'user' : 'group'} "${args.invite}" to invite`;
        if (code === 403) return 'You are not allowed to create conversations on this Nextcloud';
        if (reason === 'name') return 'The conversation name is empty or longer than 255 characters';
        if (reason === 'type') return `Nextcloud does not accept room_type ${args.room_type}`;
        return undefined;
      },
    });
    return {
      structured: {
        created: status === 201,
        conversation: conversationView(data as NonNullable<typeof data>),
      },
    };
  },
});

const SOURCES = ['users', 'groups', 'emails', 'circles', 'federated_users'] as const;
const NOUN: Record<(typeof SOURCES)[number], string> = {
  users: 'user',
  groups: 'group',
  emails: 'email address',
  circles: 'team',
  federated_users: 'federated user',
};

const addParticipant = defineTool({
  name: 'talk_add_participant',
  title: 'Add a Talk participant',
  description:
    'Add a user, the members of a group, an email invitee, a team (circle) or a federated user to a group or public conversation; needs moderator rights. Adding someone already there changes nothing.',
  input: {
    token,
    participant: z
      .string()
      .min(1)
      .max(255)
      .describe('User id, group id, email address, circle id or cloud id'),
    source: z.enum(SOURCES).default('users').describe('What participant names'),
  },
  output: {
    conversation_token: z.string(),
    participant: z.string(),
    source: z.enum(SOURCES),
    added: z.boolean(),
  },
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async handler(args, { nc }) {
    const participant = args.participant.trim();
    if (!participant) throw new InvalidInputError('participant must not be blank');
    await talk(nc, TALK.ignored, {
      method: 'POST',
      path: `${ROOM}/${args.token}/participants`,
      what: conversationWhat(args.token),
      form: { newParticipant: participant, source: args.source },
      explain: (status, reason) => {
        if (reason === 'room-type')
          return `Conversation ${args.token} is one-to-one or a note to self: it cannot take more participants`;
        if (reason === 'new-participant' && status === 404)
          return `No ${NOUN[args.source]} "${participant}" to add`;
        if (reason === 'new-participant') return `${args.source} cannot be added on this Nextcloud`;
        if (reason === 'ban') return `${participant} is banned from conversation ${args.token}`;
        if (reason === 'federation') return 'Federation is not enabled on this Nextcloud';
        if (reason === 'source')
          return `Participants from ${args.source} cannot be added to this conversation`;
        if (status === 403) return `Only moderators of conversation ${args.token} can add participants`;
        return notFound(args.token)(status);
      },
    });
    return {
      structured: { conversation_token: args.token, participant, source: args.source, added: true },
    };
  },
});

export const talkTools = [
  listConversations,
  getConversation,
  listParticipants,
  createConversation,
  addParticipant,
];

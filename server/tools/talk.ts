import { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import * as talk from '../nextcloud/talk.js';
import { defineTool } from '../registry.js';
import { conversationShape, conversationView, includeStatus, ROLES, token } from './talk-views.js';

const paging = (max: number, fallback: number) => ({
  limit: z.number().int().min(1).max(max).default(fallback),
  offset: z.number().int().min(0).max(1_000_000).default(0),
});
const page = <T>(items: readonly T[], offset: number, limit: number) => ({
  slice: items.slice(offset, offset + limit),
  next_offset: offset + limit < items.length ? offset + limit : null,
});

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
    const data = await talk.listConversations(nc, {
      modifiedSince: args.modified_since,
      includeStatus: args.include_status,
    });
    const rooms = [...data].sort((a, b) => (b.lastActivity ?? 0) - (a.lastActivity ?? 0));
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
    return { structured: conversationView(await talk.getConversation(nc, args.token)) };
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
    const all = await talk.listParticipants(nc, args.token, args.include_status);
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
    const { created, room } = await talk.createConversation(nc, {
      roomType: args.room_type,
      roomName: args.room_type === 1 ? undefined : name,
      invite: args.invite,
    });
    return { structured: { created, conversation: conversationView(room) } };
  },
});

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
    source: z.enum(talk.PARTICIPANT_SOURCES).default('users').describe('What participant names'),
  },
  output: {
    conversation_token: z.string(),
    participant: z.string(),
    source: z.enum(talk.PARTICIPANT_SOURCES),
    added: z.boolean(),
  },
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async handler(args, { nc }) {
    const participant = args.participant.trim();
    if (!participant) throw new InvalidInputError('participant must not be blank');
    await talk.addParticipant(nc, args.token, participant, args.source);
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

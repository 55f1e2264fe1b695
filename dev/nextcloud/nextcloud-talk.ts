import { createHash, randomBytes } from 'node:crypto';
import { type RequestContext, sendOcs } from './nextcloud.js';

/**
 * Talk (spreed) stand-in, following its docs (conversation.md, participant.md, chat.md,
 * reaction.md) and controllers: rooms in API v4, chat and reactions in API v1, OCS envelopes with
 * the reason in `data.error`, 404 for a room the user is not in, 304 for an empty chat page,
 * `X-Chat-Last-Given` as the paging cursor, newest-first history, mentions as rich objects,
 * system messages with `{actor}` placeholders, read-only rooms (403) and moderator checks (403).
 */
export interface TalkAttendee {
  attendeeId: number;
  actorType: 'users' | 'groups' | 'emails';
  actorId: string;
  displayName: string;
  participantType: number;
  lastReadMessage: number;
}

export interface TalkComment {
  id: number;
  actorType: string;
  actorId: string;
  timestamp: number;
  /** As stored: mentions still as `@user`, system messages as their placeholder text. */
  message: string;
  parameters: Record<string, Record<string, string>>;
  systemMessage: string;
  parentId: number;
  reactions: { reaction: string; actorType: string; actorId: string; timestamp: number }[];
}

export interface TalkRoomState {
  id: number;
  token: string;
  type: number;
  name: string;
  description: string;
  readOnly: 0 | 1;
  lastActivity: number;
  attendees: TalkAttendee[];
  comments: TalkComment[];
}

export interface TalkState {
  rooms: Map<string, TalkRoomState>;
  nextId: number;
}

export const newTalk = (): TalkState => ({ rooms: new Map(), nextId: 1 });

const ROOM = '/ocs/v2.php/apps/spreed/api/v4/room';
const CHAT = '/ocs/v2.php/apps/spreed/api/v1/chat';
const REACTION = '/ocs/v2.php/apps/spreed/api/v1/reaction';
const TOKEN = '([a-z0-9]{4,30})';
const OWNER = 1;
const MODERATOR = 2;
const USER = 3;
const now = () => Math.floor(Date.now() / 1000);

/** Request parameters as Nextcloud merges them: query, then a form or JSON body. */
function paramsOf(ctx: RequestContext): Record<string, string> {
  const params: Record<string, string> = Object.fromEntries(ctx.url.searchParams);
  const body = ctx.body.toString('utf8');
  if (!body) return params;
  if (String(ctx.req.headers['content-type']).includes('json')) {
    for (const [key, value] of Object.entries(JSON.parse(body) as Record<string, unknown>))
      params[key] = String(value);
  } else Object.assign(params, Object.fromEntries(new URLSearchParams(body)));
  return params;
}

export async function handleTalk(ctx: RequestContext): Promise<void> {
  const { req, res, url } = ctx;
  const state = ctx.standin.talk;
  const params = paramsOf(ctx);
  const path = url.pathname;
  if (path === ROOM && req.method === 'GET') {
    const since = Number(params.modifiedSince ?? 0);
    const mine = [...state.rooms.values()].filter((r) => self(r, ctx.user) && r.lastActivity > since);
    return sendOcs(
      res,
      200,
      mine.map((r) => formatRoom(ctx, r)),
    );
  }
  if (path === ROOM && req.method === 'POST') return createRoom(ctx, params);

  let match = new RegExp(`^(?:${ROOM}|${CHAT}|${REACTION})/${TOKEN}(/.*)?$`).exec(path);
  const room = match ? state.rooms.get(match[1] ?? '') : undefined;
  const me = room && self(room, ctx.user);
  if (!match) return sendOcs(res, 404, null, 'Invalid query');
  if (!room || !me) return sendOcs(res, 404, []);
  const rest = match[2] ?? '';
  const moderator = me.participantType === OWNER || me.participantType === MODERATOR;

  if (path.startsWith(ROOM)) {
    if (rest === '' && req.method === 'GET') return sendOcs(res, 200, formatRoom(ctx, room));
    if (rest === '' && req.method === 'DELETE') {
      if (room.type === 1) return sendOcs(res, 400, { error: 'type' });
      if (!moderator) return sendOcs(res, 403, []);
      state.rooms.delete(room.token);
      return sendOcs(res, 200, null);
    }
    // Leaving: the conversation goes with its last user, and a one-to-one stays for the other.
    if (rest === '/participants/self' && req.method === 'DELETE') {
      room.attendees = room.attendees.filter((a) => a !== me);
      if (!room.attendees.some((a) => a.actorType === 'users')) state.rooms.delete(room.token);
      return sendOcs(res, 200, null);
    }
    if (rest === '/participants' && req.method === 'GET')
      return sendOcs(res, 200, room.attendees.map(formatAttendee));
    if (rest === '/participants' && req.method === 'POST') {
      if (!moderator) return sendOcs(res, 403, []);
      return addParticipant(ctx, room, params.newParticipant ?? '', params.source ?? 'users');
    }
  }
  if (path.startsWith(CHAT)) {
    if (rest === '' && req.method === 'GET') return receiveMessages(ctx, room, me, params);
    if (rest === '' && req.method === 'POST') return sendMessage(ctx, room, me, params);
    if (rest === '/read' && req.method === 'POST') {
      me.lastReadMessage = Number(params.lastReadMessage ?? room.comments.at(-1)?.id ?? 0);
      return sendOcs(res, 200, formatRoom(ctx, room));
    }
  }
  match = /^\/(\d+)$/.exec(rest);
  if (path.startsWith(REACTION) && match) return reactions(ctx, room, Number(match[1]), params);
  return sendOcs(res, 404, null, 'Invalid query');
}

function self(room: TalkRoomState, user: string): TalkAttendee | undefined {
  return room.attendees.find((a) => a.actorType === 'users' && a.actorId === user);
}

function attend(room: TalkRoomState, actorType: TalkAttendee['actorType'], actorId: string, type: number) {
  if (room.attendees.some((a) => a.actorType === actorType && a.actorId === actorId)) return false;
  const attendeeId = room.attendees.reduce((max, a) => Math.max(max, a.attendeeId), room.id * 1000) + 1;
  room.attendees.push({
    attendeeId,
    actorType,
    actorId,
    displayName: actorId,
    participantType: type,
    lastReadMessage: 0,
  });
  return true;
}

/** Comment ids are global, as in Nextcloud's comments table. */
function post(
  ctx: RequestContext,
  room: TalkRoomState,
  comment: Omit<TalkComment, 'id' | 'timestamp' | 'reactions'>,
) {
  const id = ctx.standin.talk.nextId++;
  const entry = { ...comment, id, timestamp: now(), reactions: [] };
  room.comments.push(entry);
  room.lastActivity = entry.timestamp;
  return entry;
}

function system(ctx: RequestContext, room: TalkRoomState, verb: string, text: string, user?: string) {
  post(ctx, room, {
    actorType: 'users',
    actorId: ctx.user,
    message: text,
    parameters: {
      actor: { type: 'user', id: ctx.user, name: ctx.user },
      ...(user ? { user: { type: 'user', id: user, name: user } } : {}),
    },
    systemMessage: verb,
    parentId: 0,
  });
}

function createRoom(ctx: RequestContext, params: Record<string, string>) {
  const { users, groups = {} } = ctx.standin.options;
  const type = Number(params.roomType ?? 2);
  const invite = params.invite ?? '';
  const rooms = ctx.standin.talk.rooms;
  if (![1, 2, 3].includes(type)) return sendOcs(ctx.res, 400, { error: 'type' });
  if (type === 1) {
    if (!(invite in users) || invite === ctx.user) return sendOcs(ctx.res, 404, { error: 'invite' });
    // The pair's conversation, which one of them may have left: Talk adds them back.
    const existing = [...rooms.values()].find(
      (room) =>
        room.type === 1 &&
        self(room, invite) &&
        (self(room, ctx.user) ||
          (room.attendees.every((a) => a.actorId === invite) && [invite, ctx.user].includes(room.name))),
    );
    if (existing) {
      attend(existing, 'users', ctx.user, OWNER);
      return sendOcs(ctx.res, 200, formatRoom(ctx, existing));
    }
  }
  const name = (params.roomName ?? '').trim();
  if (type !== 1 && (name === '' || name.length > 255)) return sendOcs(ctx.res, 400, { error: 'name' });
  if (type !== 1 && invite && !(invite in groups)) return sendOcs(ctx.res, 404, { error: 'invite' });
  const id = ctx.standin.talk.nextId++;
  const room: TalkRoomState = {
    id,
    token: randomBytes(5).toString('hex'),
    type,
    name: type === 1 ? invite : name,
    description: '',
    readOnly: 0,
    lastActivity: now(),
    attendees: [],
    comments: [],
  };
  attend(room, 'users', ctx.user, OWNER);
  rooms.set(room.token, room);
  system(ctx, room, 'conversation_created', '{actor} created the conversation');
  if (type === 1) attend(room, 'users', invite, OWNER);
  else if (invite) addGroup(ctx, room, invite);
  return sendOcs(ctx.res, 201, formatRoom(ctx, room));
}

function addGroup(ctx: RequestContext, room: TalkRoomState, group: string) {
  attend(room, 'groups', group, USER);
  for (const member of ctx.standin.options.groups?.[group] ?? []) {
    if (attend(room, 'users', member, USER)) system(ctx, room, 'user_added', '{actor} added {user}', member);
  }
}

function addParticipant(ctx: RequestContext, room: TalkRoomState, who: string, source: string) {
  const { users, groups = {} } = ctx.standin.options;
  if (room.type === 1 || room.type === 5 || room.type === 6)
    return sendOcs(ctx.res, 400, { error: 'room-type' });
  if (source === 'users') {
    if (!(who in users)) return sendOcs(ctx.res, 404, { error: 'new-participant' });
    if (attend(room, 'users', who, USER)) system(ctx, room, 'user_added', '{actor} added {user}', who);
    return sendOcs(ctx.res, 200, []);
  }
  if (source === 'groups') {
    if (!(who in groups)) return sendOcs(ctx.res, 404, { error: 'new-participant' });
    addGroup(ctx, room, who);
    return sendOcs(ctx.res, 200, []);
  }
  if (source === 'emails') {
    // Inviting by email turns a group conversation public, as Talk does.
    const changed = room.type !== 3;
    room.type = 3;
    attend(room, 'emails', createHash('sha256').update(who.toLowerCase()).digest('hex'), 4);
    return sendOcs(ctx.res, 200, changed ? { type: 3 } : []);
  }
  // A default install: no Teams (circles) app, no federation.
  if (source === 'circles' || source === 'teams') return sendOcs(ctx.res, 400, { error: 'new-participant' });
  if (source === 'federated_users') return sendOcs(ctx.res, 501, { error: 'federation' });
  return sendOcs(ctx.res, 400, { error: 'source' });
}

function receiveMessages(
  ctx: RequestContext,
  room: TalkRoomState,
  me: TalkAttendee,
  params: Record<string, string>,
) {
  if (!('lookIntoFuture' in params)) return sendOcs(ctx.res, 400, null, 'Parameter lookIntoFuture missing');
  const future = params.lookIntoFuture === '1';
  const known = Number(params.lastKnownMessageId ?? 0);
  const limit = Math.min(200, Number(params.limit ?? 100));
  const withKnown = params.includeLastKnown === '1';
  if (future && params.setReadMarker !== '0' && known > me.lastReadMessage) me.lastReadMessage = known;
  const page = future
    ? room.comments.filter((c) => c.id > known || (withKnown && c.id === known)).slice(0, limit)
    : room.comments
        .filter((c) => known === 0 || c.id < known || (withKnown && c.id === known))
        .reverse()
        .slice(0, limit);
  if (page.length === 0) {
    ctx.res.writeHead(304).end();
    return;
  }
  const last = page.at(-1)?.id ?? 0;
  ctx.res
    .writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'x-chat-last-given': String(last) })
    .end(
      JSON.stringify({
        ocs: {
          meta: { status: 'ok', statuscode: 200, message: 'OK' },
          data: page.map((c) => formatMessage(ctx, room, c, true)),
        },
      }),
    );
}

function sendMessage(
  ctx: RequestContext,
  room: TalkRoomState,
  me: TalkAttendee,
  params: Record<string, string>,
) {
  if (room.readOnly) return sendOcs(ctx.res, 403, []);
  const text = params.message ?? '';
  if (text.trim() === '') return sendOcs(ctx.res, 400, { error: 'message' });
  if (text.length > 32_000) return sendOcs(ctx.res, 413, { error: 'message' });
  const replyTo = Number(params.replyTo ?? 0);
  if (replyTo) {
    const parent = room.comments.find((c) => c.id === replyTo);
    if (!parent || parent.systemMessage) return sendOcs(ctx.res, 400, { error: 'reply-to' });
  }
  const comment = post(ctx, room, {
    actorType: 'users',
    actorId: ctx.user,
    message: text,
    parameters: {},
    systemMessage: '',
    parentId: replyTo,
  });
  me.lastReadMessage = comment.id;
  return sendOcs(ctx.res, 201, formatMessage(ctx, room, comment, true));
}

function reactions(ctx: RequestContext, room: TalkRoomState, id: number, params: Record<string, string>) {
  const comment = room.comments.find((c) => c.id === id);
  const method = ctx.req.method;
  if (!comment) return sendOcs(ctx.res, 404, []);
  if (method !== 'GET' && room.readOnly) return sendOcs(ctx.res, 403, []);
  if (comment.systemMessage) return sendOcs(ctx.res, method === 'POST' ? 400 : 404, []);
  const reaction = params.reaction ?? '';
  const mine = comment.reactions.findIndex(
    (r) => r.reaction === reaction && r.actorType === 'users' && r.actorId === ctx.user,
  );
  let status = 200;
  if (method === 'POST' && mine < 0) {
    comment.reactions.push({ reaction, actorType: 'users', actorId: ctx.user, timestamp: now() });
    status = 201;
  } else if (method === 'DELETE') {
    if (mine < 0) return sendOcs(ctx.res, 404, []);
    comment.reactions.splice(mine, 1);
  } else if (method !== 'GET' && method !== 'POST') return sendOcs(ctx.res, 404, null, 'Invalid query');
  const grouped: Record<string, unknown[]> = {};
  for (const r of comment.reactions) {
    if (method === 'GET' && params.reaction && r.reaction !== params.reaction) continue;
    const actor = {
      actorType: r.actorType,
      actorId: r.actorId,
      actorDisplayName: r.actorId,
      timestamp: r.timestamp,
    };
    grouped[r.reaction] = [...(grouped[r.reaction] ?? []), actor];
  }
  return sendOcs(ctx.res, status, grouped);
}

/** A message as Talk's MessageParser shows it: `@user` mentions become `{mention-userN}`. */
function formatMessage(
  ctx: RequestContext,
  room: TalkRoomState,
  c: TalkComment,
  withParent: boolean,
): Record<string, unknown> {
  const parameters: Record<string, Record<string, string>> = { ...c.parameters };
  let n = 0;
  const message = c.systemMessage
    ? c.message
    : c.message.replace(/@([A-Za-z0-9_.-]+)/g, (whole, id: string) => {
        if (!(id in ctx.standin.options.users)) return whole;
        const key = `mention-user${++n}`;
        parameters[key] = { type: 'user', id, name: id, 'mention-id': id };
        return `{${key}}`;
      });
  const counts: Record<string, number> = {};
  for (const r of c.reactions) counts[r.reaction] = (counts[r.reaction] ?? 0) + 1;
  const parent = withParent && c.parentId ? room.comments.find((p) => p.id === c.parentId) : undefined;
  return {
    id: c.id,
    token: room.token,
    actorType: c.actorType,
    actorId: c.actorId,
    actorDisplayName: c.actorId,
    timestamp: c.timestamp,
    message,
    // PHP serialises an empty map as a list.
    messageParameters: Object.keys(parameters).length ? parameters : [],
    systemMessage: c.systemMessage,
    messageType: c.systemMessage ? 'system' : 'comment',
    reactions: Object.keys(counts).length ? counts : [],
    ...(parent ? { parent: formatMessage(ctx, room, parent, false) } : {}),
  };
}

function formatAttendee(a: TalkAttendee) {
  return {
    attendeeId: a.attendeeId,
    actorType: a.actorType,
    actorId: a.actorId,
    displayName: a.displayName,
    participantType: a.participantType,
    lastPing: 0,
    inCall: 0,
    permissions: 254,
    sessionIds: [],
  };
}

function formatRoom(ctx: RequestContext, room: TalkRoomState) {
  const me = self(room, ctx.user);
  const other = room.type === 1 ? room.attendees.find((a) => a.actorId !== ctx.user)?.actorId : undefined;
  const last = room.comments.at(-1);
  const lastRead = me?.lastReadMessage ?? 0;
  return {
    id: room.id,
    token: room.token,
    type: room.type,
    name: other ?? room.name,
    displayName: other ?? room.name,
    description: room.description,
    participantType: me?.participantType ?? 0,
    readOnly: room.readOnly,
    lastActivity: room.lastActivity,
    isFavorite: false,
    notificationLevel: room.type === 1 ? 1 : 2,
    unreadMessages: room.comments.filter((c) => c.id > lastRead && !c.systemMessage).length,
    unreadMention: false,
    lastReadMessage: lastRead,
    lastMessage: last ? formatMessage(ctx, room, last, false) : [],
    canDeleteConversation: room.type !== 1 && (me?.participantType ?? 0) <= MODERATOR,
  };
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../dev/mcp-server.js';
import { startNextcloudStandin } from '../../dev/nextcloud/nextcloud.js';
import { request, useCleanup } from '../cleanup.js';
import { call, connectClient, STANDIN_USERS, textOf, unique, useServer } from '../harness.js';
import { hasApp } from '../nextcloud-apps.js';

/** With a real Nextcloud, TEST_NEXTCLOUD_SHARE_WITH names a second user (default: the stand-in's bob). */
const PEER = process.env.TEST_NEXTCLOUD_SHARE_WITH ?? 'bob';
const onStandin = !process.env.TEST_NEXTCLOUD_URL;

interface Message {
  id: number;
  message: string;
  message_type: string;
  reply_to: number | null;
  reactions: Record<string, number>;
  actor: { id: string };
}

/** Talk tools against the Talk (spreed) stand-in, or a real Nextcloud's Talk. */
describe.skipIf(!hasApp('talk'))('talk tools', () => {
  const env = useServer();
  let room: string;
  const sent: Message[] = [];
  const bob = () =>
    connectClient(env.server.url, { ...env.target, user: 'bob', appPassword: STANDIN_USERS.bob });

  const cleanup = useCleanup();
  /** Removes a conversation the suite made: deletes a group one, leaves a one-to-one (Talk deletes none). */
  const forget = (token: string, leave = false) =>
    cleanup.add(`conversation ${token}`, () =>
      request(
        env.target,
        'DELETE',
        `/ocs/v2.php/apps/spreed/api/v4/room/${token}${leave ? '/participants/self' : ''}`,
        (status) => status === 200 || status === 404,
      ),
    );

  it.runIf(onStandin)('hides the talk tools when Nextcloud has no Talk, and says why on a call', async () => {
    // A Nextcloud of its own with a user of its own: capabilities are cached per credential.
    const password = unique('carol');
    const standin = await startNextcloudStandin({ users: { carol: password } });
    standin.ocs.missingApps.add('spreed');
    const target = {
      url: standin.url,
      user: 'carol',
      appPassword: password,
      standin,
      stop: () => standin.stop(),
    };
    const server = await startServer(target);
    const client = await connectClient(server.url, target);
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names.some((name) => name.startsWith('talk_'))).toBe(false);
    expect(names).toContain('nc_notes_list_notes');
    const refused = await call(client, 'nc_talk_list_conversations');
    expect(textOf(refused)).toContain('needs the talk app');
    expect(standin.log.filter((line) => line.includes('/spreed/'))).toEqual([]);
    await client.close();
    await server.stop();
    await target.stop();
  });

  it('creates a group conversation, lists it, reads it and adds a participant once', async () => {
    const name = unique('MCP talk');
    const created = await call(env.client, 'talk_create_conversation', { room_name: name });
    expect(created.isError, textOf(created)).toBeFalsy();
    expect(created.data).toMatchObject({
      created: true,
      conversation: { name, type: 'group', your_role: 'owner', read_only: false },
    });
    room = created.data.conversation.token;
    forget(room);

    const list = await call(env.client, 'talk_list_conversations', { limit: 500 });
    expect(list.data.conversations.map((c: { token: string }) => c.token)).toContain(room);
    expect((await call(env.client, 'talk_get_conversation', { token: room })).data).toMatchObject({
      token: room,
      name,
    });

    const added = await call(env.client, 'talk_add_participant', { token: room, participant: PEER });
    expect(added.data).toEqual({ conversation_token: room, participant: PEER, source: 'users', added: true });
    expect(
      (await call(env.client, 'talk_add_participant', { token: room, participant: PEER })).isError,
    ).toBeFalsy();
    const people = await call(env.client, 'talk_list_participants', { token: room });
    const users = people.data.participants.filter((p: { type: string }) => p.type === 'users');
    expect(users.map((p: { id: string; role: string }) => [p.id, p.role]).sort()).toEqual(
      [
        [env.target.user, 'owner'],
        [PEER, 'user'],
      ].sort(),
    );

    // System messages come with their {actor}/{user} placeholders written out.
    const history = await call(env.client, 'talk_get_messages', { token: room });
    const system = history.data.messages.filter((m: Message) => m.message_type === 'system');
    expect(system.length).toBeGreaterThan(0);
    expect(system.every((m: Message) => !/\{[a-z-]+\}/.test(m.message))).toBe(true);
    if (onStandin) expect(system.map((m: Message) => m.message)).toContain('alice added bob');
  });

  it('sends messages with mentions and replies, and pages through them both ways', async () => {
    for (const text of ['one', 'two', 'three', `hello @${PEER}`]) {
      const posted = await call(env.client, 'talk_send_message', { token: room, message: text });
      expect(posted.isError, textOf(posted)).toBeFalsy();
      sent.push(posted.data.message);
    }
    const [one, two, three, mention] = sent as [Message, Message, Message, Message];
    expect(mention.message).not.toContain('{mention');
    expect(mention.message).toMatch(/^hello @/);
    if (onStandin) expect(mention.message).toBe('hello @bob');
    const reply = await call(env.client, 'talk_send_message', {
      token: room,
      message: 'four',
      reply_to: three.id,
    });
    expect(reply.data.message).toMatchObject({
      message: 'four',
      reply_to: three.id,
      actor: { id: env.target.user },
    });
    sent.push(reply.data.message);

    const latest = await call(env.client, 'talk_get_messages', { token: room, limit: 2 });
    expect(latest.data.messages.map((m: Message) => m.message)).toEqual([mention.message, 'four']);
    expect(latest.data.last_known_message_id).toBe(mention.id);
    const before = await call(env.client, 'talk_get_messages', {
      token: room,
      limit: 2,
      last_known_message_id: latest.data.last_known_message_id,
    });
    expect(before.data.messages.map((m: Message) => m.message)).toEqual(['two', 'three']);

    const after = await call(env.client, 'talk_get_messages', {
      token: room,
      limit: 2,
      last_known_message_id: one.id,
      look_into_future: true,
    });
    expect(after.data.messages.map((m: Message) => m.id)).toEqual([two.id, three.id]);
    expect(after.data.last_known_message_id).toBe(three.id);
    const nothingNewer = await call(env.client, 'talk_get_messages', {
      token: room,
      last_known_message_id: reply.data.message.id,
      look_into_future: true,
    });
    expect(nothingNewer.data).toMatchObject({ messages: [], count: 0, last_known_message_id: null });

    // Paging back to the start ends, without repeating a message.
    const seen: number[] = [];
    let cursor: number | null | undefined;
    for (let pages = 0; pages < 20 && cursor !== null; pages++) {
      const page = await call(env.client, 'talk_get_messages', {
        token: room,
        limit: 3,
        ...(cursor ? { last_known_message_id: cursor } : {}),
      });
      seen.push(...page.data.messages.map((m: Message) => m.id));
      cursor = page.data.last_known_message_id;
    }
    expect(cursor).toBeNull();
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(sent.map((m) => m.id)));
  });

  it('moves the read marker only when asked to', async () => {
    const [, two, three] = sent as [Message, Message, Message];
    const marked = await call(env.client, 'talk_mark_as_read', { token: room, last_read_message: two.id });
    expect(marked.data).toMatchObject({ conversation_token: room, last_read_message: two.id });
    expect(marked.data.unread_messages).toBeGreaterThan(0);
    await call(env.client, 'talk_get_messages', {
      token: room,
      last_known_message_id: three.id,
      look_into_future: true,
    });
    expect((await call(env.client, 'talk_get_conversation', { token: room })).data.last_read_message).toBe(
      two.id,
    );
    const all = await call(env.client, 'talk_mark_as_read', { token: room });
    expect(all.data).toMatchObject({ last_read_message: sent.at(-1)?.id, unread_messages: 0 });
  });

  it('reacts once per emoji, lists and removes reactions', async () => {
    const target = (sent[0] as Message).id;
    const first = await call(env.client, 'talk_react', { token: room, message_id: target, reaction: '👍' });
    expect(first.isError, textOf(first)).toBeFalsy();
    expect(first.data).toMatchObject({
      added: true,
      reactions: [{ reaction: '👍', count: 1, actors: [{ type: 'users', id: env.target.user }] }],
    });
    const again = await call(env.client, 'talk_react', { token: room, message_id: target, reaction: '👍' });
    expect(again.data).toMatchObject({ added: false, reactions: [{ reaction: '👍', count: 1 }] });
    if (onStandin) {
      const client = await bob();
      await call(client, 'talk_react', { token: room, message_id: target, reaction: '👍' });
      await call(client, 'talk_react', { token: room, message_id: target, reaction: '🎉' });
      await client.close();
    }
    const listed = await call(env.client, 'talk_list_reactions', { token: room, message_id: target });
    expect(listed.data.reactions.find((r: { reaction: string }) => r.reaction === '👍').count).toBe(
      onStandin ? 2 : 1,
    );
    const only = await call(env.client, 'talk_list_reactions', {
      token: room,
      message_id: target,
      reaction: '👍',
    });
    expect(only.data.reactions.map((r: { reaction: string }) => r.reaction)).toEqual(['👍']);
    const page = await call(env.client, 'talk_get_messages', { token: room, limit: 200 });
    expect(page.data.messages.find((m: Message) => m.id === target).reactions['👍']).toBe(onStandin ? 2 : 1);

    const removed = await call(env.client, 'talk_remove_reaction', {
      token: room,
      message_id: target,
      reaction: '👍',
    });
    expect(removed.isError, textOf(removed)).toBeFalsy();
    const mine = removed.data.reactions.flatMap((r: { actors: { id: string }[] }) => r.actors);
    expect(mine.map((a: { id: string }) => a.id)).not.toContain(env.target.user);
    const twice = await call(env.client, 'talk_remove_reaction', {
      token: room,
      message_id: target,
      reaction: '👍',
    });
    expect(textOf(twice)).toBe(`You have no 👍 reaction on message ${target} in conversation ${room}`);
  });

  it('keeps one one-to-one conversation per pair, which takes no further participants', async () => {
    const mine = async () =>
      (await call(env.client, 'talk_list_conversations', { limit: 500 })).data.conversations.map(
        (c: { token: string }) => c.token,
      );
    const before = await mine();
    const first = await call(env.client, 'talk_create_conversation', { room_type: 1, invite: PEER });
    expect(first.isError, textOf(first)).toBeFalsy();
    expect(first.data.conversation.type).toBe('one_to_one');
    // Left again unless the two users had it before: then it is theirs. (Talk keeps it for the peer,
    // and gives the same one back next time.)
    if (!before.includes(first.data.conversation.token)) forget(first.data.conversation.token, true);
    const again = await call(env.client, 'talk_create_conversation', { room_type: 1, invite: PEER });
    expect(again.data).toMatchObject({
      created: false,
      conversation: { token: first.data.conversation.token },
    });
    const refused = await call(env.client, 'talk_add_participant', {
      token: first.data.conversation.token,
      participant: env.target.user,
    });
    expect(textOf(refused)).toContain('cannot take more participants');
  });

  it('refuses what Talk refuses, with messages a person can act on', async () => {
    const refusals: [string, Record<string, unknown>, string][] = [
      [
        'talk_get_conversation',
        { token: 'zzzz9999' },
        'Conversation zzzz9999 not found, or you are not one of its participants',
      ],
      ['talk_get_messages', { token: 'zzzz9999' }, 'Conversation zzzz9999 not found'],
      ['talk_send_message', { token: room, message: 'x', reply_to: 999_999_999 }, 'cannot be answered'],
      ['talk_react', { token: room, message_id: 999_999_999, reaction: '👍' }, 'Message 999999999 not found'],
      ['talk_add_participant', { token: room, participant: unique('nobody') }, 'No user "nobody-'],
      ['talk_create_conversation', { room_type: 1, invite: unique('nobody') }, 'No user "nobody-'],
    ];
    for (const [tool, args, message] of refusals) {
      const result = await call(env.client, tool, args);
      expect(result.isError, tool).toBe(true);
      expect(textOf(result)).toContain(message);
    }
    const system = (
      await call(env.client, 'talk_get_messages', { token: room, limit: 200 })
    ).data.messages.find((m: Message) => m.message_type === 'system');
    const onSystem = await call(env.client, 'talk_react', {
      token: room,
      message_id: system.id,
      reaction: '👍',
    });
    expect(textOf(onSystem)).toContain('cannot take reactions');
  });

  it('checks its own arguments before asking Nextcloud', async () => {
    const before = env.target.standin?.log.length ?? 0;
    for (const [tool, args, message] of [
      ['talk_send_message', { token: room, message: '   ' }, 'must not be blank'],
      ['talk_create_conversation', { room_type: 2 }, 'room_name is required'],
      ['talk_create_conversation', { room_type: 1, room_name: 'x' }, 'needs invite'],
      ['talk_get_conversation', { token: 'Not/A/Token' }, 'a conversation token'],
    ] as const) {
      expect(textOf(await call(env.client, tool, args))).toContain(message);
    }
    if (env.target.standin) expect(env.target.standin.log.length).toBe(before);
  });

  it('takes the nc_ aliases on call, lists only the Python names, and checks scopes for both', async () => {
    const viaAlias = await call(env.client, 'nc_talk_get_conversation', { token: room });
    expect(viaAlias.isError, textOf(viaAlias)).toBeFalsy();
    expect(viaAlias.data.token).toBe(room);
    const names = (await env.client.listTools()).tools.map((tool) => tool.name);
    expect(names).toContain('talk_send_message');
    expect(names.some((name) => name.startsWith('nc_talk_'))).toBe(false);
    const reader = await connectClient(env.server.url, env.target, ['talk:read']);
    for (const name of ['talk_send_message', 'nc_talk_send_message']) {
      const refused = await call(reader, name, { token: room, message: 'sneaky' });
      expect(textOf(refused)).toBe('talk_send_message needs the talk:write scope, which this token lacks');
    }
    await reader.close();
  });

  describe.runIf(onStandin)('against the stand-in only', () => {
    beforeAll(() => {
      const state = env.target.standin?.talk.rooms.get(room);
      if (state) state.readOnly = 1;
    });
    afterAll(() => {
      const state = env.target.standin?.talk.rooms.get(room);
      if (state) state.readOnly = 0;
    });

    it('refuses posts to a read-only conversation and additions by a non-moderator', async () => {
      const posted = await call(env.client, 'talk_send_message', { token: room, message: 'hi' });
      expect(textOf(posted)).toBe(`You cannot post in conversation ${room}: it is read-only for you`);
      const client = await bob();
      expect((await call(client, 'talk_get_conversation', { token: room })).data.your_role).toBe('user');
      const added = await call(client, 'talk_add_participant', { token: room, participant: 'alice' });
      expect(textOf(added)).toBe(`Only moderators of conversation ${room} can add participants`);
      await client.close();
    });
  });
});

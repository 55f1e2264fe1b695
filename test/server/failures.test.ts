import { beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../dev/mcp-server.js';
import { call, connectClient, useServer } from '../harness.js';

/** Nextcloud misbehaving: these need the stand-in's fault injection, so they skip against a real server. */
describe.skipIf(Boolean(process.env.TEST_NEXTCLOUD_URL))('when Nextcloud fails', () => {
  const env = useServer({ timeoutMs: 300 });
  let noteId: number;

  beforeAll(async () => {
    noteId = (await call(env.client, 'nc_notes_create_note', { title: 'Fragile', content: 'x' })).data.id;
  });

  const standin = () => {
    if (!env.target.standin) throw new Error('needs the stand-in');
    return env.target.standin;
  };
  const calls = (pattern: RegExp) => standin().log.filter((line) => pattern.test(line)).length;

  // The stand-in's fault answers "injected fault" as plain text: Nextcloud's reason, which is kept.
  it.each([
    [403, (id: number) => `Not allowed to access Note ${id}: injected fault`],
    [
      500,
      (id: number) =>
        `Nextcloud failed with an internal error (HTTP 500) on Note ${id}: injected fault; its log tells why`,
    ],
    [501, (id: number) => `Nextcloud does not support this on Note ${id} (HTTP 501): injected fault`],
    [423, (id: number) => `Note ${id} is locked: injected fault; try again once it is unlocked`],
  ])('maps HTTP %i to a message a person can act on', async (status, message) => {
    standin().fail({ match: /\/notes\/\d+$/, status });
    const result = await call(env.client, 'nc_notes_get_note', { note_id: noteId });
    expect(result.isError).toBe(true);
    expect(result.text).toBe(message(noteId));
  });

  it('retries a read through brief 503s, and never retries a write', async () => {
    standin().fail({ match: /\/notes\/\d+$/, status: 503, times: 2 });
    const before = calls(/^GET .*\/notes\/\d+$/);
    const read = await call(env.client, 'nc_notes_get_note', { note_id: noteId });
    expect(read.isError).toBeFalsy();
    expect(calls(/^GET .*\/notes\/\d+$/) - before).toBe(3);

    standin().fail({ match: /\/notes$/, status: 503 });
    const posts = calls(/^POST .*\/notes$/);
    const write = await call(env.client, 'nc_notes_create_note', { title: 'once' });
    expect(write.isError).toBe(true);
    expect(write.text).toBe('Nextcloud failed with HTTP 503 on Note "once": injected fault; try again later');
    expect(calls(/^POST .*\/notes$/) - posts).toBe(1);
  });

  it("appends even when another writer wins the race, losing nobody's text", async () => {
    // The stand-in answers the first PUT as if someone else had written in between.
    standin().fail({ match: /\/notes\/\d+$/, method: 'PUT', status: 412 });
    const puts = calls(/^PUT .*\/notes\/\d+$/);
    const appended = await call(env.client, 'nc_notes_append_content', {
      note_id: noteId,
      content: 'late line',
    });
    expect(appended.isError).toBeFalsy();
    expect(calls(/^PUT .*\/notes\/\d+$/) - puts).toBe(2);
    const { data } = await call(env.client, 'nc_notes_get_note', { note_id: noteId });
    expect(data.content).toBe('x\n---\nlate line');
  });

  it('gives up on a slow Nextcloud at the deadline', async () => {
    standin().fail({ match: /\/notes\/\d+$/, delayMs: 1500, times: 3 });
    const result = await call(env.client, 'nc_notes_get_note', { note_id: noteId });
    expect(result.isError).toBe(true);
    expect(result.text).toBe(`Nextcloud did not answer within 0.3 s for Note ${noteId}; try again later`);
  });

  it('says so when Nextcloud is unreachable', async () => {
    const dead = await startServer({ ...env.target, url: 'http://127.0.0.1:9' });
    const deadClient = await connectClient(dead.url, env.target);
    const result = await call(deadClient, 'nc_notes_get_note', { note_id: 1 });
    expect(result.text).toBe('Nextcloud is unreachable; try again later');
    await deadClient.close();
    await dead.stop();
  });

  it('says the app password is wrong, and how to make one, when Nextcloud refuses it; never echoes it', async () => {
    const wrong = await connectClient(env.server.url, {
      ...env.target,
      appPassword: 'stolen-or-expired-secret',
    });
    const result = await call(wrong, 'nc_notes_get_note', { note_id: noteId });
    expect(result.text).toBe(
      'Nextcloud did not accept the user name or app password (NEXTCLOUD_USER, NEXTCLOUD_APP_PASSWORD): ' +
        'check the user id, or create a new app password in Nextcloud under Settings → Security → Devices & sessions',
    );
    expect(JSON.stringify(result)).not.toContain('stolen-or-expired-secret');
    await wrong.close();
  });

  it('reports malformed answers without a stack trace', async () => {
    standin().fail({ match: /\/settings$/, status: 200 });
    const result = await call(env.client, 'nc_notes_get_attachment', {
      note_id: noteId,
      attachment_filename: 'a.png',
    });
    expect(result.isError).toBe(true);
    expect(result.text).toBe('Nextcloud sent a malformed answer for Notes settings');
    expect(result.text).not.toMatch(/\n\s+at /);
  });
});

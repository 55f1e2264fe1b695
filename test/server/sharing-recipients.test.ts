import { beforeAll, describe, expect, it } from 'vitest';
import { deleteDeckBoard, useCleanup } from '../cleanup.js';
import { call, connectClient, unique, useServer, webdavAvailable } from '../harness.js';

/**
 * Email, federated, team and Talk shares. Their recipients (a reachable federated server, a team,
 * a conversation) are the stand-in's, so the cases that need one run against it only.
 */
describe.runIf(webdavAvailable())('sharing with email, federated, team and Talk recipients', () => {
  const env = useServer({ webdav: true });
  const cleanup = useCleanup();
  const root = `/${unique('mcp-share-to')}`;
  const file = `${root}/plan.md`;
  const share = (args: Record<string, unknown>) =>
    call(env.client, 'nc_share_create', { path: file, ...args });
  const made = async (args: Record<string, unknown>) => {
    const result = await share(args);
    expect(result.isError, result.text).toBeFalsy();
    cleanup.tool(() => env.client, 'nc_share_delete', { share_id: result.data.id });
    return result.data;
  };

  beforeAll(async () => {
    await call(env.client, 'nc_webdav_create_directory', { path: root });
    cleanup.tool(() => env.client, 'nc_webdav_delete_resource', { path: root });
    await call(env.client, 'nc_webdav_write_file', { path: file, content: 'the plan' });
  });

  it('refuses recipients of the wrong shape before anything is sent', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ share_type: 'email', share_with: 'carol' }, 'share_with (email) must be an email address'],
      [
        { share_type: 4, share_with: 'carol@example.com', permissions: 17 },
        "cannot carry the 'share' permission",
      ],
      [
        { share_type: 'federated', share_with: 'alice' },
        'share_with (federated) must be a Federated Cloud ID',
      ],
      [{ share_type: 6, share_with: 'alice@bad host' }, 'must be a Federated Cloud ID'],
      [{ share_type: 'team', share_with: 'a b' }, 'share_with (team) must be a team (circle) id'],
      [{ share_type: 10, share_with: '../x' }, 'share_with (talk) must be a Talk conversation token'],
      [{ share_type: 'talk' }, 'A talk share needs share_with'],
      [{ share_type: 12, share_with: 'card 3' }, 'share_with (deck) must be a Deck card id'],
    ];
    for (const [args, message] of cases) {
      const result = await share(args);
      expect(result.isError, JSON.stringify(args)).toBe(true);
      expect(result.text).toContain(message);
    }
    const { shares } = (await call(env.client, 'nc_share_list', { path: file })).data;
    expect(shares).toEqual([]);
  });

  it('shares a file by email as a link mailed to the address', async () => {
    const mailed = await made({ share_type: 'email', share_with: 'carol@example.com' });
    expect(mailed).toMatchObject({ type: 'email', shareWith: 'carol@example.com', path: file });
    // A file's link is read (and reshare, which Nextcloud adds while federation is on), never upload.
    expect(mailed.permissions).toContain('read');
    expect(mailed.permissions).not.toContain('create');
  });

  it('shares with a user of another Nextcloud, and says when that server does not take it', async (context) => {
    if (!env.target.standin) return context.skip();
    const remote = await made({ share_type: 6, share_with: 'alice@cloud.example.org', permissions: 3 });
    expect(remote).toMatchObject({
      type: 'federated',
      shareWith: 'alice@cloud.example.org',
      permissions: ['read', 'update'],
    });
    const unknown = await share({ share_type: 'federated', share_with: 'bob@nowhere.example' });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toMatch(/^Not allowed to access .*: Failed to create share\.$/);
  });

  it('shares with a team, and names a team that does not exist or a missing Teams app', async (context) => {
    const standin = env.target.standin;
    if (!standin) return context.skip();
    const collective = await call(env.client, 'collectives_create_collective', { name: unique('Team') });
    const id = collective.data.id as number;
    cleanup.add(`collective ${id}`, async () => void standin.collectives.collectives.delete(id));
    const team = await made({ share_type: 'team', share_with: `circle${id}` });
    expect(team).toMatchObject({
      type: 'team',
      shareWith: `circle${id}`,
      shareWithDisplayName: collective.data.name,
    });
    const none = await share({ share_type: 7, share_with: 'circle999999' });
    expect(none.text).toMatch(/not found: Please specify a valid team$/);
    standin.ocs.missingApps.add('circles');
    try {
      const off = await share({ share_type: 7, share_with: `circle${id}` });
      expect(off.text).toMatch(/: You cannot share to a Team if the app is not enabled$/);
    } finally {
      standin.ocs.missingApps.delete('circles');
    }
  });

  it('shares with a Talk conversation by its token, and refuses one you are not in', async (context) => {
    const standin = env.target.standin;
    if (!standin) return context.skip();
    const created = await call(env.client, 'talk_create_conversation', { room_name: unique('Room') });
    const token = created.data.conversation.token as string;
    cleanup.add(`conversation ${token}`, async () => void standin.talk.rooms.delete(token));
    const room = await made({ share_type: 'talk', share_with: token });
    expect(room).toMatchObject({
      type: 'talk',
      shareWith: token,
      shareWithDisplayName: created.data.conversation.name,
    });
    const stranger = await share({ share_type: 10, share_with: 'zzzz9999' });
    expect(stranger.text).toMatch(/ with zzzz9999 not found/);
    standin.ocs.missingApps.add('spreed');
    try {
      const off = await share({ share_type: 10, share_with: token });
      expect(off.text).toMatch(/failed because the back end does not support room shares$/);
    } finally {
      standin.ocs.missingApps.delete('spreed');
    }
  });

  it('shares a file with a Deck card, and only for a caller who may write to Deck', async () => {
    const ok = async (name: string, args: Record<string, unknown>) => {
      const result = await call(env.client, name, args);
      expect(result.isError, result.text).toBeFalsy();
      return result.data;
    };
    const board = await ok('deck_create_board', { title: unique('Share to card'), color: '0082c9' });
    cleanup.add(`board ${board.id}`, () => deleteDeckBoard(env.target, board.id));
    const stack = await ok('deck_create_stack', { board_id: board.id, title: 'To do', order: 1 });
    const card = await ok('deck_create_card', { board_id: board.id, stack_id: stack.id, title: 'Plan' });
    const shared = await made({ share_type: 12, share_with: String(card.id) });
    expect(shared).toMatchObject({ type: 'deck', shareWith: String(card.id), path: file });

    const sharingOnly = await connectClient(env.server.url, env.target, ['files:read', 'sharing:write']);
    try {
      const refused = await call(sharingOnly, 'nc_share_create', {
        path: file,
        share_type: 'deck',
        share_with: String(card.id),
      });
      expect(refused.isError).toBe(true);
      expect(refused.text).toContain('it needs the deck:write scope too');
    } finally {
      await sharingOnly.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SCOPES, APPS, CATALOGUE } from '../../contract/index.js';
import { DEMO_USER, type FullPath, startFullPath } from '../../dev/full-path.js';
import { quietLog } from '../../dev/mcp-server.js';
import { createSigningKey, type SigningKey } from '../../dev/signing-key.js';
import { availableApps } from '../../server/nextcloud/capabilities.js';
import { createHttpSettings, NextcloudClient } from '../../server/nextcloud/client.js';
import { call } from '../harness.js';
import { connectWithOAuth } from '../oauth-client.js';

/**
 * Bearer tokens for Nextcloud (as the proxy's exchange issues them) on the apps' own REST routes:
 * Nextcloud 31+ lets them through with `OCS-APIRequest: true`, 30 and older never do; OCS always.
 */
describe.each([
  { version: 32, passes: true },
  { version: 29, passes: false },
])('a bearer token on the app routes of Nextcloud $version', ({ version, passes }) => {
  let path: FullPath;
  let signer: SigningKey;

  beforeAll(async () => {
    signer = await createSigningKey('routes-1');
    path = await startFullPath({ signingJwk: signer.jwk, nextcloudVersion: version });
  });
  afterAll(async () => {
    await path?.stop();
  });

  /** A token as the exchange issues it: audience nextcloud, for the demo user. */
  const exchanged = () =>
    signer.sign({
      iss: path.idp.issuer,
      sub: DEMO_USER.name,
      preferred_username: DEMO_USER.name,
      aud: 'nextcloud',
    });
  const basic = `Basic ${Buffer.from(`${DEMO_USER.name}:${DEMO_USER.appPassword}`).toString('base64')}`;
  const get = (route: string, authorization: string, headers: Record<string, string> = {}) =>
    fetch(`${path.nextcloudUrl}${route}`, { headers: { authorization, ...headers } });
  const notes = '/index.php/apps/notes/api/v1/notes';

  it('refuses a bearer token on a CORS route without OCS-APIRequest, as the CORS middleware does', async () => {
    const refused = await get(notes, `Bearer ${await exchanged()}`);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ message: 'CORS requires basic auth' });
  });

  it(`${passes ? 'lets' : 'still refuses'} a bearer token with OCS-APIRequest on every app's REST route`, async () => {
    for (const route of [
      notes,
      '/index.php/apps/cookbook/api/v1/recipes',
      '/index.php/apps/news/api/v1-3/feeds',
    ]) {
      const answer = await get(route, `Bearer ${await exchanged()}`, { 'ocs-apirequest': 'true' });
      expect([route, answer.status]).toEqual([route, passes ? 200 : 401]);
    }
    // The web UI's CSRF-checked routes answer as that check does.
    const move = await fetch(`${path.nextcloudUrl}/index.php/apps/deck/cards/1/reorder`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${await exchanged()}`, 'ocs-apirequest': 'true' },
    });
    expect(move.status === 412).toBe(!passes);
  });

  it('lets app passwords through either way, and bearer tokens through OCS; capabilities tell the version', async () => {
    expect((await get(notes, basic)).status).toBe(200);
    const capabilities = await get(
      '/ocs/v2.php/cloud/capabilities?format=json',
      `Bearer ${await exchanged()}`,
      {
        'ocs-apirequest': 'true',
      },
    );
    expect(capabilities.status).toBe(200);
    const { ocs } = (await capabilities.json()) as { ocs: { data: { version: unknown } } };
    expect(ocs.data.version).toMatchObject({ major: version, string: `${version}.0.0` });
  });

  it(`${passes ? 'offers' : 'hides'} the tools on app REST routes through the proxy, telling why on a call`, async () => {
    const { client } = await connectWithOAuth(
      path.mcpUrl,
      DEMO_USER.name,
      DEMO_USER.password,
      ['openid', ...ALL_SCOPES].join(' '),
    );
    const listed = new Set((await client.listTools()).tools.map((tool) => tool.name));
    const restOnly = [
      'nc_notes_create_note',
      'nc_cookbook_list_recipes',
      'deck_get_boards',
      'nc_news_list_feeds',
    ];
    const partly = [
      'nc_tables_read_table',
      'nc_tables_delete_row',
      'nc_mail_set_flags',
      'nc_mail_move_message',
    ];
    for (const name of [...restOnly, ...partly]) expect([name, listed.has(name)]).toEqual([name, passes]);
    // OCS and DAV take bearer tokens on every Nextcloud.
    for (const name of [
      'nc_tables_list_tables',
      'nc_tables_insert_row',
      'deck_get_card_comments',
      'nc_mail_list_messages',
      'talk_send_message',
      'nc_webdav_list_directory',
    ])
      expect([name, listed.has(name)]).toEqual([name, true]);
    expect(listed.size < CATALOGUE.length).toBe(!passes);
    const note = await call(client, 'nc_notes_create_note', { title: 'Bearer', content: 'hello' });
    if (passes) expect(note.isError, note.text).toBeFalsy();
    else
      expect(note.text).toBe(
        `nc_notes_create_note needs Nextcloud 31 or later for bearer tokens on the Notes API; this Nextcloud is ${version} (an app password works, or ask an administrator to upgrade)`,
      );
    const row = await call(client, 'nc_tables_insert_row', {
      table_id: 1,
      data: { Name: 'Bearer', Urgent: true },
    });
    expect(row.isError, row.text).toBeFalsy();
    expect(row.data.values).toMatchObject({ Name: 'Bearer', Urgent: true });
    await client.close();
  });

  it('refuses nothing to an app password: standalone mode works on every version', async () => {
    const settings = createHttpSettings(new URL(path.nextcloudUrl), 2000);
    const apps = new Set(APPS);
    const withBasic = await availableApps(
      new NextcloudClient(settings, { authorization: basic, user: DEMO_USER.name }),
      apps,
      quietLog,
    );
    expect([...withBasic.refused.keys()]).toEqual([]);
    const withBearer = await availableApps(
      new NextcloudClient(settings, { authorization: `Bearer ${await exchanged()}`, user: DEMO_USER.name }),
      apps,
      quietLog,
    );
    expect([...withBearer.refused.keys()].sort()).toEqual(
      passes ? [] : ['cookbook', 'deck', 'mail', 'news', 'notes', 'tables'],
    );
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USER, type FullPath, startFullPath } from '../../dev/full-path.js';
import { createSigningKey, type SigningKey } from '../../dev/signing-key.js';

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
});

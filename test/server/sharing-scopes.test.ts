import { describe, expect, it } from 'vitest';
import { call, connectClient, useServer } from '../harness.js';

describe('sharing needs the files scope too', () => {
  const env = useServer();

  it('refuses a caller holding only sharing:write before Nextcloud is asked', async () => {
    const client = await connectClient(env.server.url, env.target, ['sharing:write']);
    try {
      const listed = (await client.listTools()).tools.map((tool) => tool.name);
      expect(listed).toEqual(['nc_share_delete']);
      const before = env.target.standin?.log.length ?? 0;
      for (const [name, args] of [
        ['nc_share_create_public_link', { path: '/Documents' }],
        ['nc_share_create', { path: '/Documents', share_type: 'user', share_with: 'bob' }],
        ['nc_share_update', { share_id: 1, note: 'wider' }],
      ] as const) {
        const refused = await call(client, name, args);
        expect(refused.isError, name).toBe(true);
        expect(refused.text).toBe(`${name} needs the files:read scope, which this token lacks`);
      }
      // Not even probed: which paths exist stays unknown to such a caller.
      if (env.target.standin) expect(env.target.standin.log.length).toBe(before);
    } finally {
      await client.close();
    }
  });
});

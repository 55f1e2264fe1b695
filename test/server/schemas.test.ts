import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../contract/index.js';
import { connectClient, useServer } from '../harness.js';

describe('tools/list', () => {
  const env = useServer();
  let tools: Tool[];

  beforeAll(async () => {
    tools = (await env.client.listTools()).tools;
  });

  it('lists in catalogue order, the same on every listing', async () => {
    const catalogued = CATALOGUE.map((entry) => entry.name);
    const names = tools.map((tool) => tool.name);
    expect(names).toEqual(catalogued.filter((name) => names.includes(name)));
    expect(names.length).toBeGreaterThan(100);
    const again = (await env.client.listTools()).tools.map((tool) => tool.name);
    expect(again).toEqual(names);
  });

  it('lists a narrower token’s tools in the same order, a subsequence of the full listing', async () => {
    // Write scopes before read ones, so a listing built by scope would come out in another order.
    const scopes = ['deck:write', 'notes:write', 'files:read', 'notes:read', 'deck:read'];
    const narrow = await connectClient(env.server.url, env.target, scopes);
    try {
      const names = (await narrow.listTools()).tools.map((tool) => tool.name);
      expect(names.length).toBeGreaterThan(10);
      expect(names).toEqual(tools.map((tool) => tool.name).filter((name) => names.includes(name)));
      expect(names).toEqual(
        CATALOGUE.filter((entry) => entry.scopes.every((scope) => scopes.includes(scope))).map(
          (entry) => entry.name,
        ),
      );
    } finally {
      await narrow.close();
    }
  });
});

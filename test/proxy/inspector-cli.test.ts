import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../contract/index.js';
import { DEMO_USER, type FullPath, freePort, startFullPath } from '../../dev/full-path.js';
import { PEER_VERSIONS } from '../../peers/cache.js';
import { errorOf, inspectorAvailable, resultOf, runInspector } from '../inspector.js';
import { authorize } from '../oauth-client.js';

const MODERN = '2026-07-28';
// A Node 24 process per run, on two busy cores: more than the default 20 s.
const SLOW = { timeout: 60_000 };

/**
 * The MCP Inspector's CLI (the release pinned in peers/versions.env, on the Node 24 that build.sh
 * fetched from npm for it alone) through the whole local stack. It runs OAuth itself: discovery
 * from the 401, dynamic registration, authorization code + PKCE on its loopback callback; the
 * test only plays the person at the browser. Ad-hoc URLs speak 2025-11-25 (`initialize`) unless
 * `--protocol-era modern` asks for 2026-07-28.
 */
describe.runIf(inspectorAvailable())(
  `MCP Inspector ${PEER_VERSIONS.INSPECTOR_VERSION} CLI through the proxy`,
  () => {
    let path: FullPath;
    let home: string;
    let callbackUrl: string;
    /** Headers of every request that reached the MCP server. */
    const reached: IncomingHttpHeaders[] = [];

    beforeAll(async () => {
      path = await startFullPath();
      path.server.httpServer.prependListener('request', (req) => reached.push(req.headers));
      path.standin?.notes.notes.set(7, {
        id: 7,
        owner: DEMO_USER.name,
        title: 'Inspector checklist',
        content: 'lists and calls tools through the proxy',
        category: '',
        favorite: false,
        modified: 1_700_000_000,
        readonly: false,
      });
      // Its OAuth state (client, tokens) in a file store of this run, not in a keychain or ~.
      home = mkdtempSync(join(tmpdir(), 'inspector-home-'));
      callbackUrl = `http://127.0.0.1:${await freePort()}/oauth/callback`;
    });
    afterAll(async () => {
      await path?.stop();
      if (home) rmSync(home, { recursive: true, force: true });
    });

    const inspector = (args: string[], signIn?: (asked: URL) => Promise<void>) =>
      runInspector({ serverUrl: path.mcpUrl, home, args, ...(signIn ? { signIn } : {}) });

    it(
      'is refused without a token: the 401 challenge ends as auth_required, before the server',
      SLOW,
      async () => {
        const outcome = await inspector(['--stored-auth-only', '--method', 'tools/list']);
        expect(outcome.code).toBe(3);
        expect(errorOf(outcome)).toMatchObject({
          code: 'auth_required',
          message: expect.stringContaining('missing_token'),
        });
        expect(outcome.stdout).toBe('');
        expect(reached).toEqual([]);
      },
    );

    it(
      'registers, signs in with PKCE on its loopback callback, and lists the tools the granted scope allows, in 2025-11-25',
      SLOW,
      async () => {
        let asked: URL | undefined;
        const outcome = await inspector(
          ['--callback-url', callbackUrl, '--method', 'tools/list'],
          async (url) => {
            asked = url;
            // The person grants only reading notes of all the Inspector asked for.
            const granted = new URL(url);
            granted.searchParams.set('scope', 'notes:read');
            const callback = await authorize(granted, DEMO_USER.name, DEMO_USER.password);
            // The browser lands on the Inspector's callback, which redeems the code.
            await (await fetch(callback)).text();
          },
        );
        const { tools } = resultOf<{ tools: { name: string }[] }>(outcome);
        expect(asked?.searchParams.get('client_id')).toBeTruthy();
        expect(asked?.searchParams.get('code_challenge_method')).toBe('S256');
        expect(asked?.searchParams.get('redirect_uri')).toBe(callbackUrl);
        expect(asked?.searchParams.get('resource')).toBe(path.mcpUrl);
        const readable = CATALOGUE.filter((row) => row.scope === 'notes:read' && !row.alsoNeeds?.length);
        expect(tools.map((tool) => tool.name).sort()).toEqual(readable.map((row) => row.name).sort());
        // `initialize` without the header, then every request in the version it negotiated.
        const [first, ...rest] = reached.map((headers) => headers['mcp-protocol-version']);
        expect(first).toBeUndefined();
        expect(rest.length).toBeGreaterThan(0);
        expect(new Set(rest)).toEqual(new Set(['2025-11-25']));
      },
    );

    it(
      'calls a read tool on the Nextcloud stand-in with the token it stored, in 2026-07-28',
      SLOW,
      async () => {
        const before = reached.length;
        const outcome = await inspector([
          '--stored-auth-only',
          '--protocol-era',
          'modern',
          '--method',
          'tools/call',
          '--tool-name',
          'nc_notes_search_notes',
          '--tool-arg',
          'query=checklist',
        ]);
        const result = resultOf<{ isError?: boolean; structuredContent: unknown }>(outcome);
        expect(result.isError).toBeFalsy();
        expect(result.structuredContent).toMatchObject({
          query: 'checklist',
          total_found: 1,
          results: [{ id: 7, title: 'Inspector checklist' }],
        });
        // server/discover instead of initialize, and every request in 2026-07-28 with its routing headers.
        const modern = reached.slice(before);
        expect(modern[0]?.['mcp-method']).toBe('server/discover');
        expect(new Set(modern.map((headers) => headers['mcp-protocol-version']))).toEqual(new Set([MODERN]));
        const calls = modern.filter((headers) => headers['mcp-method'] === 'tools/call');
        expect(calls.map((headers) => headers['mcp-name'])).toEqual(['nc_notes_search_notes']);
        const metrics = await (await fetch(path.proxy.metricsUrl)).text();
        expect(metrics).toMatch(/nextcloud_mcp_proxy_token_exchanges_total\{result="ok"\} [1-9]/);
      },
    );
    it(
      'finds nothing to report in --strict schema-portability mode across every tool the tenant has',
      SLOW,
      async () => {
        // Another home: a second client, which the person grants everything it asks for.
        const everything = mkdtempSync(join(tmpdir(), 'inspector-home-'));
        try {
          const outcome = await runInspector({
            serverUrl: path.mcpUrl,
            home: everything,
            args: ['--callback-url', callbackUrl, '--strict', '--method', 'tools/list'],
            signIn: async (url) => {
              const callback = await authorize(url, DEMO_USER.name, DEMO_USER.password);
              await (await fetch(callback)).text();
            },
          });
          expect(outcome.code, outcome.stderr).toBe(0);
          const envelope = JSON.parse(outcome.stdout) as {
            result: { tools: unknown[] };
            schemaFindings?: unknown;
          };
          // Findings of any severity (warnings too) would be listed here.
          expect(envelope.schemaFindings).toBeUndefined();
          expect(envelope.result.tools.length).toBeGreaterThan(100);
        } finally {
          rmSync(everything, { recursive: true, force: true });
        }
      },
    );
  },
);

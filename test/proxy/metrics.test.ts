import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { FullPath } from '../../dev/full-path.js';
import { LEGACY_PROTOCOL_VERSION } from '../../dev/mcp-wire.js';
import { LEGACY, postMcp } from './eras.js';
import { useProxyPaths } from './fixture.js';

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The proxy's /metrics, one sample a line (Prometheus text format; label values here carry no quotes). */
async function scrape(path: FullPath): Promise<Sample[]> {
  const text = await (await fetch(path.proxy.metricsUrl)).text();
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match?.[1] || !match[3]) throw new Error(`not a sample: ${line}`);
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => [key, value]),
      );
      return { name: match[1], labels, value: Number(match[3]) };
    });
}

/** The value of the one sample named `name` whose labels include `labels` (0 when absent). */
function value(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, wanted]) => sample.labels[key] === wanted),
  );
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} names ${found.length} samples`);
  return found[0]?.value ?? 0;
}

const LATENCY = 'nextcloud_mcp_proxy_request_duration_seconds';
const STREAM = 'nextcloud_mcp_proxy_stream_duration_seconds';
const OPEN = 'nextcloud_mcp_proxy_open_streams';
const HELD_MS = 2000;

/** Scrapes until `done` holds: the proxy counts a stream once its close reached it. */
async function scrapeUntil(path: FullPath, done: (samples: Sample[]) => boolean): Promise<Sample[]> {
  for (let attempt = 0; ; attempt++) {
    const samples = await scrape(path);
    if (done(samples) || attempt > 50) return samples;
    await sleep(50);
  }
}

describe('the proxy metrics', () => {
  const env = useProxyPaths('metrics-1');

  // The tool server is stateless (its GET is 405), so a steered upstream holds the streams open.
  it.each([
    { method: 'GET', request: undefined },
    { method: 'POST', request: LEGACY.request('tools/list') },
  ])(
    'keep a held $method event stream out of the request latency, in the stream metrics instead',
    async ({ method, request }) => {
      const { upstream, path } = await env.startWithUpstream();
      const bearer = await env.token(path);
      const abort = new AbortController();
      const answer = request
        ? postMcp(path.mcpUrl, request, { bearer, signal: abort.signal })
        : fetch(path.mcpUrl, {
            headers: {
              accept: 'text/event-stream',
              authorization: `Bearer ${bearer}`,
              'mcp-protocol-version': LEGACY_PROTOCOL_VERSION,
            },
            signal: abort.signal,
          });
      const { req, res } = await upstream.arrival();
      expect(req.method).toBe(method);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: message\ndata: {}\n\n');
      expect((await answer).headers.get('content-type')).toBe('text/event-stream');
      await sleep(HELD_MS);
      expect(value(await scrape(path), OPEN, { method })).toBe(1);
      abort.abort();

      const after = await scrapeUntil(path, (samples) => value(samples, `${STREAM}_count`, { method }) === 1);
      expect(value(after, OPEN, { method })).toBe(0);
      expect(value(after, `${STREAM}_sum`, { method })).toBeGreaterThanOrEqual(HELD_MS / 1000);
      // The stream is in the latency histogram up to its headers only: had it counted to its end,
      // its latency would be longer than its life from its headers on.
      const route = { route: '/mcp' };
      expect(value(after, `${LATENCY}_count`, route)).toBe(1);
      expect(value(after, `${LATENCY}_sum`, route)).toBeLessThan(value(after, `${STREAM}_sum`, { method }));
      expect(value(after, 'nextcloud_mcp_proxy_requests_total', { route: '/mcp', code: '200' })).toBe(1);
    },
  );

  it('keep the route label to its known values whatever paths clients ask for', async () => {
    const path = await env.start();
    const origin = new URL(path.mcpUrl).origin;
    const asked = [
      '/',
      '/mcp/',
      '/mcp/extra',
      '/MCP',
      '/healthz/deeper',
      '/.well-known/openid-configuration',
      `/${crypto.randomUUID()}`,
      `/users/${crypto.randomUUID()}/files`,
    ];
    for (const asking of asked) await (await fetch(origin + asking)).text();
    await (await fetch(`${origin}/healthz`)).text();
    const routes = new Set(
      (await scrape(path))
        .filter((sample) => sample.name.startsWith('nextcloud_mcp_proxy_request'))
        .map((sample) => sample.labels.route),
    );
    expect(routes).toEqual(new Set(['/healthz', 'other']));
    expect(
      value(await scrape(path), 'nextcloud_mcp_proxy_requests_total', { route: 'other', code: '404' }),
    ).toBe(asked.length);
  });
});

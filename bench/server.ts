import { spawn } from 'node:child_process';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ALL_SCOPES, HEADERS, RUNTIME_NODE_OPTIONS } from '../contract/index.js';
import { freePort } from '../dev/full-path.js';
import { startServer } from '../dev/mcp-server.js';
import { basicAuth, startTarget } from '../dev/target.js';
import { rssMiB, waitUntilOk } from './processes.js';

/** Records how long each request spends in a node:http server, from arrival to the last byte. */
function timeRequests(server: Server): number[] {
  const durations: number[] = [];
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => durations.push(Number(process.hrtime.bigint() - started) / 1e6));
  });
  return durations;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function connect(url: string, user: string, password: string): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: {
      headers: {
        authorization: basicAuth(user, password),
        [HEADERS.user]: user,
        [HEADERS.scopes]: ALL_SCOPES.join(' '),
      },
    },
  });
  return client.connect(transport).then(() => client);
}

export interface Row {
  readonly metric: string;
  readonly value: string;
  readonly target?: string;
}

/**
 * The server's cost per tool call beyond the Nextcloud round trip: server time per request
 * minus the stand-in's time for the one Nextcloud request that call makes; and the RSS of a
 * server process over 10,000 calls.
 */
export async function benchServer(calls = 2000, soak = 10_000): Promise<Row[]> {
  const target = await startTarget();
  if (!target.standin) throw new Error('the server benchmark needs the stand-in');
  const server = await startServer(target);
  const standinTimes = timeRequests(target.standin.httpServer);
  const serverTimes = timeRequests(server.httpServer);
  const client = await connect(server.url, target.user, target.appPassword);
  const created = await client.callTool({
    name: 'nc_notes_create_note',
    arguments: { title: 'bench', content: 'x' },
  });
  const id = (created.structuredContent as { id: number }).id;
  const call = () => client.callTool({ name: 'nc_notes_get_note', arguments: { note_id: id } });

  for (let i = 0; i < 200; i++) await call();
  standinTimes.length = 0;
  serverTimes.length = 0;
  for (let i = 0; i < calls; i++) await call();
  const overhead = serverTimes.map((time, i) => time - (standinTimes[i] ?? 0));
  await client.close();
  await server.stop();

  // RSS of a real server process as deployed (compiled, plain node, loopback), over `soak` calls.
  const port = await freePort();
  // With the pod's Node flags: a capped heap shows a leak as growth or a crash.
  const child = spawn(process.execPath, ['dist/server/main.js'], {
    env: {
      ...process.env,
      NODE_OPTIONS: RUNTIME_NODE_OPTIONS,
      NEXTCLOUD_URL: target.url,
      PORT: String(port),
      LOG_LEVEL: 'warn',
    },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}/mcp`;
  await waitUntilOk(url.replace('/mcp', '/healthz'));
  // A fresh client per 1,000 calls, as MCP clients come and go; it also lets this process drop
  // the per-fetch abort listeners Node keeps on a client's long-lived signal until GC.
  const samples: number[] = [];
  for (let done = 0; done < soak; ) {
    const soakClient = await connect(url, target.user, target.appPassword);
    for (let i = 0; i < 1000 && done < soak; i++, done++) {
      await soakClient.callTool({ name: 'nc_notes_get_note', arguments: { note_id: id } });
    }
    await soakClient.close();
    samples.push(rssMiB(child.pid));
  }
  // V8 grows its heap over the first thousands of calls; a leak keeps growing in the second half.
  if (child.exitCode !== null) throw new Error(`the server died during the soak (exit ${child.exitCode})`);
  const half = samples[Math.floor(samples.length / 2) - 1] ?? Number.NaN;
  const last = samples.at(-1) ?? Number.NaN;
  child.kill('SIGTERM');
  await target.stop();

  const fmt = (ms: number) => `${ms.toFixed(3)} ms`;
  const median = (values: number[]) => percentile(values, 50);
  return [
    { metric: `server: tool call overhead p50 (${calls} calls)`, value: fmt(median(overhead)) },
    { metric: 'server: tool call overhead p99', value: fmt(percentile(overhead, 99)) },
    {
      metric: 'server: time per call / Nextcloud round trip (p50)',
      value: `${(median(serverTimes) / median(standinTimes)).toFixed(2)} (${fmt(median(serverTimes))} / ${fmt(median(standinTimes))})`,
    },
    {
      metric: 'server: RSS per 1,000 calls (MiB, pod Node flags)',
      value: samples.map((sample) => sample.toFixed(0)).join(' '),
    },
    {
      metric: `server: RSS after ${soak.toLocaleString('en')} calls / at half-way`,
      value: `${last.toFixed(1)} MiB / ${half.toFixed(1)} MiB (${((last / half - 1) * 100).toFixed(1)} % in the second half)`,
      target: 'no growth beyond noise',
    },
  ];
}

import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { awaitApiServer } from '../../operator/api-server.js';
import { kubeconfigTo, logLines, startProgram } from '../program-process.js';

/** A loopback port nothing listens on (yet). */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('an operator that cannot reach its cluster', () => {
  const servers: Server[] = [];
  afterAll(() => {
    for (const server of servers) server.close();
  });

  it('says so once (where, why, that it keeps trying), not a stack, not a line per retry', async () => {
    const port = await closedPort();
    const operator = startProgram('operator/main', {
      OPERATOR_IMAGE: 'img:1',
      KUBECONFIG: kubeconfigTo(port),
      HTTP_PORT: '0',
    });
    try {
      const [, probes] = await operator.waitFor(/"port":(\d+)/, 50_000);
      await operator.waitFor(/cannot reach/);
      // Backoff 0.5, 1, 2 s: a few more attempts within this.
      await sleep(4000);
      expect((await fetch(`http://127.0.0.1:${probes}/readyz`)).status).toBe(503);
      const complaints = logLines(operator.stdout()).filter((line) => line.level >= 40);
      expect(complaints.map((line) => line.msg)).toEqual([
        `cannot reach the Kubernetes API server at https://127.0.0.1:${port}: connection refused (request to https://127.0.0.1:${port}/version failed, reason: connect ECONNREFUSED 127.0.0.1:${port}); retrying with backoff until it answers`,
      ]);
      expect(operator.stderr()).toBe('');
      expect(operator.child.exitCode).toBeNull();
    } finally {
      await operator.kill();
    }
  }, 60_000);

  it('says once that it reached the API server when it comes up', async () => {
    const real = new KubeConfig();
    real.loadFromFile(process.env.TEST_KUBECONFIG ?? '');
    const target = new URL(real.getCurrentCluster()?.server ?? '');
    // The real API server behind a port that opens only later (its certificate is for 127.0.0.1).
    const port = await closedPort();
    const config = new KubeConfig();
    config.loadFromString(
      readFileSync(process.env.TEST_KUBECONFIG ?? '', 'utf8').replace(
        target.origin,
        `https://127.0.0.1:${port}`,
      ),
    );
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const waiting = awaitApiServer(config, log, new AbortController().signal, 100);
    for (let i = 0; i < 100 && lines.length === 0; i++) await sleep(20);
    const forward = createServer((socket) =>
      socket.pipe(connect(Number(target.port), target.hostname)).pipe(socket),
    );
    servers.push(forward);
    await sleep(500);
    forward.listen(port, '127.0.0.1');
    expect(await waiting).toBe(true);
    const logged = logLines(lines.join(''));
    expect(logged.map((line) => [line.level, line.msg])).toEqual([
      [
        50,
        expect.stringMatching(
          new RegExp(
            `^cannot reach the Kubernetes API server at https://127.0.0.1:${port}: connection refused`,
          ),
        ),
      ],
      [30, `reached the Kubernetes API server at https://127.0.0.1:${port}`],
    ]);
  }, 30_000);
});

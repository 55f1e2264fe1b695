import { readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../dev/free-port.js';
import { awaitApiServer } from '../../operator/api-server.js';
import { kubeconfigTo, logLines, startProgram } from '../program-process.js';
import { testNamespace } from './cluster.js';

describe('an operator that cannot reach its cluster', () => {
  const servers: Server[] = [];
  afterAll(() => {
    for (const server of servers) server.close();
  });

  it('says so once (where, why, that it keeps trying), not a stack, not a line per retry', async () => {
    const port = await freePort();
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

  /**
   * The real API server behind a port of the test's that forwards only while open (its
   * certificate is for 127.0.0.1), and a kubeconfig naming that port.
   */
  async function forwardedApiServer() {
    const real = new KubeConfig();
    real.loadFromFile(process.env.TEST_KUBECONFIG ?? '');
    const target = new URL(real.getCurrentCluster()?.server ?? '');
    const port = await freePort();
    const text = readFileSync(process.env.TEST_KUBECONFIG ?? '', 'utf8').replace(
      target.origin,
      `https://127.0.0.1:${port}`,
    );
    const sockets = new Set<Socket>();
    const forward = createServer((socket) => {
      const upstream = connect(Number(target.port), target.hostname);
      for (const end of [socket, upstream]) {
        sockets.add(end);
        end.on('close', () => sockets.delete(end));
        end.on('error', () => {});
      }
      socket.pipe(upstream).pipe(socket);
    });
    servers.push(forward);
    return {
      port,
      real,
      text,
      open: () => forward.listen(port, '127.0.0.1'),
      /** Stops forwarding and cuts every connection, as an API server that went away. */
      cut: () => {
        forward.close();
        for (const socket of sockets) socket.destroy();
      },
    };
  }

  it('says once that it reached the API server when it comes up', async () => {
    const { port, text, open } = await forwardedApiServer();
    const config = new KubeConfig();
    config.loadFromString(text);
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const waiting = awaitApiServer(config, log, new AbortController().signal, 100);
    for (let i = 0; i < 100 && lines.length === 0; i++) await sleep(20);
    await sleep(500);
    open();
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

  it('tells an outage after start once when it begins and once when it ends', async () => {
    const api = await forwardedApiServer();
    const namespace = await testNamespace(api.real, 'outage');
    const kubeconfig = join(tmpdir(), `kubeconfig-outage-${api.port}.yaml`);
    writeFileSync(kubeconfig, api.text);
    api.open();
    const operator = startProgram('operator/main', {
      OPERATOR_IMAGE: 'img:1',
      KUBECONFIG: kubeconfig,
      HTTP_PORT: '0',
      WATCH_NAMESPACE: namespace,
      POD_NAMESPACE: namespace,
      POD_NAME: 'only',
      LOG_LEVEL: 'info',
    });
    try {
      await operator.waitFor(/leading: starting the controller/, 50_000);
      const before = operator.stdout().length;
      api.cut();
      // Many leader rounds and watch restarts (each about a second) while it is away.
      await sleep(6000);
      api.open();
      await operator.waitFor(/leader election works again/, 30_000);
      await operator.waitFor(/watching again/, 30_000);
      const told = logLines(operator.stdout().slice(before))
        .filter((line) => line.level >= 40)
        .map((line) => line.msg);
      expect(told.filter((msg) => msg.startsWith('leader election failed'))).toHaveLength(1);
      // One line per watch at most (the operator watches fewer than a dozen kinds), not one per retry.
      const watches = told.filter((msg) => msg.startsWith('watch failed'));
      expect(watches.length).toBeLessThan(12);
      expect(told.length).toBeLessThan(14);
    } finally {
      await operator.kill();
    }
  }, 90_000);
});

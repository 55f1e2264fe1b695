import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Leadership } from '../../operator/leader.js';

/** A logger whose lines the test reads. */
function capturedLog() {
  const lines: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink), lines };
}

describe('leader election while the API server goes away and comes back', () => {
  it('says once that it fails, with the cause, and once that it works again', async () => {
    const outcomes: (boolean | 'down')[] = [true, 'down', 'down', 'down', true, true];
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' }),
    });
    const { log, lines } = capturedLog();
    const leadership = new Leadership({
      elector: {
        tryAcquireOrRenew: async () => {
          const next = outcomes.shift();
          if (next === 'down') throw refused;
          return next !== false;
        },
        release: async () => {},
      },
      retryPeriodMs: 5,
      log,
      start: async () => ({ stop: async () => {} }),
    });
    await leadership.start();
    await expect.poll(() => outcomes.length, { timeout: 2000 }).toBe(0);
    await leadership.stop();
    await new Promise((resolve) => setImmediate(resolve));

    const told = lines.filter((line) => line.level >= 30).map((line) => line.msg);
    const failures = told.filter((msg) => msg.startsWith('leader election failed'));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/connection refused|ECONNREFUSED/);
    expect(told.filter((msg) => msg === 'leader election works again')).toHaveLength(1);
    expect(leadership.apiReachable()).toBe(true);
  });
});

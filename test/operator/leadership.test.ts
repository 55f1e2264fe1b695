import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Leadership } from '../../operator/leader.js';

/** An elector answering each round from a script: true leads, false stands by, an Error fails. */
function scripted(rounds: (boolean | Error)[]) {
  const calls = { released: 0 };
  return {
    calls,
    elector: {
      tryAcquireOrRenew: async () => {
        const next = rounds.length > 1 ? rounds.shift() : rounds[0];
        if (next instanceof Error) throw next;
        return next ?? false;
      },
      release: async () => {
        calls.released++;
      },
    },
  };
}

describe('leadership', () => {
  it('runs the work only while leading, and releases the lease on stop', async () => {
    const { elector, calls } = scripted([true, true, false, true]);
    const events: string[] = [];
    const leadership = new Leadership({
      elector,
      retryPeriodMs: 10,
      log: pino({ level: 'silent' }),
      start: async () => {
        events.push('start');
        return { stop: async () => void events.push('stop') };
      },
    });
    await leadership.start();
    expect(events).toEqual(['start']);
    await sleep(100);
    expect(events.slice(0, 3)).toEqual(['start', 'stop', 'start']);
    await leadership.stop();
    expect(events.at(-1)).toBe('stop');
    expect(calls.released).toBe(1);
  });

  it('is not ready while the API server cannot be reached, and starts nothing', async () => {
    const { elector, calls } = scripted([new Error('ECONNREFUSED')]);
    const leading: boolean[] = [];
    const leadership = new Leadership({
      elector,
      retryPeriodMs: 1000,
      log: pino({ level: 'silent' }),
      start: () => Promise.reject(new Error('must not start')),
      onRound: (value) => leading.push(value),
    });
    await leadership.start();
    expect(leadership.apiReachable()).toBe(false);
    expect(leading).toEqual([false]);
    await leadership.stop();
    expect(calls.released).toBe(0);
  });
});

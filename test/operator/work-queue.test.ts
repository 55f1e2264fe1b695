import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { runWorkers, WorkQueue } from '../../operator/work-queue.js';

describe('the work queue', () => {
  it('queues a key once however often it is added', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    queue.add('ns/a');
    queue.add('ns/b');
    expect(queue.length).toBe(2);
    expect(await queue.get()).toBe('ns/a');
    expect(await queue.get()).toBe('ns/b');
    queue.shutDown();
  });

  it('never hands a key to two workers at once, and reprocesses it if it changed meanwhile', async () => {
    const queue = new WorkQueue();
    const running = new Set<string>();
    const seen: string[] = [];
    let overlap = false;
    queue.add('ns/a');
    const workers = runWorkers(
      queue,
      4,
      async (key) => {
        if (running.has(key)) overlap = true;
        running.add(key);
        seen.push(key);
        if (seen.length === 1) {
          // Events for the key arrive while it is being reconciled.
          queue.add(key);
          queue.add(key);
        }
        await sleep(20);
        running.delete(key);
        return { requeue: 'no' };
      },
      () => undefined,
    );
    await sleep(120);
    queue.shutDown();
    await workers;
    expect(overlap).toBe(false);
    expect(seen).toEqual(['ns/a', 'ns/a']);
  });

  it('backs off exponentially per key up to the cap, and forgets after a success', () => {
    const queue = new WorkQueue(10, 50);
    expect([1, 2, 3, 4, 5].map(() => queue.addRateLimited('ns/a'))).toEqual([10, 20, 40, 50, 50]);
    expect(queue.addRateLimited('ns/b')).toBe(10);
    queue.forget('ns/a');
    expect(queue.addRateLimited('ns/a')).toBe(10);
    queue.shutDown();
  });

  it('retries a failing reconcile with backoff until it succeeds', async () => {
    const queue = new WorkQueue(5, 100);
    let attempts = 0;
    const errors: unknown[] = [];
    queue.add('ns/a');
    const workers = runWorkers(
      queue,
      2,
      async () => {
        attempts++;
        if (attempts < 3) throw new Error('API server unavailable');
        return { requeue: 'no' };
      },
      (_key, error) => errors.push(error),
    );
    await sleep(150);
    queue.shutDown();
    await workers;
    expect(attempts).toBe(3);
    expect(errors).toHaveLength(2);
  });

  it('wakes idle workers with nothing on shutdown', async () => {
    const queue = new WorkQueue();
    const pending = queue.get();
    queue.shutDown();
    expect(await pending).toBeUndefined();
    queue.add('ns/late');
    expect(queue.length).toBe(0);
  });
});

/**
 * A rate-limited work queue keyed by `namespace/name`, as controller-runtime's: a key waiting is
 * queued once however often it is added; a key being processed is never handed to a second
 * worker, and if it was added meanwhile it comes back once the first is done; failures back
 * off exponentially per key until forgotten.
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private closed = false;

  constructor(
    private readonly baseDelayMs = 50,
    private readonly maxDelayMs = 300_000,
  ) {}

  /** Keys waiting to be processed. */
  get length(): number {
    return this.queue.length;
  }

  add(key: string): void {
    if (this.closed) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.processing.add(key);
      waiter(key);
      return;
    }
    this.queued.add(key);
    this.queue.push(key);
  }

  addAfter(key: string, delayMs: number): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.add(key);
    }, delayMs);
    this.timers.add(timer);
  }

  /** Requeues after this key's next backoff step; returns the delay chosen. */
  addRateLimited(key: string): number {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** failures);
    this.addAfter(key, delay);
    return delay;
  }

  /** Clears a key's backoff after a success. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** The next key to process (marked as processing), or undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.queued.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks a key processed; one added while it was processed goes back in the queue. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  shutDown(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }
}

/** What a reconcile asks of the queue for its key. */
export type ReconcileOutcome =
  | { readonly requeue: 'no' }
  | { readonly requeue: 'backoff' }
  | { readonly requeue: 'after'; readonly ms: number };

/**
 * Runs `workers` loops taking keys from the queue until it shuts down. A thrown error counts as
 * a transient failure (backoff); the handler decides everything else.
 */
export async function runWorkers(
  queue: WorkQueue,
  workers: number,
  reconcile: (key: string) => Promise<ReconcileOutcome>,
  onError: (key: string, error: unknown) => void,
): Promise<void> {
  const loop = async () => {
    for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
      try {
        const outcome = await reconcile(key);
        if (outcome.requeue === 'backoff') queue.addRateLimited(key);
        else {
          queue.forget(key);
          if (outcome.requeue === 'after') queue.addAfter(key, outcome.ms);
        }
      } catch (error) {
        onError(key, error);
        queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, loop));
}

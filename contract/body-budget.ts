import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform } from 'node:stream';
import getRawBody from 'raw-body';

/**
 * What the request bodies a process holds at once may add up to (`MAX_BODY_BYTES_IN_FLIGHT`, in
 * both programs). A body waits in a Buffer, off the heap but in the pod's memory, until its answer
 * is sent; bounding one body and the bodies of one subject still lets many subjects together push
 * the container over its memory limit.
 */
export class BodyBudget {
  private taken = 0;

  constructor(private readonly capacity: number) {}

  /** Bytes held now. */
  get held(): number {
    return this.taken;
  }

  /** Takes `bytes`, or nothing (false) when that would pass the capacity. */
  take(bytes: number): boolean {
    if (this.taken + bytes > this.capacity) return false;
    this.taken += bytes;
    return true;
  }

  give(bytes: number): void {
    this.taken -= bytes;
  }
}

/** Why a body was not read: over the budget (503), over its own limit (413), or broken (400). */
export type BodyRefusal = 'busy' | 'too large' | 'unreadable';

/** One body's limit (413 beyond) and the budget of all (503 beyond). */
export interface BodyBounds {
  readonly limit: number;
  readonly budget: BodyBudget;
  /**
   * Answer `Expect: 100-continue` here, once the budget holds the declared length (for a server
   * that listens for `checkContinue` itself): a body that cannot fit is refused before it is sent.
   */
  readonly answersContinue?: boolean;
}

class OverBudget extends Error {}

/** Whether the client waits for `100 Continue` before it sends its body (curl does past 1 MiB). */
export function expectsContinue(req: IncomingMessage): boolean {
  return req.headers.expect?.toLowerCase() === '100-continue';
}

/**
 * Reads a request body of at most `limit` bytes within `budget`, held until `res` closes. A
 * declared length (Content-Length) is taken before a byte is read, so a body that cannot fit is
 * refused unread; one without (chunked) is taken as its bytes arrive.
 */
export async function readBudgetedBody(
  req: IncomingMessage,
  res: ServerResponse,
  { limit, budget, answersContinue }: BodyBounds,
): Promise<{ body: Buffer } | { refused: BodyRefusal }> {
  let held = 0;
  res.once('close', () => budget.give(held));
  const take = (bytes: number) => {
    if (!budget.take(bytes)) return false;
    held += bytes;
    return true;
  };
  const declared = req.headers['content-length'];
  let source: NodeJS.ReadableStream = req;
  if (declared !== undefined) {
    const length = Number(declared);
    if (length > limit) return { refused: 'too large' };
    if (!take(length)) return { refused: 'busy' };
  } else {
    source = req.pipe(
      new Transform({
        transform(chunk: Buffer, _encoding, done) {
          if (take(chunk.length)) done(null, chunk);
          else done(new OverBudget());
        },
      }),
    );
  }
  if (answersContinue && expectsContinue(req)) res.writeContinue();
  try {
    return { body: await getRawBody(source, { limit, length: declared }) };
  } catch (error) {
    if (error instanceof OverBudget) return { refused: 'busy' };
    const tooLarge = (error as { type?: unknown }).type === 'entity.too.large';
    return { refused: tooLarge ? 'too large' : 'unreadable' };
  }
}

import { createHash } from 'node:crypto';
import {
  acceptedContent,
  CLIENT_CAPABILITIES_META_KEY,
  type InputRequiredResult,
  inputRequired,
  inputResponse,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { z } from 'zod';

/**
 * What a destructive tool asks its user before it acts (MCP 2026-07-28 multi-round-trip
 * requests): the question, what the question describes, and the tool's answer should they say no.
 */
export interface Confirmation<O> {
  /** The question as the user reads it, naming what would change ("Delete 14 events …"). */
  readonly message: string;
  /**
   * What the question describes (event UIDs with their etags, an address book's URL and ctag):
   * if this differs by the time the user answers, they are asked again about what is there now.
   */
  readonly affected: readonly string[];
  /** The tool's structured result when the user declines: that nothing happened. */
  readonly declined: O;
}

/** The one input request of a confirmation: its key in `inputRequests`/`inputResponses`. */
export const CONFIRM_KEY = 'confirm';

const Answer = z.object({ confirm: z.boolean() });

/** The form the client shows: one yes/no field, no by default. */
const ANSWER_FORM = {
  type: 'object' as const,
  properties: {
    confirm: { type: 'boolean' as const, title: 'Go ahead', description: 'Tick to confirm', default: false },
  },
  required: ['confirm'],
};

/**
 * How long a question may wait for its answer: long enough to read it, short enough that an
 * answer given much later is asked again about what is there then.
 */
export const STATE_TTL_MS = 5 * 60_000;

/** Far above the roughly 300 characters a state of ours takes; anything longer is not ours. */
const MAX_STATE_CHARS = 1024;

const digest = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

/**
 * The `requestState` of a question: what it was about, as digests (the client holds it and
 * may log it, so no user id or argument in clear). It binds the caller, the tool, the
 * canonical arguments and what the question described, and it expires.
 *
 * Deliberately not signed (HMAC) or encrypted. The state authorizes nothing: the token's scopes
 * are checked on the retry as on any call (by the proxy and by `registerTools`), and the server
 * recomputes every field from the retry itself and acts only when they are equal, so a forged
 * state can only say what an honest one would. What a confirmation guards against is an
 * over-eager model, not the client: the client shows the question and sends the answer, so a
 * client that wanted to could answer "yes" itself, key or no key, and a client that declares no
 * elicitation gets no question at all. Without a key, any replica can check any retry, and there
 * is no secret to distribute or rotate (docs/threat-model.md, "Confirmations").
 */
const State = z.strictObject({
  v: z.literal(1),
  user: digest,
  tool: z.string().min(1).max(100),
  args: digest,
  seen: digest,
  /** Expiry, in milliseconds since the epoch. */
  exp: z.number().int().nonnegative(),
});
type State = z.infer<typeof State>;

/** Who asks what: the fields a state binds besides what the question described. */
export interface Binding {
  readonly user: string;
  readonly tool: string;
  readonly args: unknown;
}

/** What the confirmation step decided for this round of a call. */
export type Verdict<O> =
  | { readonly kind: 'run' }
  | { readonly kind: 'declined'; readonly output: O }
  | { readonly kind: 'ask'; readonly result: InputRequiredResult };

/**
 * True when this request is a 2026-07-28 one whose client declared form elicitation (a bare
 * `elicitation: {}` means form, as it did before modes). 2025 requests carry no envelope: their
 * stateless leg cannot ask anything, so they, and clients that cannot show a form, are not asked.
 */
export function canAsk(ctx: ServerContext): boolean {
  const declared = Elicitation.safeParse(ctx.mcpReq.envelope);
  const elicitation = declared.success ? declared.data[CLIENT_CAPABILITIES_META_KEY].elicitation : undefined;
  return elicitation !== undefined && (elicitation.form !== undefined || elicitation.url === undefined);
}

/** The one capability read here, from an envelope the SDK types as `{}` (other fields pass). */
const Elicitation = z.object({
  [CLIENT_CAPABILITIES_META_KEY]: z.object({
    elicitation: z.object({ form: z.unknown().optional(), url: z.unknown().optional() }).optional(),
  }),
});

/**
 * Runs the tool only on an accepted "yes" to this very question (same caller, tool, arguments
 * and affected set, not expired); a "no" or a dismissed form answers that nothing changed; any
 * other round (the first, a stale or foreign state, an unreadable answer) asks the question.
 */
export function decide<O>(
  question: Confirmation<O>,
  binding: Binding,
  ctx: ServerContext,
  now = Date.now(),
): Verdict<O> {
  const responses = ctx.mcpReq.inputResponses;
  const answer = inputResponse(responses, CONFIRM_KEY);
  // A refusal needs no proof of what it refused: not acting is always safe.
  if (answer.kind === 'elicit' && answer.action !== 'accept')
    return { kind: 'declined', output: question.declined };
  const accepted = acceptedContent(responses, CONFIRM_KEY, Answer);
  if (accepted?.confirm === false) return { kind: 'declined', output: question.declined };
  const expected = stateOf(question, binding);
  if (accepted?.confirm === true && matches(readState(ctx.mcpReq.requestState()), expected, now)) {
    return { kind: 'run' };
  }
  return {
    kind: 'ask',
    result: inputRequired({
      inputRequests: {
        [CONFIRM_KEY]: inputRequired.elicit({ message: question.message, requestedSchema: ANSWER_FORM }),
      },
      requestState: writeState({ ...expected, exp: now + STATE_TTL_MS }),
    }),
  };
}

function stateOf(question: Confirmation<unknown>, { user, tool, args }: Binding): Omit<State, 'exp'> {
  return {
    v: 1,
    user: hash(`user\0${user}`),
    tool,
    args: hash(canonicalJson(args)),
    seen: hash(canonicalJson({ message: question.message, affected: [...question.affected].sort() })),
  };
}

function matches(state: State | undefined, expected: Omit<State, 'exp'>, now: number): boolean {
  return (
    state !== undefined &&
    state.exp > now &&
    state.user === expected.user &&
    state.tool === expected.tool &&
    state.args === expected.args &&
    state.seen === expected.seen
  );
}

/** The state a retry echoed, or undefined when it is absent, too long or not one of ours. */
export function readState(raw: unknown): State | undefined {
  if (typeof raw !== 'string' || raw.length > MAX_STATE_CHARS) return undefined;
  try {
    const parsed = State.safeParse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function writeState(state: State): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/** JSON with object keys sorted at every level: equal arguments give equal text. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

import { createHash } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, type Dispatcher, request } from 'undici';
import { z } from 'zod';
import {
  type Explanation,
  errorForStatus,
  ForbiddenError,
  type RefusedRequest,
  ServerError,
  TooLargeError,
  toServerError,
  UpstreamFailedError,
} from '../errors.js';

/** What the server knows about the caller: the credential to present and the user id. */
export interface Credentials {
  /** The full `Authorization` header value (`Bearer ...` from the proxy, `Basic ...` standalone). */
  readonly authorization: string;
  /** The Nextcloud user id, used in DAV paths. */
  readonly user: string;
}

/** Settings shared by every request: one keep-alive connection pool per process. */
export interface HttpSettings {
  readonly baseUrl: URL;
  readonly timeoutMs: number;
  /** Largest answer read when a request sets no limit of its own (`ANSWER_MAX_BYTES`). */
  readonly answerMaxBytes: number;
  readonly dispatcher: Dispatcher;
}

/**
 * What one answer may weigh unless a request says otherwise. The heap is 96 MiB and a parsed
 * answer takes several times its size, so a folder of tens of thousands of entries, a large tag
 * REPORT or any body without end is refused with a clear error instead of taking the pod down.
 */
export const DEFAULT_ANSWER_MAX_BYTES = 4 * 1024 * 1024;

export function createHttpSettings(
  baseUrl: URL,
  timeoutMs: number,
  answerMaxBytes = DEFAULT_ANSWER_MAX_BYTES,
): HttpSettings {
  return {
    baseUrl,
    timeoutMs,
    answerMaxBytes,
    dispatcher: new Agent({
      keepAliveTimeout: 30_000,
      connections: 64,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    }),
  };
}

export interface NcRequest {
  readonly method: string;
  /** Path below the Nextcloud base URL, already percent-encoded, starting with `/`. */
  readonly path: string;
  readonly query?: Record<string, string | number | boolean | undefined>;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  /** Names the object for error messages, e.g. "Note 42". */
  readonly what: string;
  /** Statuses that are answers rather than errors (2xx always are). */
  readonly accept?: readonly number[];
  /** Refuse bodies larger than this many bytes (a file's content); else the answer limit applies. */
  readonly maxBytes?: number;
  /** What to do instead when the answer is over the answer limit, e.g. "list a subfolder". */
  readonly tooLarge?: string;
  /**
   * The app's reading of a refusal (a status >= 300 not in `accept`), consulted before the shared
   * status table: where the app explains itself in a body of its own, or means by a status what
   * HTTP means by another.
   */
  readonly explain?: (refusal: NcResponse) => Explanation | undefined;
}

export type OcsRequest = Omit<NcRequest, 'body'> & {
  form?: Record<string, string | undefined>;
  json?: unknown;
};

export interface NcResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

/** Methods that are safe to send again after a network failure or a 502/503/504. */
const RETRYABLE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PROPFIND', 'SEARCH', 'REPORT']);
const RETRYABLE_STATUSES = new Set([502, 503, 504]);
const MAX_ATTEMPTS = 3;

/** Reads a header that may be repeated as a single string. */
export function headerValue(headers: NcResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The one door to Nextcloud: keep-alive pool, deadline per call, cancellation from the MCP
 * request, bounded retries for safe methods only, and every failure mapped to a ServerError.
 */
export class NextcloudClient {
  constructor(
    private readonly settings: HttpSettings,
    readonly credentials: Credentials,
    private readonly signal?: AbortSignal,
  ) {}

  get user(): string {
    return this.credentials.user;
  }

  /** This caller's client whose requests also end when `signal` does: a deadline of one tool's own. */
  until(signal: AbortSignal): NextcloudClient {
    const both = this.signal ? AbortSignal.any([this.signal, signal]) : signal;
    return new NextcloudClient(this.settings, this.credentials, both);
  }

  /**
   * A key for per-caller caches: a hash of this Nextcloud and the credential, so caches never hold
   * a token and one caller's entries are never another's.
   */
  get cacheKey(): string {
    this.key ??= createHash('sha256')
      .update(`${this.settings.baseUrl.href}\n${this.credentials.authorization}`)
      .digest('hex');
    return this.key;
  }
  private key: string | undefined;

  /**
   * The absolute URL of a path below the Nextcloud base URL (`path` starts with `/`). Joined as
   * text, never resolved as a reference (`//host/x` would be another host), and checked after
   * parsing: the one place that decides where the user's credential goes.
   */
  url(path: string): URL {
    const base = this.settings.baseUrl;
    const url = new URL(`${base.origin}${base.pathname.replace(/\/$/, '')}${path}`);
    if (url.origin !== base.origin || !path.startsWith('/'))
      throw new ForbiddenError(`${path.slice(0, 200)} is not a path on this Nextcloud`);
    return url;
  }

  /**
   * Where an href or URL from an answer points, as a path for {@link send} (with its query), when it
   * is below this Nextcloud's base URL; undefined when it resolves elsewhere. Origins are compared
   * after WHATWG resolution, so `//host/`, `/.//host/`, `/%2e//host/` and backslashed spellings
   * are caught; an empty path segment, which only such spellings need, is refused as well.
   */
  below(href: string): { path: string; query: URLSearchParams } | undefined {
    const base = this.url('/');
    let url: URL;
    try {
      url = new URL(href, base);
    } catch {
      // Not a URL at all: it points nowhere we may go.
      return undefined;
    }
    if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname) || url.pathname.includes('//'))
      return undefined;
    return { path: url.pathname.slice(base.pathname.length - 1), query: url.searchParams };
  }

  async send(req: NcRequest): Promise<NcResponse> {
    const retryable = RETRYABLE_METHODS.has(req.method);
    for (let attempt = 1; ; attempt++) {
      let outcome: NcResponse | ServerError;
      try {
        outcome = await this.once(req);
      } catch (error) {
        outcome = toServerError(error, req.what, this.settings.timeoutMs);
      }
      const transient =
        outcome instanceof ServerError ? outcome.transient : RETRYABLE_STATUSES.has(outcome.status);
      if (retryable && transient && attempt < MAX_ATTEMPTS) {
        await this.pause(attempt, req.what);
        continue;
      }
      if (outcome instanceof ServerError) throw outcome;
      if (outcome.status >= 300 && !req.accept?.includes(outcome.status)) {
        const explained = req.explain?.(outcome);
        throw errorForStatus(
          outcome.status,
          req.what,
          explained?.detail ?? nextcloudReason(outcome),
          explained,
          this.refused(req),
        );
      }
      return outcome;
    }
  }

  /** What the status table needs to know of a refused request: its precondition and credential kind. */
  private refused(req: NcRequest): RefusedRequest {
    const names = Object.keys(req.headers ?? {}).map((name) => name.toLowerCase());
    return {
      precondition: names.includes('if-match')
        ? 'if-match'
        : names.includes('if-none-match')
          ? 'if-none-match'
          : undefined,
      credential: /^bearer /i.test(this.credentials.authorization) ? 'bearer' : 'basic',
    };
  }

  /** Waits before a retry; a cancelled MCP request ends the wait as an AbortedError. */
  private async pause(attempt: number, what: string): Promise<void> {
    try {
      await sleep(100 * 2 ** (attempt - 1) + Math.floor(Math.random() * 50), undefined, {
        signal: this.signal,
      });
    } catch (error) {
      throw toServerError(error, what, this.settings.timeoutMs);
    }
  }

  /** Sends a JSON body (if any) and parses a JSON answer, checked against `schema`. */
  async json<S extends z.ZodType>(
    req: Omit<NcRequest, 'body'> & { json?: unknown; schema: S },
  ): Promise<{ data: z.output<S>; response: NcResponse }> {
    const { json, schema, ...rest } = req;
    const response = await this.send({
      ...rest,
      headers: {
        accept: 'application/json',
        ...(json === undefined ? {} : { 'content-type': 'application/json' }),
        ...rest.headers,
      },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
    return { data: parseAnswer(response, schema, req.what), response };
  }

  /**
   * Calls an OCS endpoint (`/ocs/v2.php/...`) and unwraps `ocs.data`, checked against `schema`;
   * `form` is sent url-encoded, `json` as JSON (apps such as Deck read JSON bodies).
   */
  async ocs<S extends z.ZodType>(req: OcsRequest & { schema: S }): Promise<z.output<S>> {
    const { form, json, schema, ...rest } = req;
    const response = await this.send({
      ...rest,
      query: { format: 'json', ...rest.query },
      headers: {
        accept: 'application/json',
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...(json === undefined ? {} : { 'content-type': 'application/json' }),
        ...rest.headers,
      },
      ...(form ? { body: formBody(form) } : json === undefined ? {} : { body: JSON.stringify(json) }),
    });
    const { data } = ocsEnvelope(readJson(response, req.what), req.what);
    return checkAnswer(schema, data, req.what);
  }

  private async once(req: NcRequest): Promise<NcResponse> {
    const url = this.url(req.path);
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const timeout = AbortSignal.timeout(this.settings.timeoutMs);
    const response = await request(url, {
      method: req.method as Dispatcher.HttpMethod,
      dispatcher: this.settings.dispatcher,
      signal: this.signal ? AbortSignal.any([this.signal, timeout]) : timeout,
      headers: {
        'user-agent': 'nextcloud-mcp',
        ...req.headers,
        // Authenticates OCS calls, and since Nextcloud 31 passes the CSRF check that the apps' own
        // REST routes (CORS routes) otherwise fail for a bearer token; harmless with app passwords.
        'ocs-apirequest': 'true',
        authorization: this.credentials.authorization,
      },
      body: req.body,
    });
    const body = await readBody(response, req, this.settings.answerMaxBytes);
    return { status: response.statusCode, headers: response.headers, body };
  }
}

/**
 * The body, never more than the request's limit or else the answer limit: a longer one is cut off
 * unread (the connection goes) and refused by a message that names the limit.
 */
async function readBody(
  response: Dispatcher.ResponseData,
  req: NcRequest,
  answerMaxBytes: number,
): Promise<Buffer> {
  const limit = req.maxBytes ?? answerMaxBytes;
  const tooLarge = (size: string) =>
    new TooLargeError(
      req.maxBytes === undefined
        ? `Nextcloud's answer for ${req.what} is ${size} the server's limit of ${formatBytes(limit)} ` +
            `for one answer (ANSWER_MAX_BYTES)${req.tooLarge ? `; ${req.tooLarge}` : ''}`
        : `${req.what} is ${size} the limit of ${formatBytes(limit)}`,
    );
  const declared = Number(response.headers['content-length'] ?? Number.NaN);
  if (declared > limit) {
    response.body.destroy();
    throw tooLarge(`${formatBytes(declared)}, above`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      response.body.destroy();
      throw tooLarge('larger than');
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function formBody(form: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(form)) if (value !== undefined) params.set(key, value);
  return params.toString();
}

/** The JSON of an answer; a body that is not JSON is Nextcloud's failure. */
export function readJson(response: NcResponse, what: string): unknown {
  try {
    return JSON.parse(response.body.toString('utf8'));
  } catch (error) {
    throw new UpstreamFailedError(`Nextcloud sent a malformed answer for ${what}`, { cause: error });
  }
}

/** A JSON answer checked against `schema`. */
export function parseAnswer<S extends z.ZodType>(response: NcResponse, schema: S, what: string): z.output<S> {
  return checkAnswer(schema, readJson(response, what), what);
}

/**
 * Checks what Nextcloud answered against the shape our code reads, so an app that changed its API
 * (or a proxy's stray page) is a clear upstream failure instead of a crash or a wrong result. The
 * message names the fields, never their values: they may be the user's data.
 */
export function checkAnswer<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 3).map((issue) => {
    const at = issue.path.map(String).join('.') || 'the answer';
    return issue.code === 'invalid_type' ? `${at}: expected ${issue.expected}` : `${at}: ${issue.code}`;
  });
  throw new UpstreamFailedError(`Nextcloud sent an unexpected answer for ${what} (${problems.join('; ')})`, {
    cause: result.error,
  });
}

/** Every OCS answer wraps its data so; apps' own fields in `ocs.meta` are not ours to require. */
const OcsEnvelope = z.looseObject({ ocs: z.looseObject({ data: z.unknown() }) });

/** The `ocs.data` of an OCS answer. */
export function ocsEnvelope(value: unknown, what: string): { data: unknown } {
  return checkAnswer(OcsEnvelope, value, what).ocs;
}

/** Longest reason quoted from Nextcloud: longer bodies are pages or dumps, not reasons. */
const MAX_REASON = 300;

/**
 * Nextcloud's own reason for a refusal, from whichever shape its answer has: an OCS envelope
 * (`ocs.meta.message`), an app's JSON (`{message}`, `{error}`, Cookbook's `{msg}`, or a bare JSON
 * string), Sabre DAV's XML error (`<s:message>`) or a short plain-text body. Never an HTML page or a
 * long body, and nothing that only repeats the status line.
 */
export function nextcloudReason(response: NcResponse): string | undefined {
  const type = String(headerValue(response.headers, 'content-type') ?? '').toLowerCase();
  if (response.body.length === 0 || response.body.length > 64 * 1024 || type.includes('html'))
    return undefined;
  const text = response.body.toString('utf8').trim();
  let reason: unknown;
  if (type.includes('json') || /^[{"]/.test(text)) reason = jsonReason(text);
  else if (type.includes('xml') || text.startsWith('<'))
    reason = /<(?:[\w-]+:)?message(?:\s[^>]*)?>([^<]*)</
      .exec(text)?.[1]
      ?.replace(/&(lt|gt|quot|apos|amp);/g, entity);
  else if (type === '' || type.startsWith('text/plain')) reason = text;
  if (typeof reason !== 'string') return undefined;
  const clean = reason.replace(/\s+/g, ' ').trim();
  if (!clean || clean.length > MAX_REASON || /^<|<\/?(html|body|div|p)\b/i.test(clean)) return undefined;
  // Radicale and proxies say only the status again ("Precondition failed."): nothing to add.
  const status = STATUS_CODES[response.status]?.toLowerCase();
  return clean.replace(/\.$/, '').toLowerCase() === status ? undefined : clean;
}

function jsonReason(text: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON after all: no reason to quote.
    return undefined;
  }
  if (typeof parsed === 'string') return parsed;
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const body = parsed as {
    ocs?: { meta?: { message?: unknown } };
    message?: unknown;
    error?: unknown;
    msg?: unknown;
  };
  if (body.ocs) return body.ocs.meta?.message;
  return [body.message, body.error, body.msg].find((value) => typeof value === 'string' && value.trim());
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };
const entity = (_all: string, name: string) => ENTITIES[name] ?? '';

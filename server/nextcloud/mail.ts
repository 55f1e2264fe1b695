import { z } from 'zod';
import { InvalidInputError, NotFoundError, UpstreamFailedError } from '../errors.js';
import { checkAnswer, type NcResponse, type NextcloudClient } from './client.js';

/**
 * Nextcloud Mail's OCS API (accounts since Mail 4.3; mailboxes and message lists since 5.2;
 * messages, raw source and sending since 4.0).
 */
export const MAIL_OCS = '/ocs/v2.php/apps/mail';
/**
 * Mail's own REST routes, for what the OCS API lacks: flags, tags, move, delete, and attachment
 * bytes (the OCS attachment route JSON-encodes the content, which fails for binary files).
 */
export const MAIL_API = '/index.php/apps/mail/api';

/** `OCS-APIRequest` authenticates OCS calls and exempts the REST routes from the CSRF check. */
export const MAIL_HEADERS = { accept: 'application/json', 'ocs-apirequest': 'true' } as const;

type Json = Record<string, unknown>;

/** An OCS envelope, or `undefined` when the body is not one. */
export function ocsEnvelope(response: NcResponse): { message: string; data: unknown } | undefined {
  try {
    const body = JSON.parse(response.body.toString('utf8')) as { ocs?: { meta?: Json; data?: unknown } };
    if (!body.ocs) return undefined;
    return { message: String(body.ocs.meta?.message ?? ''), data: body.ocs.data };
  } catch {
    // Not JSON: a proxy's or Nextcloud's HTML error page.
    return undefined;
  }
}

/** A route Nextcloud's OCS router does not know: Mail is not enabled for the user, or too old. */
function mailMissing(response: NcResponse): boolean {
  return /^Invalid query/.test(ocsEnvelope(response)?.message ?? '');
}

export function missingMailError(): NotFoundError {
  return new NotFoundError(
    'The Mail app (5.2 or newer) is not enabled on this Nextcloud for you; ask an administrator to install or update it',
  );
}

/** GETs an OCS route of Mail and unwraps `ocs.data`; Mail answers an unknown id with 403 or 404. */
export async function mailOcs<S extends z.ZodType>(
  nc: NextcloudClient,
  schema: S,
  path: string,
  what: string,
  options: { query?: Record<string, string | number | undefined>; maxBytes?: number } = {},
): Promise<z.output<S>> {
  const response = await nc.send({
    method: 'GET',
    path: `${MAIL_OCS}${path}`,
    query: { format: 'json', ...options.query },
    headers: MAIL_HEADERS,
    what,
    accept: [403, 404],
    ...(options.maxBytes ? { maxBytes: options.maxBytes } : {}),
  });
  if (response.status === 404 && mailMissing(response)) throw missingMailError();
  if (response.status >= 400) throw new NotFoundError(`${what} not found`);
  const envelope = ocsEnvelope(response);
  if (!envelope) throw new UpstreamFailedError(`Nextcloud sent a malformed answer for ${what}`);
  return checkAnswer(schema, envelope.data, what);
}

/**
 * Calls one of Mail's REST routes. Mail answers an id that is not the user's (or no longer exists,
 * as after a move) with 403, and its own refusals with 400 and `{status: "fail", data: {message}}`.
 */
export async function mailApi<S extends z.ZodType>(
  nc: NextcloudClient,
  schema: S,
  method: 'POST' | 'PUT' | 'DELETE',
  path: string,
  what: string,
  json?: unknown,
): Promise<z.output<S> | undefined> {
  const response = await nc.send({
    method,
    path: `${MAIL_API}${path}`,
    headers: { ...MAIL_HEADERS, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    what,
    accept: [400, 403, 404],
  });
  if (response.status === 403 || response.status === 404) throw new NotFoundError(`${what} not found`);
  if (response.status === 400) {
    const reason = failMessage(response);
    throw new InvalidInputError(`Nextcloud Mail refused ${what}${reason ? `: ${reason}` : ''}`);
  }
  const text = response.body.toString('utf8');
  if (!text) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UpstreamFailedError(`Nextcloud sent a malformed answer for ${what}`, { cause: error });
  }
  return checkAnswer(schema, parsed, what);
}

/**
 * The answers the tools read. Mail's ids are numbers; the rest is read leniently by the views
 * (absent text is "", absent lists empty), so only its type is checked where Mail sends one.
 */
const Address = z.looseObject({ label: z.string().nullish(), email: z.string().nullish() });
const Addresses = z.array(Address).nullish();
const Flags = z.record(z.string(), z.unknown()).nullish();
/** Tags keyed by IMAP label; PHP sends none as `[]`. */
const Tags = z.union([z.record(z.string(), z.looseObject({ id: z.number() })), z.array(z.never())]).nullish();
const Part = z.looseObject({
  id: z.union([z.string(), z.number()]).nullish(),
  fileName: z.string().nullish(),
  mime: z.string().nullish(),
  size: z.number().nullish(),
});
const MessageSummary = z.looseObject({
  databaseId: z.number(),
  subject: z.string().nullish(),
  dateInt: z.number().nullish(),
  from: Addresses,
  to: Addresses,
  previewText: z.string().nullish(),
  flags: Flags,
  tags: Tags,
});

export const MAIL = {
  accounts: z.array(
    z.looseObject({
      id: z.number(),
      email: z.string().nullish(),
      isDelegated: z.boolean().nullish(),
      aliases: z
        .array(z.looseObject({ id: z.number(), email: z.string().nullish(), name: z.string().nullish() }))
        .nullish(),
    }),
  ),
  mailboxes: z.array(
    z.looseObject({
      databaseId: z.number(),
      name: z.string().nullish(),
      specialUse: z.array(z.string()).nullish(),
      unread: z.number().nullish(),
    }),
  ),
  messages: z.array(MessageSummary),
  /** null when Mail cannot read the message. */
  message: z
    .looseObject({
      id: z.number().nullish(),
      messageId: z.string().nullish(),
      subject: z.string().nullish(),
      dateInt: z.number().nullish(),
      from: Addresses,
      to: Addresses,
      cc: Addresses,
      bcc: Addresses,
      replyTo: Addresses,
      hasHtmlBody: z.boolean().nullish(),
      body: z.string().nullish(),
      flags: Flags,
      attachments: z.array(Part).nullish(),
      inlineAttachments: z.array(Part).nullish(),
    })
    .nullable(),
  /** null when the mail server has no source for it. */
  source: z.string().nullable(),
  tag: z.looseObject({
    id: z.number(),
    displayName: z.string(),
    imapLabel: z.string(),
    color: z.string().nullish(),
  }),
  ignored: z.unknown(),
};

/** Mail's explanation in a `{status: "fail", data: {message}}` body, if short enough to show. */
function failMessage(response: NcResponse): string | undefined {
  try {
    const body = JSON.parse(response.body.toString('utf8')) as { data?: { message?: unknown } };
    const message = body.data?.message;
    return typeof message === 'string' && message.length < 300 ? message : undefined;
  } catch {
    return undefined;
  }
}

export const addressShape = z.object({ label: z.string(), email: z.string() });
export type Address = z.output<typeof addressShape>;

export const str = (value: unknown) => (typeof value === 'string' ? value : '');

export function addresses(value: unknown): Address[] {
  return (Array.isArray(value) ? value : []).map((entry: Json) => ({
    label: str(entry?.label),
    email: str(entry?.email),
  }));
}

/** Mail's `dateInt` (seconds) as ISO 8601, or null when absent. */
export function isoDate(seconds: unknown): string | null {
  return typeof seconds === 'number' && seconds > 0 ? new Date(seconds * 1000).toISOString() : null;
}

export const mailId = (what: string) =>
  z.number().int().min(1).max(2_147_483_647).describe(`The numeric id of the ${what}`);

export const tagShape = { id: z.number(), name: z.string(), imap_label: z.string(), color: z.string() };

export function tagView(tag: Json) {
  return {
    id: Number(tag.id),
    name: str(tag.displayName),
    imap_label: str(tag.imapLabel),
    color: str(tag.color),
  };
}

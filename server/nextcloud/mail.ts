import { z } from 'zod';
import { type Explanation, UpstreamFailedError } from '../errors.js';
import { headerValue, type NcResponse, type NextcloudClient, parseAnswer } from './client.js';

/**
 * Nextcloud Mail's OCS API (accounts since Mail 4.3; mailboxes and message lists since 5.2;
 * messages, raw source and sending since 4.0).
 */
export const MAIL_OCS = '/ocs/v2.php/apps/mail';
/**
 * Mail's own REST routes, for what the OCS API lacks: flags, tags, move, delete, and attachment
 * bytes (the OCS attachment route JSON-encodes the content, which fails for binary files).
 */
const MAIL_API = '/index.php/apps/mail/api';

/** The JSON of an answer, or `undefined` for a proxy's or Nextcloud's HTML error page. */
export function jsonOf(response: NcResponse): unknown {
  try {
    return JSON.parse(response.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

const OcsMessage = z.object({ ocs: z.object({ meta: z.object({ message: z.string() }) }) });

/** A route Nextcloud's OCS router does not know: Mail is not enabled for the user, or too old. */
export function mailMissing(response: NcResponse): boolean {
  return /^Invalid query/.test(OcsMessage.safeParse(jsonOf(response)).data?.ocs.meta.message ?? '');
}

export const MISSING_MAIL =
  'The Mail app (5.2 or newer) is not enabled on this Nextcloud for you; ask an administrator to install or update it';

/** Mail answers an id that is not the user's (or no longer exists, as after a move) with 403 or 404. */
const notFound = (what: string, response: NcResponse): Explanation | undefined =>
  response.status === 403 || response.status === 404
    ? { status: 404, message: `${what} not found` }
    : undefined;

/** GETs an OCS route of Mail and unwraps `ocs.data`. */
function mailOcs<S extends z.ZodType>(
  nc: NextcloudClient,
  schema: S,
  path: string,
  what: string,
  options: { query?: Record<string, string | number | undefined>; maxBytes?: number } = {},
): Promise<z.output<S>> {
  return nc.ocs({
    method: 'GET',
    path: `${MAIL_OCS}${path}`,
    what,
    schema,
    ...(options.query ? { query: options.query } : {}),
    ...(options.maxBytes ? { maxBytes: options.maxBytes } : {}),
    explain: (response) =>
      response.status === 404 && mailMissing(response) ? { message: MISSING_MAIL } : notFound(what, response),
  });
}

/** Mail's explanation in a `{status: "fail", data: {message}}` body, if short enough to show. */
const FailMessage = z.object({ data: z.object({ message: z.string().max(299) }) });

/**
 * Calls one of Mail's REST routes; Mail refuses with 400 and a `fail` body. An empty answer is
 * `undefined`.
 */
async function mailApi<S extends z.ZodType>(
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
    headers: {
      accept: 'application/json',
      ...(json === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    what,
    explain: (refusal) => {
      if (refusal.status !== 400) return notFound(what, refusal);
      const reason = FailMessage.safeParse(jsonOf(refusal)).data?.data.message;
      return { message: `Nextcloud Mail refused ${what}${reason ? `: ${reason}` : ''}` };
    },
  });
  return response.body.length === 0 ? undefined : parseAnswer(response, schema, what);
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
const Account = z.looseObject({
  id: z.number(),
  email: z.string().nullish(),
  isDelegated: z.boolean().nullish(),
  aliases: z
    .array(z.looseObject({ id: z.number(), email: z.string().nullish(), name: z.string().nullish() }))
    .nullish(),
});
const Mailbox = z.looseObject({
  databaseId: z.number(),
  name: z.string().nullish(),
  specialUse: z.array(z.string()).nullish(),
  unread: z.number().nullish(),
});
const Message = z.looseObject({
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
});
const Tag = z.looseObject({
  id: z.number(),
  displayName: z.string(),
  imapLabel: z.string(),
  color: z.string().nullish(),
});
export type MailAccount = z.output<typeof Account>;
export type MailMailbox = z.output<typeof Mailbox>;
export type MailSummary = z.output<typeof MessageSummary>;
export type MailMessage = z.output<typeof Message>;
export type MailTag = z.output<typeof Tag>;

/** The caller's accounts, and those delegated to them, with their aliases. */
export function listAccounts(nc: NextcloudClient): Promise<MailAccount[]> {
  return mailOcs(nc, z.array(Account), '/account/list', 'The mail accounts');
}

export function listMailboxes(nc: NextcloudClient, accountId: number): Promise<MailMailbox[]> {
  return mailOcs(nc, z.array(Mailbox), '/ocs/mailboxes', `Mail account ${accountId}`, {
    query: { accountId },
  });
}

/** A page of a mailbox, newest first; `cursor` is the `dateInt` of the previous page's last message. */
export function listMessages(
  nc: NextcloudClient,
  mailboxId: number,
  page: { limit: number; cursor?: number | undefined; filter?: string | undefined },
): Promise<MailSummary[]> {
  return mailOcs(
    nc,
    z.array(MessageSummary),
    `/ocs/mailboxes/${mailboxId}/messages`,
    `Mailbox ${mailboxId}`,
    {
      // Singleton: every message on its own, not only the newest of each thread.
      query: { limit: page.limit, cursor: page.cursor, filter: page.filter, view: 'singleton' },
    },
  );
}

/** One message with its body; null when Mail cannot read it. */
export function getMessage(nc: NextcloudClient, id: number, maxBytes: number): Promise<MailMessage | null> {
  return mailOcs(nc, Message.nullable(), `/message/${id}`, `Message ${id}`, { maxBytes });
}

/** The RFC 2822 source of a message; null when the mail server has none. */
export function getSource(nc: NextcloudClient, id: number, maxBytes: number): Promise<string | null> {
  return mailOcs(nc, z.string().nullable(), `/message/${id}/raw`, `Message ${id}`, { maxBytes });
}

export interface MailAttachment {
  readonly bytes: Buffer;
  readonly mimeType: string;
  readonly fileName: string | undefined;
  /** Where it was read, to name it as a resource. */
  readonly url: string;
}

/** One attachment's bytes (at most `maxBytes`); null when the message has no such part. */
export async function getAttachment(
  nc: NextcloudClient,
  messageId: number,
  attachmentId: string,
  maxBytes: number,
): Promise<MailAttachment | null> {
  const path = `${MAIL_API}/messages/${messageId}/attachment/${encodeURIComponent(attachmentId)}`;
  const response = await nc.send({
    method: 'GET',
    path,
    what: `Attachment ${attachmentId} of message ${messageId}`,
    accept: [404],
    maxBytes,
    // 403: the message is not (or no longer) the user's; 404 is a missing part.
    explain: (refusal) => notFound(`Message ${messageId}`, refusal),
  });
  if (response.status === 404) return null;
  return {
    bytes: response.body,
    mimeType:
      headerValue(response.headers, 'content-type')?.split(';')[0]?.trim() || 'application/octet-stream',
    fileName: fileNameOf(headerValue(response.headers, 'content-disposition')),
    url: nc.url(path).href,
  };
}

/** The file name from `Content-Disposition` as Nextcloud's DownloadResponse writes it. */
function fileNameOf(disposition: string | undefined): string | undefined {
  const extended = /filename\*=UTF-8''([^;]+)/i.exec(disposition ?? '')?.[1];
  if (extended) {
    try {
      return decodeURIComponent(extended);
    } catch {
      // A malformed escape: fall back to the plain parameter.
    }
  }
  return /filename="((?:[^"\\]|\\.)*)"/i.exec(disposition ?? '')?.[1]?.replace(/\\(.)/g, '$1');
}

/** Sets (true) or clears (false) IMAP flags; `$junk` is a keyword some mail servers ignore. */
export async function setFlags(
  nc: NextcloudClient,
  id: number,
  flags: Record<string, boolean>,
): Promise<void> {
  await mailApi(nc, z.unknown(), 'PUT', `/messages/${id}/flags`, `Message ${id}`, { flags });
}

/** Creates a tag, or answers the user's tag whose name maps to the same IMAP label. */
export async function createTag(nc: NextcloudClient, name: string, color: string): Promise<MailTag> {
  const what = `Tag "${name}"`;
  const tag = await mailApi(nc, Tag, 'POST', '/tags', what, { displayName: name, color });
  if (!tag) throw new UpstreamFailedError(`Nextcloud sent a malformed answer for tag "${name}"`);
  return tag;
}

/** Puts the tag with this IMAP label on a message (`on`), or takes it off. */
export async function tagMessage(
  nc: NextcloudClient,
  id: number,
  imapLabel: string,
  on: boolean,
): Promise<void> {
  const path = `/messages/${id}/tags/${encodeURIComponent(imapLabel)}`;
  await mailApi(nc, z.unknown(), on ? 'PUT' : 'DELETE', path, `Message ${id}`);
}

/** Moves a message, also to another account; it gets a new id there. */
export async function moveMessage(nc: NextcloudClient, id: number, mailboxId: number): Promise<void> {
  await mailApi(nc, z.unknown(), 'POST', `/messages/${id}/move`, `Message ${id}`, {
    destFolderId: mailboxId,
  });
}

/** Moves a message to its account's trash, or deletes it for good when it is there already. */
export async function deleteMessage(nc: NextcloudClient, id: number): Promise<void> {
  await mailApi(nc, z.unknown(), 'DELETE', `/messages/${id}`, `Message ${id}`);
}

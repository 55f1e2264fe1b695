import type { ContentBlock } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { NotFoundError } from '../errors.js';
import * as mail from '../nextcloud/mail.js';
import { decodeText } from '../nextcloud/webdav.js';
import { defineTool } from '../registry.js';
import { addresses, addressShape, isoDate, mailId, str, tagView } from './mail-views.js';

type Json = Record<string, unknown>;

const read = { readOnlyHint: true, destructiveHint: false, idempotentHint: true } as const;
const messageId = mailId('message (from nc_mail_list_messages)');
const attachmentId = z
  .string()
  .regex(/^\d{1,4}(\.\d{1,4}){0,9}$/, 'a MIME part id such as 2 or 1.2')
  .describe('The id of the attachment, from the attachments of nc_mail_get_message');

const flagsShape = {
  seen: z.boolean(),
  flagged: z.boolean(),
  answered: z.boolean(),
  important: z.boolean(),
  has_attachments: z.boolean(),
};
const flagsView = (flags: unknown) => {
  const f = (flags ?? {}) as Json;
  return {
    seen: f.seen === true,
    flagged: f.flagged === true,
    answered: f.answered === true,
    important: f.important === true,
    has_attachments: f.hasAttachments === true,
  };
};

const listAccounts = defineTool({
  name: 'nc_mail_list_accounts',
  title: 'List mail accounts',
  description:
    'The mail accounts set up in Nextcloud Mail for you (and delegated to you), with their alias addresses.',
  input: {},
  output: {
    accounts: z.array(
      z.object({
        id: z.number(),
        email: z.string(),
        is_delegated: z.boolean(),
        aliases: z.array(z.object({ id: z.number(), email: z.string(), name: z.string().nullable() })),
      }),
    ),
    total_count: z.number(),
  },
  hints: read,
  async handler(_args, { nc }) {
    const data = await mail.listAccounts(nc);
    const accounts = data.map((account) => ({
      id: Number(account.id),
      email: str(account.email),
      is_delegated: account.isDelegated === true,
      aliases: (Array.isArray(account.aliases) ? (account.aliases as Json[]) : []).map((alias) => ({
        id: Number(alias.id),
        email: str(alias.email),
        name: typeof alias.name === 'string' ? alias.name : null,
      })),
    }));
    return { structured: { accounts, total_count: accounts.length } };
  },
});

const listMailboxes = defineTool({
  name: 'nc_mail_list_mailboxes',
  title: 'List mailboxes',
  description:
    'The mailboxes (folders) of one mail account with their roles (inbox, sent, trash, ...) and unread counts.',
  input: { account_id: mailId('mail account (from nc_mail_list_accounts)') },
  output: {
    account_id: z.number(),
    mailboxes: z.array(
      z.object({ id: z.number(), name: z.string(), special_use: z.array(z.string()), unread: z.number() }),
    ),
    total_count: z.number(),
  },
  hints: read,
  async handler(args, { nc }) {
    const data = await mail.listMailboxes(nc, args.account_id);
    const mailboxes = data.map((mailbox) => ({
      id: Number(mailbox.databaseId),
      name: str(mailbox.name),
      special_use: Array.isArray(mailbox.specialUse) ? mailbox.specialUse.map(String) : [],
      unread: Number(mailbox.unread ?? 0),
    }));
    return { structured: { account_id: args.account_id, mailboxes, total_count: mailboxes.length } };
  },
});

const summaryShape = z.object({
  id: z.number(),
  subject: z.string(),
  date: z.string().nullable(),
  from: z.array(addressShape),
  to: z.array(addressShape),
  preview: z.string().nullable(),
  flags: z.object({ ...flagsShape, junk: z.boolean() }),
  tags: z.array(z.object({ id: z.number(), name: z.string() })),
});

function summaryView(message: Json) {
  // Mail sends tags keyed by IMAP label, and an empty list (not an object) when there are none.
  const tags = Object.values((message.tags ?? {}) as Record<string, Json>).map(tagView);
  return {
    id: Number(message.databaseId),
    subject: str(message.subject),
    date: isoDate(message.dateInt),
    from: addresses(message.from),
    to: addresses(message.to),
    preview: typeof message.previewText === 'string' ? message.previewText : null,
    flags: { ...flagsView(message.flags), junk: (message.flags as Json | undefined)?.$junk === true },
    tags: tags.map(({ id, name }) => ({ id, name })),
  };
}

const listMessages = defineTool({
  name: 'nc_mail_list_messages',
  title: 'List messages',
  description:
    'Messages of a mailbox, newest first, without bodies. Page with next_cursor until it is null. ' +
    'search_filter takes space-separated terms, all of which must match: is:/not: read, unread, ' +
    'starred, answered or important; from:, to:, cc:, subject:, body: (substring, URL-encode spaces); ' +
    'tags: tag ids, comma-separated; flags:attachments; start:/end: Unix times.',
  input: {
    mailbox_id: mailId('mailbox (from nc_mail_list_mailboxes)'),
    limit: z.number().int().min(1).max(100).default(20).describe('Messages per page'),
    cursor: z
      .number()
      .int()
      .min(0)
      .max(253_402_300_799)
      .optional()
      .describe('next_cursor of the previous page'),
    search_filter: z
      .string()
      .max(500)
      .refine((filter) => !/[\r\n\0]/.test(filter), 'one line')
      .optional()
      .describe('e.g. "is:unread from:alice"'),
  },
  output: {
    mailbox_id: z.number(),
    messages: z.array(summaryShape),
    count: z.number().describe('Messages on this page'),
    next_cursor: z.number().nullable().describe('Pass as cursor for the next page; null on the last one'),
  },
  hints: read,
  async handler(args, { nc }) {
    const data = await mail.listMessages(nc, args.mailbox_id, {
      limit: args.limit,
      cursor: args.cursor,
      filter: args.search_filter,
    });
    const messages = data.map(summaryView);
    // Mail pages by sending time: the next page holds messages sent before the last one here.
    const last = data.at(-1)?.dateInt;
    const next = data.length === args.limit && typeof last === 'number' ? last : null;
    return {
      structured: { mailbox_id: args.mailbox_id, messages, count: messages.length, next_cursor: next },
    };
  },
});

const attachmentShape = z.object({
  id: z.string(),
  file_name: z.string().nullable(),
  mime_type: z.string(),
  size: z.number(),
  inline: z.boolean(),
});

function attachmentsView(message: Json) {
  const list = (value: unknown, inline: boolean) =>
    (Array.isArray(value) ? (value as Json[]) : [])
      // Parts without an id are body parts: there is nothing to download.
      .filter((part) => part.id !== null && part.id !== undefined)
      .map((part) => ({
        id: String(part.id),
        file_name: typeof part.fileName === 'string' ? part.fileName : null,
        mime_type: str(part.mime) || 'application/octet-stream',
        size: Number(part.size ?? 0),
        inline: inline || part.disposition === 'inline',
      }));
  return [...list(message.attachments, false), ...list(message.inlineAttachments, true)];
}

const getMessage = defineTool({
  name: 'nc_mail_get_message',
  title: 'Get a message',
  description:
    'One message with its body (sanitised HTML when is_html, else text), recipients, flags and ' +
    "attachment list. Messages above the server's size limit are refused; read the source then.",
  input: { message_id: messageId },
  output: {
    id: z.number(),
    message_id: z.string().describe('The Message-ID header, for replies (references)'),
    subject: z.string(),
    date: z.string().nullable(),
    from: z.array(addressShape),
    to: z.array(addressShape),
    cc: z.array(addressShape),
    bcc: z.array(addressShape),
    reply_to: z.array(addressShape),
    is_html: z.boolean(),
    body: z.string().nullable().describe('null when the message could not be decrypted'),
    flags: z.object(flagsShape),
    attachments: z.array(attachmentShape),
  },
  hints: read,
  async handler(args, { nc, limits }) {
    const what = `Message ${args.message_id}`;
    const message = await mail.getMessage(nc, args.message_id, limits.readMaxBytes);
    if (!message) throw new NotFoundError(`${what} not found`);
    return {
      structured: {
        id: Number(message.id ?? args.message_id),
        message_id: str(message.messageId),
        subject: str(message.subject),
        date: isoDate(message.dateInt),
        from: addresses(message.from),
        to: addresses(message.to),
        cc: addresses(message.cc),
        bcc: addresses(message.bcc),
        reply_to: addresses(message.replyTo),
        is_html: message.hasHtmlBody === true,
        body: typeof message.body === 'string' ? message.body : null,
        flags: flagsView(message.flags),
        attachments: attachmentsView(message),
      },
    };
  },
});

const getSource = defineTool({
  name: 'nc_mail_get_message_source',
  title: 'Get the raw source of a message',
  description:
    'The complete RFC 2822 source of a message with every header (Received, DKIM, List-Unsubscribe, ...). ' +
    "Sources above the server's size limit are refused.",
  input: { message_id: messageId },
  output: { message_id: z.number(), source: z.string(), size: z.number() },
  hints: read,
  async handler(args, { nc, limits }) {
    const source = await mail.getSource(nc, args.message_id, limits.readMaxBytes);
    if (source === null)
      throw new NotFoundError(`Message ${args.message_id} has no source on the mail server`);
    return {
      structured: { message_id: args.message_id, source, size: Buffer.byteLength(source) },
    };
  },
});

const getAttachment = defineTool({
  name: 'nc_mail_get_attachment',
  title: 'Get a mail attachment',
  description:
    'Download one attachment of a message. Text comes back as text, anything else as a base64 resource ' +
    "with its mime type. Attachments above the server's size limit are refused.",
  input: { message_id: messageId, attachment_id: attachmentId },
  output: {
    message_id: z.number(),
    attachment_id: z.string(),
    file_name: z.string(),
    mime_type: z.string(),
    size: z.number(),
    is_text: z.boolean(),
  },
  hints: read,
  async handler(args, { nc, limits }) {
    const file = await mail.getAttachment(nc, args.message_id, args.attachment_id, limits.readMaxBytes);
    if (!file) {
      throw new NotFoundError(
        `Message ${args.message_id} has no attachment ${args.attachment_id}; nc_mail_get_message lists them`,
      );
    }
    const text = decodeText(file.bytes, file.mimeType);
    const block: ContentBlock =
      text !== null
        ? { type: 'text', text }
        : {
            type: 'resource',
            resource: { uri: file.url, mimeType: file.mimeType, blob: file.bytes.toString('base64') },
          };
    return {
      structured: {
        message_id: args.message_id,
        attachment_id: args.attachment_id,
        file_name: file.fileName ?? `attachment-${args.attachment_id}`,
        mime_type: file.mimeType,
        size: file.bytes.length,
        is_text: text !== null,
      },
      content: [block],
    };
  },
});

export const mailTools = [listAccounts, listMailboxes, listMessages, getMessage, getSource, getAttachment];

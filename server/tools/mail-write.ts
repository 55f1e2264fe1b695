import { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import type { NextcloudClient } from '../nextcloud/client.js';
import * as mail from '../nextcloud/mail.js';
import { defineTool } from '../registry.js';
import { mailId, tagShape, tagView } from './mail-views.js';

const messageId = mailId('message (from nc_mail_list_messages)');
/** Mail keeps display names up to 128 characters; they become IMAP keywords, so one line only. */
const tagName = z
  .string()
  .trim()
  .min(1)
  .max(128)
  .refine((name) => !/\p{Cc}/u.test(name), 'one line without control characters')
  .describe('The display name of the tag, e.g. "Invoices"');

/** Creates the tag, or returns the user's tag whose name maps to the same IMAP label. */
async function ensureTag(nc: NextcloudClient, name: string, color: string) {
  return tagView(await mail.createTag(nc, name, color));
}

/** Nextcloud's own blue, the colour Mail gives new tags in its interface. */
const DEFAULT_COLOR = '#0082c9';

const setFlags = defineTool({
  name: 'nc_mail_set_flags',
  title: 'Set message flags',
  description:
    'Mark a message read or unread, starred, answered, or junk; only the flags given change. ' +
    'junk is a custom IMAP keyword that some mail servers ignore.',
  input: {
    message_id: messageId,
    seen: z.boolean().optional().describe('true: read, false: unread'),
    flagged: z.boolean().optional().describe('Starred'),
    answered: z.boolean().optional(),
    junk: z.boolean().optional(),
  },
  output: {
    message_id: z.number(),
    changed: z.object({
      seen: z.boolean().optional(),
      flagged: z.boolean().optional(),
      answered: z.boolean().optional(),
      junk: z.boolean().optional(),
    }),
  },
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async handler(args, { nc }) {
    const { message_id, ...given } = args;
    const changed = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
    if (Object.keys(changed).length === 0)
      throw new InvalidInputError('Give at least one of seen, flagged, answered or junk');
    const flags = Object.fromEntries(
      Object.entries(changed).map(([name, value]) => [name === 'junk' ? '$junk' : name, value]),
    );
    await mail.setFlags(nc, message_id, flags);
    return { structured: { message_id, changed } };
  },
});

const createTag = defineTool({
  name: 'nc_mail_create_tag',
  title: 'Create a mail tag',
  description:
    'Create a tag, or get the existing one: names that differ only in case or spaces versus underscores ' +
    'are the same tag. Its id is what the tags: filter of nc_mail_list_messages takes.',
  input: {
    display_name: tagName,
    color: z
      .string()
      .regex(/^#[0-9a-fA-F]{6}$/, 'a colour such as #0082c9')
      .default(DEFAULT_COLOR)
      .describe('Used only when the tag is new'),
  },
  output: tagShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async handler(args, { nc }) {
    return { structured: await ensureTag(nc, args.display_name, args.color) };
  },
});

const tagging = (name: 'nc_mail_set_tag' | 'nc_mail_remove_tag') =>
  defineTool({
    name,
    title: name === 'nc_mail_set_tag' ? 'Tag a message' : 'Untag a message',
    description:
      name === 'nc_mail_set_tag'
        ? 'Put a tag on a message, creating the tag first when it does not exist yet.'
        : 'Take a tag off a message; taking off a tag the message does not carry changes nothing.',
    input: { message_id: messageId, tag: tagName },
    output: { message_id: z.number(), tag: z.object(tagShape), tagged: z.boolean() },
    hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
    async handler(args, { nc }) {
      // Mail has no tag listing: creating is also how a name is resolved to its IMAP label.
      const tag = await ensureTag(nc, args.tag, DEFAULT_COLOR);
      await mail.tagMessage(nc, args.message_id, tag.imap_label, name === 'nc_mail_set_tag');
      return { structured: { message_id: args.message_id, tag, tagged: name === 'nc_mail_set_tag' } };
    },
  });

const move = defineTool({
  name: 'nc_mail_move_message',
  title: 'Move a message',
  description:
    'Move a message to another mailbox, also of another account. The message gets a new id there: ' +
    'list the destination mailbox to address it again.',
  input: {
    message_id: messageId,
    destination_mailbox_id: mailId('mailbox to move to (from nc_mail_list_mailboxes)'),
  },
  output: { message_id: z.number(), destination_mailbox_id: z.number(), moved: z.boolean() },
  // Not idempotent: the old id is gone after the first call, so a retry fails.
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(args, { nc }) {
    await mail.moveMessage(nc, args.message_id, args.destination_mailbox_id);
    return {
      structured: {
        message_id: args.message_id,
        destination_mailbox_id: args.destination_mailbox_id,
        moved: true,
      },
    };
  },
});

const remove = defineTool({
  name: 'nc_mail_delete_message',
  title: 'Delete a message',
  description:
    "Move a message to its account's trash mailbox (where it gets a new id), or delete it for good when " +
    'it is in the trash already. Accounts without a trash mailbox refuse.',
  input: { message_id: messageId },
  output: { message_id: z.number(), deleted: z.boolean() },
  hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
  async handler(args, { nc }) {
    await mail.deleteMessage(nc, args.message_id);
    return { structured: { message_id: args.message_id, deleted: true } };
  },
});

export const mailWriteTools = [
  setFlags,
  createTag,
  tagging('nc_mail_set_tag'),
  tagging('nc_mail_remove_tag'),
  move,
  remove,
];

import { z } from 'zod';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { listAccounts } from '../nextcloud/mail.js';
import { sendMessage } from '../nextcloud/mail-send.js';
import { defineTool } from '../registry.js';
import { mailId, str } from './mail-views.js';

/** A line break in a header value would start a header of the caller's choosing (Bcc:, ...). */
const headerSafe = (value: string) => !/[\r\n\0]/.test(value);
const HEADER_SAFE = 'one line: no CR, LF or NUL (they would inject mail headers)';

const recipient = z.strictObject({
  email: z.email().max(254),
  label: z.string().max(200).refine(headerSafe, HEADER_SAFE).optional().describe('Display name'),
});
const recipients = (min: number) => z.array(recipient).min(min).max(50);

const send = defineTool({
  name: 'nc_mail_send_message',
  title: 'Send an email',
  description:
    'Send an email right away from one of your Nextcloud Mail accounts (from its address or one of its ' +
    'aliases); it cannot be recalled. A copy goes to the Sent mailbox.',
  input: {
    account_id: mailId('mail account to send from (from nc_mail_list_accounts)'),
    to: recipients(1),
    cc: recipients(0).optional(),
    bcc: recipients(0).optional(),
    subject: z.string().max(500).refine(headerSafe, HEADER_SAFE),
    body: z.string().max(100_000).describe('Plain text, or HTML when is_html'),
    is_html: z.boolean().default(false),
    from_email: z
      .email()
      .max(254)
      .optional()
      .describe("One of the account's aliases; the account's own address when left out"),
    references: z
      .string()
      .regex(/^<[^<>\s]{1,500}>$/, 'a Message-ID such as <abc@example.org>')
      .optional()
      .describe('The message_id of the message this replies to, for threading'),
  },
  output: {
    status: z.enum(['sent', 'accepted']).describe('accepted: queued or not yet copied to Sent; Mail retries'),
    detail: z.string(),
    account_id: z.number(),
    from_email: z.string(),
    subject: z.string(),
    recipient_count: z.number(),
  },
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(args, { nc }) {
    const accounts = await listAccounts(nc);
    const account = accounts.find((candidate) => Number(candidate.id) === args.account_id);
    if (!account)
      throw new NotFoundError(`Mail account ${args.account_id} not found; nc_mail_list_accounts lists yours`);
    const allowed = [
      str(account.email),
      ...(Array.isArray(account.aliases) ? account.aliases : []).map((alias) => str(alias?.email)),
    ].filter(Boolean);
    const wanted = args.from_email ?? str(account.email);
    const from = allowed.find((address) => address.toLowerCase() === wanted.toLowerCase());
    if (!from) {
      throw new InvalidInputError(
        `${wanted} is not an address of mail account ${args.account_id}; use one of ${allowed.join(', ')}`,
      );
    }
    const sent = await sendMessage(nc, {
      accountId: args.account_id,
      fromEmail: from,
      subject: args.subject,
      body: args.body,
      isHtml: args.is_html,
      to: args.to,
      cc: args.cc ?? [],
      bcc: args.bcc ?? [],
      references: args.references,
    });
    return {
      structured: {
        status: sent.accepted ? ('accepted' as const) : ('sent' as const),
        detail: sent.detail,
        account_id: args.account_id,
        from_email: from,
        subject: args.subject,
        recipient_count: args.to.length + (args.cc?.length ?? 0) + (args.bcc?.length ?? 0),
      },
    };
  },
});

export const mailSendTools = [send];

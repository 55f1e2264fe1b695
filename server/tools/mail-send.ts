import { z } from 'zod';
import { ForbiddenError, InvalidInputError, NotFoundError, UpstreamFailedError } from '../errors.js';
import type { NcResponse } from '../nextcloud/client.js';
import {
  MAIL,
  MAIL_HEADERS,
  MAIL_OCS,
  mailId,
  mailOcs,
  missingMailError,
  ocsEnvelope,
  str,
} from '../nextcloud/mail.js';
import { defineTool } from '../registry.js';

/** A line break in a header value would start a header of the caller's choosing (Bcc:, ...). */
const headerSafe = (value: string) => !/[\r\n\0]/.test(value);
const HEADER_SAFE = 'one line: no CR, LF or NUL (they would inject mail headers)';

const recipient = z.strictObject({
  email: z.email().max(254),
  label: z.string().max(200).refine(headerSafe, HEADER_SAFE).optional().describe('Display name'),
});
const recipients = (min: number) => z.array(recipient).min(min).max(50);

/** Mail's OCS send route answers with these statuses and a sentence in `ocs.data`. */
const ANSWERS = [400, 403, 404, 429, 500];

function refusal(response: NcResponse, accountId: number): Error {
  const envelope = ocsEnvelope(response);
  const detail = typeof envelope?.data === 'string' && envelope.data.length < 300 ? envelope.data : '';
  switch (response.status) {
    case 400:
      return new InvalidInputError(`Nextcloud Mail refused the message${detail ? `: ${detail}` : ''}`);
    case 403:
      return new ForbiddenError(`Nextcloud Mail did not send the message${detail ? `: ${detail}` : ''}`);
    case 404:
      return /^Invalid query/.test(envelope?.message ?? '')
        ? missingMailError()
        : new NotFoundError(detail || `Mail account ${accountId} not found`);
    case 429:
      return new UpstreamFailedError(
        'Nextcloud Mail lets each user send at most 5 messages per 100 seconds; wait, then send again',
      );
    default:
      return new UpstreamFailedError(`Nextcloud Mail failed to send${detail ? `: ${detail}` : ''}`);
  }
}

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
    const accounts = await mailOcs(nc, MAIL.accounts, '/account/list', 'The mail accounts');
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
    const asMail = (list: z.output<typeof recipient>[] = []) =>
      list.map(({ email, label }) => (label ? { label, email } : { email }));
    // One request: Mail stores the message in its outbox and hands it to SMTP. POSTs are never retried.
    const response = await nc.send({
      method: 'POST',
      path: `${MAIL_OCS}/message/send`,
      query: { format: 'json' },
      headers: { ...MAIL_HEADERS, 'content-type': 'application/json' },
      body: JSON.stringify({
        accountId: args.account_id,
        fromEmail: from,
        subject: args.subject,
        body: args.body,
        isHtml: args.is_html,
        to: asMail(args.to),
        cc: asMail(args.cc),
        bcc: asMail(args.bcc),
        ...(args.references ? { references: args.references } : {}),
      }),
      what: 'The message',
      accept: ANSWERS,
    });
    if (response.status >= 300) throw refusal(response, args.account_id);
    const data = ocsEnvelope(response)?.data;
    return {
      structured: {
        status: response.status === 202 ? ('accepted' as const) : ('sent' as const),
        detail: typeof data === 'string' && data ? data : 'The message was sent',
        account_id: args.account_id,
        from_email: from,
        subject: args.subject,
        recipient_count: args.to.length + (args.cc?.length ?? 0) + (args.bcc?.length ?? 0),
      },
    };
  },
});

export const mailSendTools = [send];

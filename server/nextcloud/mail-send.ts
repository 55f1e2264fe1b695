import { z } from 'zod';
import type { Explanation } from '../errors.js';
import type { NcResponse, NextcloudClient } from './client.js';
import { jsonOf, MAIL_OCS, MISSING_MAIL, mailMissing } from './mail.js';

export interface Recipient {
  readonly email: string;
  readonly label?: string | undefined;
}

export interface OutgoingMail {
  readonly accountId: number;
  /** The account's address or one of its aliases. */
  readonly fromEmail: string;
  readonly subject: string;
  readonly body: string;
  readonly isHtml: boolean;
  readonly to: readonly Recipient[];
  readonly cc: readonly Recipient[];
  readonly bcc: readonly Recipient[];
  /** The Message-ID this one replies to. */
  readonly references?: string | undefined;
}

/** Mail's send route says what happened in a sentence in `ocs.data`, on success and refusal alike. */
const Sentence = z.object({ ocs: z.object({ data: z.string().max(299) }) });
const sentenceOf = (response: NcResponse) => Sentence.safeParse(jsonOf(response)).data?.ocs.data ?? '';

/** The send route's refusals, as a person can act on them. */
function refusal(accountId: number) {
  return (response: NcResponse): Explanation | undefined => {
    const detail = sentenceOf(response);
    const because = detail ? `: ${detail}` : '';
    switch (response.status) {
      case 400:
        return { message: `Nextcloud Mail refused the message${because}` };
      case 403:
        return { message: `Nextcloud Mail did not send the message${because}` };
      case 404:
        return {
          message: mailMissing(response) ? MISSING_MAIL : detail || `Mail account ${accountId} not found`,
        };
      case 429:
        return {
          message:
            'Nextcloud Mail lets each user send at most 5 messages per 100 seconds; wait, then send again',
        };
      case 500:
        return { message: `Nextcloud Mail failed to send${because}` };
      default:
        return undefined;
    }
  };
}

/**
 * Sends in one request: Mail stores the message in its outbox and hands it to SMTP (POSTs are never
 * retried). `accepted`: queued, or not yet copied to Sent; Mail retries.
 */
export async function sendMessage(
  nc: NextcloudClient,
  mail: OutgoingMail,
): Promise<{ accepted: boolean; detail: string }> {
  const asMail = (list: readonly Recipient[]) =>
    list.map(({ email, label }) => (label ? { label, email } : { email }));
  const response = await nc.send({
    method: 'POST',
    path: `${MAIL_OCS}/message/send`,
    query: { format: 'json' },
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify({
      accountId: mail.accountId,
      fromEmail: mail.fromEmail,
      subject: mail.subject,
      body: mail.body,
      isHtml: mail.isHtml,
      to: asMail(mail.to),
      cc: asMail(mail.cc),
      bcc: asMail(mail.bcc),
      ...(mail.references ? { references: mail.references } : {}),
    }),
    what: 'The message',
    explain: refusal(mail.accountId),
  });
  // The message is out whatever shape the answer has: calling that a failure would get it sent twice.
  return { accepted: response.status === 202, detail: sentenceOf(response) || 'The message was sent' };
}

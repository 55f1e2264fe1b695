import { type RequestContext, sendOcs } from './nextcloud.js';
import {
  type Address,
  addMail,
  type MailState,
  ownMailbox,
  ownMessage,
  type SentMail,
  type StandinMail,
  type StandinMailbox,
  tagJson,
  tagsOf,
} from './nextcloud-mail-state.js';

/**
 * Nextcloud Mail stand-in (nextcloud/mail 5.x), serving cached state as the app does from its
 * database: the OCS API under /ocs/v2.php/apps/mail (account list, mailboxes, message lists with
 * the filter grammar and the sent-time cursor, full messages, raw source, sending with its
 * statuses and per-user rate limit). The REST routes the OCS API lacks are in
 * nextcloud-mail-api.ts; what was sent lands in `mail.outbox` for tests to inspect.
 */
const OCS = '/ocs/v2.php/apps/mail';

/** What Nextcloud answers for an OCS route it does not know (here: Mail is not enabled). */
export function invalidQuery(ctx: RequestContext): void {
  sendOcs(
    ctx.res,
    404,
    null,
    'Invalid query, please check the syntax. API specifications are here: http://www.freedesktop.org/wiki/Specifications/open-collaboration-services.\n',
  );
}

export async function handleMailOcs(ctx: RequestContext): Promise<void> {
  const { url, res } = ctx;
  if (ctx.standin.ocs.missingApps.has('mail')) return invalidQuery(ctx);
  const state = ctx.standin.mail;
  const path = url.pathname.slice(OCS.length);
  const method = ctx.req.method;
  if (path === '/account/list' && method === 'GET') {
    const accounts = state.accounts.filter((account) => account.user === ctx.user);
    return sendOcs(
      res,
      200,
      accounts.map(({ id, email, aliases }) => ({ id, email, isDelegated: false, aliases })),
    );
  }
  if (path === '/ocs/mailboxes' && method === 'GET') {
    const accountId = Number(url.searchParams.get('accountId'));
    const account = state.accounts.find((a) => a.id === accountId && a.user === ctx.user);
    if (!account) return sendOcs(res, 404, []);
    const boxes = [...state.mailboxes.values()].filter((box) => box.accountId === account.id);
    return sendOcs(
      res,
      200,
      boxes.map((box) => mailboxJson(state, box)),
    );
  }
  let match = /^\/ocs\/mailboxes\/(\d+)\/messages$/.exec(path);
  if (match && method === 'GET') {
    const owner = ownMailbox(state, ctx.user, Number(match[1]));
    if (!owner) return sendOcs(res, 403, []);
    return sendOcs(res, 200, listMessages(ctx, owner.mailbox));
  }
  match = /^\/message\/(\d+)(\/raw)?$/.exec(path);
  if (match && method === 'GET') {
    const found = ownMessage(state, ctx.user, Number(match[1]));
    if (!found) return sendOcs(res, 404, 'Account not found.');
    return sendOcs(res, 200, match[2] ? rawSource(found.message) : fullMessage(ctx, found.message));
  }
  if (path === '/message/send' && method === 'POST') return sendMessage(ctx);
  return invalidQuery(ctx);
}

function mailboxJson(state: MailState, box: StandinMailbox) {
  const unread = [...state.messages.values()].filter(
    (m) => m.mailboxId === box.id && !m.flags.seen && !m.flags.deleted,
  ).length;
  return {
    databaseId: box.id,
    id: Buffer.from(box.name).toString('base64'),
    name: box.name,
    accountId: box.accountId,
    displayName: box.name,
    attributes: [],
    delimiter: '/',
    specialUse: box.specialUse,
    specialRole: box.specialUse[0] ?? 0,
    mailboxes: [],
    syncInBackground: false,
    unread,
    myAcls: null,
    shared: false,
  };
}

const matches = (list: Address[], needle: string) =>
  list.some((a) => `${a.label} ${a.email}`.toLowerCase().includes(needle.toLowerCase()));

/** Mail's filter grammar (FilterStringParser), newest first, `cursor` = sent time of the last seen. */
function listMessages(ctx: RequestContext, box: StandinMailbox) {
  const state = ctx.standin.mail;
  const params = ctx.url.searchParams;
  const flagOf: Record<string, (m: StandinMail) => boolean> = {
    read: (m) => m.flags.seen,
    unread: (m) => !m.flags.seen,
    starred: (m) => m.flags.flagged,
    answered: (m) => m.flags.answered,
    important: (m) => m.flags.important,
    attachments: (m) => m.attachments.length > 0,
  };
  const conditions: ((m: StandinMail) => boolean)[] = [];
  const texts: ((m: StandinMail) => boolean)[] = [];
  let anyOf = false;
  for (const token of (params.get('filter') ?? '').split(' ')) {
    if (!token.includes(':')) continue;
    const [type = '', encoded = ''] = token.split(':');
    const value = decodeURIComponent(encoded);
    const flag = flagOf[value];
    switch (type.toLowerCase()) {
      case 'is':
      case 'not':
        if (flag && value !== 'attachments') conditions.push(type === 'is' ? flag : (m) => !flag(m));
        break;
      case 'flags':
        for (const name of value.split(',')) {
          const f = flagOf[name];
          if (f) conditions.push(f);
        }
        break;
      case 'from':
      case 'to':
      case 'cc':
        texts.push((m) => matches(m[type as 'from' | 'to' | 'cc'], value));
        break;
      case 'subject':
        texts.push((m) => m.subject.toLowerCase().includes(value.toLowerCase()));
        break;
      case 'body':
        texts.push((m) => m.body.toLowerCase().includes(value.toLowerCase()));
        break;
      case 'tags': {
        const labels = value.split(',').map((id) => state.tags.get(Number(id))?.imapLabel);
        conditions.push((m) => labels.some((label) => label !== undefined && m.tags.has(label)));
        break;
      }
      case 'start':
        conditions.push((m) => m.sentAt >= Number(value));
        break;
      case 'end':
        conditions.push((m) => m.sentAt <= Number(value));
        break;
      case 'match':
        anyOf = value === 'anyof';
        break;
    }
  }
  if (texts.length) conditions.push(anyOf ? (m) => texts.some((t) => t(m)) : (m) => texts.every((t) => t(m)));
  const cursor = params.get('cursor');
  if (cursor) conditions.push((m) => m.sentAt < Number(cursor));
  // Deleted (flagged, not yet expunged) messages show only in the trash.
  if (!box.specialUse.includes('trash')) conditions.push((m) => !m.flags.deleted);
  // The app clamps the limit to 1..100, and a missing limit to 1.
  const limit = Math.min(100, Math.max(1, Number(params.get('limit') ?? 1) || 1));
  return [...state.messages.values()]
    .filter((m) => m.mailboxId === box.id && conditions.every((c) => c(m)))
    .sort((a, b) => b.sentAt - a.sentAt)
    .slice(0, limit)
    .map((m) => summaryJson(ctx, m));
}

function flagsJson(m: StandinMail) {
  const { seen, flagged, answered, deleted, draft, important } = m.flags;
  const hasAttachments = m.attachments.length > 0;
  return { seen, flagged, answered, deleted, draft, forwarded: false, hasAttachments, important };
}

function summaryJson(ctx: RequestContext, m: StandinMail) {
  const tags = tagsOf(ctx.standin.mail, ctx.user, m);
  return {
    databaseId: m.id,
    uid: m.uid,
    subject: m.subject,
    dateInt: m.sentAt,
    flags: { ...flagsJson(m), $junk: m.flags.junk, $notjunk: false, $mdnsent: false },
    // PHP's array_combine of no tags encodes as [], not {}.
    tags: tags.length ? Object.fromEntries(tags.map((tag) => [tag.imapLabel, tagJson(tag)])) : [],
    from: m.from,
    to: m.to,
    cc: m.cc,
    bcc: [],
    mailboxId: m.mailboxId,
    messageId: m.messageId,
    inReplyTo: null,
    references: null,
    threadRootId: m.messageId,
    previewText: m.body.slice(0, 100),
    encrypted: false,
    mentionsMe: false,
    attachments: [],
  };
}

function fullMessage(ctx: RequestContext, m: StandinMail) {
  const base = `${ctx.standin.url}${OCS}/message/${m.id}`;
  return {
    uid: m.uid,
    messageId: m.messageId,
    from: m.from,
    to: m.to,
    replyTo: [],
    cc: m.cc,
    bcc: [],
    subject: m.subject,
    dateInt: m.sentAt,
    flags: { ...flagsJson(m), $mdnsent: false },
    hasHtmlBody: m.html,
    body: m.body,
    signature: null,
    attachments: m.attachments.map((a) => ({
      id: a.id,
      messageId: m.uid,
      fileName: a.fileName,
      mime: a.mime,
      size: a.content.length,
      cid: null,
      disposition: 'attachment',
      downloadUrl: `${base}/attachment/${a.id}`,
    })),
    inlineAttachments: [],
    id: m.id,
    isSenderTrusted: false,
    smime: { isSigned: false, signatureIsValid: null, isEncrypted: false },
    rawUrl: `${base}/raw`,
  };
}

const header = (list: Address[]) =>
  list.map((a) => (a.label ? `"${a.label}" <${a.email}>` : a.email)).join(', ');

function rawSource(m: StandinMail): string {
  const headers = [
    `From: ${header(m.from)}`,
    `To: ${header(m.to)}`,
    ...(m.cc.length ? [`Cc: ${header(m.cc)}`] : []),
    `Subject: ${m.subject}`,
    `Date: ${new Date(m.sentAt * 1000).toUTCString()}`,
    `Message-ID: ${m.messageId}`,
    'MIME-Version: 1.0',
  ];
  const type = `text/${m.html ? 'html' : 'plain'}; charset=utf-8`;
  if (!m.attachments.length) return [...headers, `Content-Type: ${type}`, '', m.body].join('\r\n');
  const boundary = `b${m.id}`;
  const parts = m.attachments.map((a) =>
    [
      `--${boundary}`,
      `Content-Type: ${a.mime}`,
      `Content-Disposition: attachment; filename="${a.fileName.replace(/"/g, '\\"')}"`,
      'Content-Transfer-Encoding: base64',
      '',
      (a.content.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n'),
    ].join('\r\n'),
  );
  return [
    ...headers,
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    `Content-Type: ${type}`,
    '',
    m.body,
    ...parts,
    `--${boundary}--`,
  ].join('\r\n');
}

/** MessageApiController::send, in its order of checks; each request counts against the rate limit. */
function sendMessage(ctx: RequestContext): void {
  const state = ctx.standin.mail;
  const now = Date.now();
  const recent = (state.sendTimes.get(ctx.user) ?? []).filter((t) => t > now - 100_000);
  if (recent.length >= 5) return sendOcs(ctx.res, 429, [], 'Reached maximum request limit');
  state.sendTimes.set(ctx.user, [...recent, now]);
  const body = JSON.parse(ctx.body.toString('utf8') || '{}') as Record<string, unknown>;
  const account = state.accounts.find((a) => a.id === Number(body.accountId) && a.user === ctx.user);
  if (!account) return sendOcs(ctx.res, 404, 'Account not found.');
  const fromEmail = String(body.fromEmail ?? '');
  const aliases = state.accounts.filter((a) => a.user === ctx.user).flatMap((a) => a.aliases);
  if (fromEmail !== account.email && !aliases.some((alias) => alias.email === fromEmail)) {
    return sendOcs(ctx.res, 404, `Could not find alias ${fromEmail}. Please check the logs.`);
  }
  const list = (value: unknown) => (Array.isArray(value) ? (value as Address[]) : []);
  const [to, cc, bcc] = [list(body.to), list(body.cc), list(body.bcc)];
  if (!to.length) return sendOcs(ctx.res, 400, 'Recipients cannot be empty.');
  for (const recipient of [...to, ...cc, ...bcc]) {
    if (typeof recipient?.email !== 'string')
      return sendOcs(ctx.res, 400, 'Recipient address must contain an email address.');
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(recipient.email))
      return sendOcs(ctx.res, 400, `Email address ${recipient.email} not valid.`);
  }
  if (account.sentMailboxId === null) {
    return sendOcs(ctx.res, 403, 'Configuration error: Cannot send message without sent mailbox.');
  }
  const sent: SentMail = {
    user: ctx.user,
    accountId: account.id,
    fromEmail,
    to,
    cc,
    bcc,
    subject: String(body.subject ?? ''),
    body: String(body.body ?? ''),
    isHtml: body.isHtml === true,
    references: typeof body.references === 'string' ? body.references : null,
  };
  state.outbox.push(sent);
  addMail(state, {
    mailboxId: account.sentMailboxId,
    subject: sent.subject,
    from: [{ label: '', email: fromEmail }],
    to,
    cc,
    body: sent.body,
    html: sent.isHtml,
    flags: { seen: true },
  });
  sendOcs(ctx.res, 200, '');
}

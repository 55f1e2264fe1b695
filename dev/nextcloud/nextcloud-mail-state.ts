/**
 * State of the Nextcloud Mail stand-in (see nextcloud-mail.ts): accounts, mailboxes, cached
 * messages with flags, tags and attachments, the user's tags, and an outbox of what was sent.
 */
export interface Address {
  label: string;
  email: string;
}

export interface StandinMailAccount {
  id: number;
  user: string;
  email: string;
  aliases: { id: number; email: string; name: string | null }[];
  sentMailboxId: number | null;
  trashMailboxId: number | null;
}

export interface StandinMailbox {
  id: number;
  accountId: number;
  name: string;
  specialUse: string[];
}

export interface StandinAttachment {
  id: string;
  fileName: string;
  mime: string;
  content: Buffer;
}

export interface StandinMail {
  id: number;
  mailboxId: number;
  uid: number;
  messageId: string;
  subject: string;
  sentAt: number;
  from: Address[];
  to: Address[];
  cc: Address[];
  body: string;
  html: boolean;
  flags: Record<'seen' | 'flagged' | 'answered' | 'deleted' | 'draft' | 'important' | 'junk', boolean>;
  /** IMAP labels of the user's tags on this message. */
  tags: Set<string>;
  attachments: StandinAttachment[];
}

export interface StandinTag {
  id: number;
  user: string;
  displayName: string;
  imapLabel: string;
  color: string;
}

/** One message as the send route received it. */
export interface SentMail {
  user: string;
  accountId: number;
  fromEmail: string;
  to: Address[];
  cc: Address[];
  bcc: Address[];
  subject: string;
  body: string;
  isHtml: boolean;
  references: string | null;
}

export interface MailState {
  accounts: StandinMailAccount[];
  mailboxes: Map<number, StandinMailbox>;
  messages: Map<number, StandinMail>;
  tags: Map<number, StandinTag>;
  outbox: SentMail[];
  /** Send requests per user (ms), for Mail's limit of 5 per 100 seconds. */
  sendTimes: Map<string, number[]>;
  nextMessageId: number;
  nextTagId: number;
}

/** 2026-01-01T00:00:00Z: seeded messages are one hour apart from here. */
const EPOCH = 1_767_225_600;

const addr = (email: string, label = ''): Address => ({ label, email });

/**
 * The first user has a full account (INBOX with 12 messages, the newest with a text, an image and a
 * large binary attachment; Sent, Trash, Archive) and an old account with only an INBOX (no Sent,
 * no Trash); the second user has one account with one message (id 13), which the first must not reach.
 */
export function seededMail(users: string[]): MailState {
  const [alice = 'alice', bob = 'bob'] = users;
  const state: MailState = {
    accounts: [
      { id: 1, user: alice, email: `${alice}@example.org`, aliases: [], sentMailboxId: 2, trashMailboxId: 3 },
      {
        id: 2,
        user: alice,
        email: `${alice}@old.example`,
        aliases: [],
        sentMailboxId: null,
        trashMailboxId: null,
      },
      {
        id: 3,
        user: bob,
        email: `${bob}@example.org`,
        aliases: [],
        sentMailboxId: null,
        trashMailboxId: null,
      },
    ],
    mailboxes: new Map(),
    messages: new Map(),
    tags: new Map(),
    outbox: [],
    sendTimes: new Map(),
    nextMessageId: 1,
    nextTagId: 1,
  };
  state.accounts[0]?.aliases.push({ id: 1, email: `${alice}.sales@example.org`, name: 'Sales' });
  for (const [id, accountId, name, specialUse] of [
    [1, 1, 'INBOX', ['inbox']],
    [2, 1, 'Sent', ['sent']],
    [3, 1, 'Trash', ['trash']],
    [4, 1, 'Archive', []],
    [5, 2, 'INBOX', ['inbox']],
    [6, 3, 'INBOX', ['inbox']],
  ] as const) {
    state.mailboxes.set(id, { id, accountId, name, specialUse: [...specialUse] });
  }
  // Mail gives every user these tags.
  for (const [label, displayName, color] of [
    ['$label1', 'Important', '#FF7A66'],
    ['$label2', 'Work', '#31CC7C'],
    ['$label3', 'Personal', '#A85BF7'],
    ['$label4', 'To Do', '#317CCC'],
    ['$label5', 'Later', '#B4A443'],
  ]) {
    for (const user of [alice, bob]) {
      const id = state.nextTagId++;
      state.tags.set(id, {
        id,
        user,
        displayName: displayName ?? '',
        imapLabel: label ?? '',
        color: color ?? '',
      });
    }
  }
  const senders = [addr('carol@example.com', 'Carol'), addr('dave@example.net', 'Dave')];
  for (let i = 1; i <= 11; i++) {
    addMail(state, {
      mailboxId: 1,
      subject: `Note ${i}`,
      sentAt: EPOCH + i * 3600,
      from: [senders[i % 2] ?? addr('x@example.com')],
      to: [addr(`${alice}@example.org`, alice)],
      body: `Body of note ${i}.`,
      flags: { seen: i <= 6, flagged: i === 3 },
    });
  }
  addMail(state, {
    mailboxId: 1,
    subject: 'Quarterly report',
    sentAt: EPOCH + 12 * 3600,
    from: [addr('carol@example.com', 'Carol')],
    to: [addr(`${alice}@example.org`, alice)],
    cc: [addr('dave@example.net', 'Dave')],
    body: 'Figures attached.',
    attachments: [
      { id: '2', fileName: 'figures "Q1".txt', mime: 'text/plain', content: Buffer.from('Revenue: up 5%\n') },
      {
        id: '3',
        fileName: 'logo.png',
        mime: 'image/png',
        content: Buffer.from('89504e470d0a1a0a0000', 'hex'),
      },
      {
        id: '4',
        fileName: 'archive.bin',
        mime: 'application/octet-stream',
        content: Buffer.alloc(1536 * 1024, 0xff),
      },
    ],
  });
  addMail(state, {
    mailboxId: 6,
    subject: `For ${bob} only`,
    sentAt: EPOCH,
    from: [addr('carol@example.com')],
    to: [addr(`${bob}@example.org`)],
    body: 'Private.',
  });
  addMail(state, {
    mailboxId: 5,
    subject: 'Old newsletter',
    sentAt: EPOCH,
    from: [addr('news@old.example')],
    to: [addr(`${alice}@old.example`)],
    body: 'Issue 1.',
  });
  return state;
}

export function addMail(
  state: MailState,
  mail: Partial<Omit<StandinMail, 'flags'>> & { mailboxId: number; flags?: Partial<StandinMail['flags']> },
): StandinMail {
  const id = state.nextMessageId++;
  const stored: StandinMail = {
    uid: id,
    messageId: `<m${id}.${Date.now()}@example.org>`,
    subject: '',
    sentAt: Math.floor(Date.now() / 1000),
    from: [],
    to: [],
    cc: [],
    body: '',
    html: false,
    tags: new Set(),
    attachments: [],
    ...mail,
    id,
    flags: {
      seen: false,
      flagged: false,
      answered: false,
      deleted: false,
      draft: false,
      important: false,
      junk: false,
      ...mail.flags,
    },
  };
  state.messages.set(id, stored);
  return stored;
}

/** The mailbox's account when it belongs to `user`. */
export function ownMailbox(state: MailState, user: string, id: number) {
  const mailbox = state.mailboxes.get(id);
  const account = state.accounts.find((candidate) => candidate.id === mailbox?.accountId);
  return mailbox && account?.user === user ? { mailbox, account } : undefined;
}

export function ownMessage(state: MailState, user: string, id: number) {
  const message = state.messages.get(id);
  const owner = message && ownMailbox(state, user, message.mailboxId);
  return message && owner ? { message, ...owner } : undefined;
}

export function tagsOf(state: MailState, user: string, message: StandinMail) {
  return [...state.tags.values()].filter((tag) => tag.user === user && message.tags.has(tag.imapLabel));
}

export const tagJson = (tag: StandinTag) => ({
  id: tag.id,
  userId: tag.user,
  displayName: tag.displayName,
  imapLabel: tag.imapLabel,
  color: tag.color,
  isDefaultTag: false,
});

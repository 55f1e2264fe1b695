import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../contract/index.js';
import { undoTool, useCleanup } from '../cleanup.js';
import { call, connectClient, textOf, unique, useServer } from '../harness.js';
import { hasApp } from '../nextcloud-apps.js';

interface Summary {
  id: number;
  subject: string;
  date: string;
  flags: { seen: boolean; has_attachments: boolean; junk: boolean };
  tags: { id: number; name: string }[];
}

/**
 * Mail tools against the Mail stand-in. With a real Nextcloud that has Mail, the user's
 * first mail account needs an INBOX with at least six messages, one with a text attachment, a Trash
 * mailbox and one more mailbox; a run moves one message out of the INBOX, trashes one, and sends
 * two messages to the account's own address, then moves both back and deletes what it sent (but
 * keeps its "Needs Reply" tag: no tool deletes a tag, and creating it again finds it).
 */
describe.skipIf(!hasApp('mail'))('mail tools', () => {
  const env = useServer();
  const cleanup = useCleanup();
  const standin = () => env.target.standin;
  const plainSubject = unique('MCP test: plain');
  const replySubject = unique('Re: MCP test');
  /** Moves the newest message of that subject from one mailbox to another, if there is one. */
  const moveBack = async (subject: string | undefined, from: number, to: number) => {
    const [message] = (await list(from)).filter((m) => m.subject === subject);
    if (message)
      await undoTool(env.client, 'nc_mail_move_message', {
        message_id: message.id,
        destination_mailbox_id: to,
      });
  };
  let account: { id: number; email: string; aliases: { email: string }[] };
  let boxes: { id: number; name: string; special_use: string[] }[];
  const role = (use: string) => boxes.find((box) => box.special_use.includes(use))?.id ?? 0;
  const list = async (mailbox: number, extra: Record<string, unknown> = {}) => {
    const result = await call(env.client, 'nc_mail_list_messages', {
      mailbox_id: mailbox,
      limit: 100,
      ...extra,
    });
    expect(result.isError, result.text).toBeFalsy();
    return result.data.messages as Summary[];
  };

  beforeAll(async () => {
    const accounts = await call(env.client, 'nc_mail_list_accounts');
    account = accounts.data.accounts[0];
    boxes = (await call(env.client, 'nc_mail_list_mailboxes', { account_id: account.id })).data.mailboxes;
  });

  it('lists accounts with their aliases and mailboxes with their roles', async () => {
    expect(account.email).toMatch(/@/);
    expect(role('inbox')).toBeGreaterThan(0);
    expect(role('trash')).toBeGreaterThan(0);
    if (standin()) {
      const accounts = (await call(env.client, 'nc_mail_list_accounts')).data;
      expect(accounts.total_count).toBe(2);
      expect(account.aliases.map((alias) => alias.email)).toEqual(['alice.sales@example.org']);
      expect(boxes.map((box) => box.name)).toEqual(['INBOX', 'Sent', 'Trash', 'Archive']);
      expect(boxes[0]).toMatchObject({ unread: 6 });
    }
  });

  it('pages through a mailbox newest first, and filters', async () => {
    const seen: Summary[] = [];
    let cursor: number | undefined;
    const sizes: number[] = [];
    do {
      const page = await call(env.client, 'nc_mail_list_messages', {
        mailbox_id: role('inbox'),
        limit: 5,
        cursor,
      });
      expect(page.isError, page.text).toBeFalsy();
      sizes.push(page.data.count);
      seen.push(...page.data.messages);
      cursor = page.data.next_cursor ?? undefined;
    } while (cursor !== undefined && sizes.length < 50);
    expect(new Set(seen.map((m) => m.id)).size).toBe(seen.length);
    const dates = seen.map((m) => m.date);
    expect(dates).toEqual([...dates].sort().reverse());
    if (standin()) {
      expect(sizes).toEqual([5, 5, 2]);
      expect(seen[0]).toMatchObject({ subject: 'Quarterly report', flags: { has_attachments: true } });
    }
    const unread = await list(role('inbox'), { search_filter: 'is:unread' });
    expect(unread.every((m) => !m.flags.seen)).toBe(true);
    const withFiles = await list(role('inbox'), { search_filter: 'flags:attachments' });
    expect(withFiles.length).toBeGreaterThan(0);
    expect(withFiles.every((m) => m.flags.has_attachments)).toBe(true);
    if (standin()) {
      expect(unread).toHaveLength(6);
      expect((await list(role('inbox'), { search_filter: 'subject:quarterly from:carol' })).length).toBe(1);
    }
    const bad = await call(env.client, 'nc_mail_list_messages', { mailbox_id: 1, search_filter: 'a\r\nb' });
    expect(bad.text).toContain('Input validation error');
  });

  it('reads a message, its source and its attachments (text as text, else a base64 resource)', async () => {
    const [withFiles] = await list(role('inbox'), { search_filter: 'flags:attachments' });
    const message = await call(env.client, 'nc_mail_get_message', { message_id: withFiles?.id });
    expect(message.isError, message.text).toBeFalsy();
    expect(message.data.message_id).toMatch(/^<.+>$/);
    const attachments = message.data.attachments as { id: string; mime_type: string; file_name: string }[];
    const text = attachments.find((a) => a.mime_type === 'text/plain');
    expect(text).toBeDefined();
    const file = await call(env.client, 'nc_mail_get_attachment', {
      message_id: withFiles?.id,
      attachment_id: text?.id,
    });
    expect(file.isError, file.text).toBeFalsy();
    expect(file.data).toMatchObject({ is_text: true, mime_type: 'text/plain', file_name: text?.file_name });
    expect(file.content[0]?.type).toBe('text');
    const [small] = await list(role('inbox'), { search_filter: 'is:read' });
    const source = await call(env.client, 'nc_mail_get_message_source', { message_id: small?.id });
    expect(source.isError, source.text).toBeFalsy();
    expect(source.data.source).toMatch(/^Message-ID: <.+>$/im);
    if (!standin()) return;
    expect(
      (await call(env.client, 'nc_mail_get_message_source', { message_id: withFiles?.id })).text,
    ).toMatch(/^Message 12 is .* the limit of 1\.0 MiB$/);
    expect(message.data).toMatchObject({
      subject: 'Quarterly report',
      body: 'Figures attached.',
      is_html: false,
      cc: [{ label: 'Dave', email: 'dave@example.net' }],
    });
    expect(attachments.map((a) => a.file_name)).toEqual(['figures "Q1".txt', 'logo.png', 'archive.bin']);
    expect(textOf(file as CallToolResult)).toBe('Revenue: up 5%\n');
    const image = await call(env.client, 'nc_mail_get_attachment', {
      message_id: withFiles?.id,
      attachment_id: '3',
    });
    expect(image.content[0]).toMatchObject({
      type: 'resource',
      resource: {
        mimeType: 'image/png',
        blob: Buffer.from('89504e470d0a1a0a0000', 'hex').toString('base64'),
      },
    });
    const large = await call(env.client, 'nc_mail_get_attachment', {
      message_id: withFiles?.id,
      attachment_id: '4',
    });
    expect(large.text).toContain('above the limit of 1.0 MiB');
    const missing = await call(env.client, 'nc_mail_get_attachment', {
      message_id: withFiles?.id,
      attachment_id: '9',
    });
    expect(missing.text).toContain('has no attachment 9');
  });

  it("says what is not found, also for another user's account, mailbox and message", async () => {
    expect((await call(env.client, 'nc_mail_get_message', { message_id: 2_000_000_000 })).text).toBe(
      'Message 2000000000 not found',
    );
    expect(
      (await call(env.client, 'nc_mail_set_flags', { message_id: 2_000_000_000, seen: true })).text,
    ).toBe('Message 2000000000 not found');
    if (!standin()) return;
    expect((await call(env.client, 'nc_mail_list_mailboxes', { account_id: 3 })).text).toBe(
      'Mail account 3 not found',
    );
    expect((await call(env.client, 'nc_mail_list_messages', { mailbox_id: 6 })).text).toBe(
      'Mailbox 6 not found',
    );
    expect((await call(env.client, 'nc_mail_get_message_source', { message_id: 13 })).text).toBe(
      'Message 13 not found',
    );
  });

  it('sets and clears flags, and refuses a call without any', async () => {
    const [message] = await list(role('inbox'), { search_filter: 'is:read' });
    const id = message?.id;
    const unread = await call(env.client, 'nc_mail_set_flags', {
      message_id: id,
      seen: false,
      flagged: true,
    });
    expect(unread.data).toEqual({ message_id: id, changed: { seen: false, flagged: true } });
    expect((await call(env.client, 'nc_mail_get_message', { message_id: id })).data.flags).toMatchObject({
      seen: false,
      flagged: true,
    });
    await call(env.client, 'nc_mail_set_flags', { message_id: id, seen: true, flagged: false });
    expect((await call(env.client, 'nc_mail_get_message', { message_id: id })).data.flags).toMatchObject({
      seen: true,
      flagged: false,
    });
    expect((await call(env.client, 'nc_mail_set_flags', { message_id: id })).text).toContain('at least one');
  });

  it('creates a tag once, and tags and untags a message', async () => {
    const created = await call(env.client, 'nc_mail_create_tag', { display_name: 'Needs Reply' });
    expect(created.isError, created.text).toBeFalsy();
    expect(created.data.imap_label).toBe('$needs_reply');
    const again = await call(env.client, 'nc_mail_create_tag', {
      display_name: 'needs_reply',
      color: '#123456',
    });
    expect(again.data).toEqual(created.data);
    const [message] = await list(role('inbox'));
    const tagged = await call(env.client, 'nc_mail_set_tag', { message_id: message?.id, tag: 'Needs Reply' });
    expect(tagged.data).toMatchObject({
      message_id: message?.id,
      tagged: true,
      tag: { id: created.data.id },
    });
    const filter = `tags:${created.data.id}`;
    expect((await list(role('inbox'), { search_filter: filter })).map((m) => m.id)).toEqual([message?.id]);
    expect((await list(role('inbox'), { search_filter: filter }))[0]?.tags).toContainEqual({
      id: created.data.id,
      name: 'Needs Reply',
    });
    await call(env.client, 'nc_mail_remove_tag', { message_id: message?.id, tag: 'Needs Reply' });
    expect(await list(role('inbox'), { search_filter: filter })).toEqual([]);
  });

  it('moves a message (it gets a new id) and trashes one, then deletes it for good', async () => {
    const other = boxes.find((box) => box.special_use.length === 0)?.id ?? role('sent');
    const inbox = await list(role('inbox'));
    const [first, second] = inbox.slice(-2);
    // Back where they were: the moved one, and the trashed one unless it was deleted for good.
    cleanup.add(`"${first?.subject}" back to the INBOX`, () =>
      moveBack(first?.subject, other, role('inbox')),
    );
    cleanup.add(`"${second?.subject}" back to the INBOX`, () =>
      moveBack(second?.subject, role('trash'), role('inbox')),
    );
    const moved = await call(env.client, 'nc_mail_move_message', {
      message_id: first?.id,
      destination_mailbox_id: other,
    });
    expect(moved.data).toEqual({ message_id: first?.id, destination_mailbox_id: other, moved: true });
    expect((await call(env.client, 'nc_mail_get_message', { message_id: first?.id })).text).toContain(
      'not found',
    );
    const deleted = await call(env.client, 'nc_mail_delete_message', { message_id: second?.id });
    expect(deleted.data).toEqual({ message_id: second?.id, deleted: true });
    expect((await list(role('inbox'))).map((m) => m.id)).not.toContain(second?.id);
    const nowhere = await call(env.client, 'nc_mail_move_message', {
      message_id: inbox[0]?.id,
      destination_mailbox_id: 2_000_000_000,
    });
    expect(nowhere.isError).toBe(true);
    if (!standin()) return;
    expect(nowhere.text).toContain('Mailbox 2000000000 does not exist');
    expect((await list(other)).map((m) => m.subject)).toEqual([first?.subject]);
    const [trashed] = await list(role('trash'));
    expect(trashed?.subject).toBe(second?.subject);
    await call(env.client, 'nc_mail_delete_message', { message_id: trashed?.id });
    expect(await list(role('trash'))).toEqual([]);
    const [old] = await list(5);
    expect((await call(env.client, 'nc_mail_delete_message', { message_id: old?.id })).text).toBe(
      `Nextcloud Mail refused Message ${old?.id}: No trash mailbox configured`,
    );
  });

  it('sends from the account or an alias, with cc, bcc, HTML and a reply reference', async () => {
    // Deleted from Sent and, if they arrived already, from the INBOX; then for good from the Trash.
    cleanup.add('the messages sent', async () => {
      const sent = (m: Summary) => [plainSubject, replySubject].includes(m.subject);
      for (const box of [role('sent'), role('inbox'), role('trash')])
        for (const message of (await list(box)).filter(sent))
          await undoTool(env.client, 'nc_mail_delete_message', { message_id: message.id });
      for (const message of (await list(role('trash'))).filter(sent))
        await undoTool(env.client, 'nc_mail_delete_message', { message_id: message.id });
    });
    const to = [{ email: account.email, label: 'Me' }];
    const plain = await call(env.client, 'nc_mail_send_message', {
      account_id: account.id,
      to,
      cc: [{ email: account.email }],
      subject: plainSubject,
      body: 'Hello from the test.',
    });
    expect(plain.isError, plain.text).toBeFalsy();
    expect(plain.data).toMatchObject({ status: 'sent', from_email: account.email, recipient_count: 2 });
    const [first] = await list(role('inbox'));
    const references = (await call(env.client, 'nc_mail_get_message', { message_id: first?.id })).data
      .message_id;
    const from = account.aliases[0]?.email ?? account.email;
    const html = await call(env.client, 'nc_mail_send_message', {
      account_id: account.id,
      from_email: from.toUpperCase(),
      to,
      bcc: [{ email: account.email, label: 'Hidden' }],
      subject: replySubject,
      body: '<p>Hello</p>',
      is_html: true,
      references,
    });
    expect(html.isError, html.text).toBeFalsy();
    expect(html.data.from_email).toBe(from);
    if (!standin()) return;
    expect(standin()?.mail.outbox).toEqual([
      expect.objectContaining({
        accountId: 1,
        fromEmail: 'alice@example.org',
        to: [{ label: 'Me', email: 'alice@example.org' }],
        cc: [{ email: 'alice@example.org' }],
        bcc: [],
        subject: plainSubject,
        body: 'Hello from the test.',
        isHtml: false,
        references: null,
      }),
      expect.objectContaining({ fromEmail: 'alice.sales@example.org', isHtml: true, references }),
    ]);
    expect((await list(role('sent'))).map((m) => m.subject).sort()).toEqual(
      [plainSubject, replySubject].sort(),
    );
  });

  it('refuses header injection, too many recipients and foreign senders before anything is sent', async () => {
    const log = standin()?.log.length;
    const base = { account_id: account.id, to: [{ email: account.email }], subject: 'x', body: 'x' };
    for (const bad of [
      { subject: 'Hi\r\nBcc: victim@example.com' },
      { subject: 'Hi\nX-Evil: 1' },
      { to: [{ email: 'a@example.com\r\nBcc: victim@example.com' }] },
      { to: [{ email: account.email, label: 'Me\r\nBcc: victim@example.com' }] },
      { cc: Array.from({ length: 51 }, (_, i) => ({ email: `r${i}@example.com` })) },
      { body: 'x'.repeat(100_001) },
      { references: '<a@b>\r\nBcc: victim@example.com' },
    ]) {
      const refused = await call(env.client, 'nc_mail_send_message', { ...base, ...bad });
      expect(refused.text, JSON.stringify(bad).slice(0, 60)).toContain('Input validation error');
    }
    const stranger = await call(env.client, 'nc_mail_send_message', {
      ...base,
      from_email: 'boss@example.com',
    });
    expect(stranger.text).toContain(
      `boss@example.com is not an address of mail account ${account.id}; use one of`,
    );
    if (!standin()) return;
    expect(
      standin()
        ?.log.slice(log)
        .filter((line) => line.includes('/message/send')),
    ).toEqual([]);
    expect(standin()?.mail.outbox).toHaveLength(2);
  });

  it.runIf(!process.env.TEST_NEXTCLOUD_URL)("passes on Mail's own refusals and its rate limit", async () => {
    const noSent = await call(env.client, 'nc_mail_send_message', {
      account_id: 2,
      to: [{ email: 'bob@example.org' }],
      subject: 'x',
      body: 'x',
    });
    expect(noSent.text).toBe(
      'Nextcloud Mail did not send the message: Configuration error: Cannot send message without sent mailbox.',
    );
    standin()?.fail({ match: /\/message\/send$/, status: 429 });
    const limited = await call(env.client, 'nc_mail_send_message', {
      account_id: account.id,
      to: [{ email: 'bob@example.org' }],
      subject: 'x',
      body: 'x',
    });
    expect(limited.text).toContain('at most 5 messages per 100 seconds');
    expect(standin()?.mail.outbox).toHaveLength(2);
  });

  it('shows nc_mail_send_message only to a token with mail:send, and refuses it to others', async () => {
    const mailTools = CATALOGUE.filter((entry) => entry.app === 'mail').map((entry) => entry.name);
    const reader = await connectClient(env.server.url, env.target, ['mail:read', 'mail:write']);
    const names = (await reader.listTools()).tools.map((tool) => tool.name);
    expect(names.sort()).toEqual(mailTools.filter((name) => name !== 'nc_mail_send_message').sort());
    const log = standin()?.log.length;
    const refused = await call(reader, 'nc_mail_send_message', {
      account_id: account.id,
      to: [{ email: account.email }],
      subject: 'sneaky',
      body: 'x',
    });
    expect(refused.text).toBe('nc_mail_send_message needs the mail:send scope, which this token lacks');
    if (standin()) expect(standin()?.log.length).toBe(log);
    await reader.close();
    const sender = await connectClient(env.server.url, env.target, ['mail:send']);
    expect((await sender.listTools()).tools.map((tool) => tool.name)).toEqual(['nc_mail_send_message']);
    await sender.close();
  });

  it.runIf(!process.env.TEST_NEXTCLOUD_URL)(
    'says so when Mail is gone after the app list was read (cached for 5 min)',
    async () => {
      standin()?.ocs.missingApps.add('mail');
      try {
        const names = (await env.client.listTools()).tools.map((tool) => tool.name);
        expect(names).toContain('nc_mail_list_accounts');
        expect((await call(env.client, 'nc_mail_list_accounts')).text).toContain(
          'The Mail app (5.2 or newer) is not enabled on this Nextcloud for you',
        );
      } finally {
        standin()?.ocs.missingApps.delete('mail');
      }
    },
  );
});

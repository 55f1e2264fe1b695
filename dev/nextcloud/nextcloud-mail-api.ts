import { passesCsrfCheck, type RequestContext, sendJson } from './nextcloud.js';
import {
  addMail,
  type MailState,
  ownMailbox,
  ownMessage,
  type StandinMail,
  tagJson,
} from './nextcloud-mail-state.js';

/**
 * Mail's REST routes under /index.php/apps/mail/api (MessagesController, TagsController) as they
 * answer: 403 and `[]` for a message id that is not the user's, 400 and
 * `{status: "fail", data: {message}}` for the app's own refusals (ClientException under TrapError),
 * and 412 from Nextcloud's CSRF check, which `OCS-APIRequest: true` passes (for a bearer token only
 * from Nextcloud 31 on; attachment downloads are exempt).
 */
const API = '/index.php/apps/mail/api';

const fail = (ctx: RequestContext, message: string, status = 400) =>
  sendJson(ctx.res, status, {
    status: 'fail',
    data: { message, type: 'OCA\\Mail\\Exception\\ClientException' },
  });

function parseBody(ctx: RequestContext): Record<string, unknown> {
  const text = ctx.body.toString('utf8');
  if (!text) return {};
  if (String(ctx.req.headers['content-type']).includes('json')) return JSON.parse(text);
  return Object.fromEntries(new URLSearchParams(text));
}

/** Mail's IMAP keyword for a tag name (ImapFlag::create): modified UTF-7, lower case, 63 bytes. */
export function imapLabel(name: string): string {
  const utf7 = name
    .replace(/ /g, '_')
    .replace(/&/g, '&-')
    .replace(/[^\x20-\x7e]+/g, (run) => {
      const units = Buffer.alloc(run.length * 2);
      for (let i = 0; i < run.length; i++) units.writeUInt16BE(run.charCodeAt(i), i * 2);
      return `&${units.toString('base64').replace(/=+$/, '').replace(/\//g, ',')}-`;
    });
  return `$${utf7.slice(0, 63).toLowerCase()}`;
}

/** A message moved elsewhere is cached again there under a new id; tags follow its Message-ID. */
function relocate(state: MailState, message: StandinMail, mailboxId: number): void {
  state.messages.delete(message.id);
  const { id: _old, uid: _uid, ...rest } = message;
  addMail(state, { ...rest, mailboxId });
}

export async function handleMailApi(ctx: RequestContext): Promise<void> {
  const { req, res, url } = ctx;
  const state = ctx.standin.mail;
  // Without the app, Nextcloud has no such page.
  if (ctx.standin.ocs.missingApps.has('mail') || !url.pathname.startsWith(`${API}/`)) {
    return void res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Page not found</h1>');
  }
  const path = url.pathname.slice(API.length);
  const attachment = /^\/messages\/(\d+)\/attachment\/([^/]+)$/.exec(path);
  if (attachment && req.method === 'GET') {
    const found = ownMessage(state, ctx.user, Number(attachment[1]));
    if (!found) return sendJson(res, 403, []);
    const part = found.message.attachments.find((a) => a.id === decodeURIComponent(attachment[2] ?? ''));
    if (!part) return sendJson(res, 404, { status: 'fail', data: [] });
    const escaped = part.fileName.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
    res
      .writeHead(200, {
        'content-type': part.mime,
        'content-disposition': `attachment; filename="${escaped}"`,
        'content-length': String(part.content.length),
      })
      .end(part.content);
    return;
  }
  if (!passesCsrfCheck(ctx)) return sendJson(res, 412, { message: 'CSRF check failed' });
  const body = parseBody(ctx);
  if (path === '/tags' && req.method === 'POST') return createTag(ctx, body);
  const match = /^\/messages\/(\d+)(\/flags|\/move|\/tags\/([^/]+))?$/.exec(path);
  if (!match) return sendJson(res, 404, { message: 'not found' });
  const found = ownMessage(state, ctx.user, Number(match[1]));
  if (!found) return sendJson(res, 403, []);
  const { message, account, mailbox } = found;
  if (match[2] === '/flags' && req.method === 'PUT') {
    const names: Record<string, keyof StandinMail['flags']> = {
      seen: 'seen',
      flagged: 'flagged',
      answered: 'answered',
      deleted: 'deleted',
      draft: 'draft',
      $junk: 'junk',
    };
    for (const [name, value] of Object.entries((body.flags ?? {}) as Record<string, unknown>)) {
      const flag = names[name];
      if (flag) message.flags[flag] = value === true || value === 'true' || value === '1';
    }
    return sendJson(res, 200, []);
  }
  if (match[3] && (req.method === 'PUT' || req.method === 'DELETE')) {
    const label = decodeURIComponent(match[3]);
    const tag = [...state.tags.values()].find((t) => t.user === ctx.user && t.imapLabel === label);
    if (!tag) return sendJson(res, 403, []);
    if (req.method === 'PUT') message.tags.add(label);
    else message.tags.delete(label);
    return sendJson(res, 200, tagJson(tag));
  }
  if (match[2] === '/move' && req.method === 'POST') {
    const destination = Number(body.destFolderId);
    if (!ownMailbox(state, ctx.user, destination)) return fail(ctx, `Mailbox ${destination} does not exist`);
    relocate(state, message, destination);
    return sendJson(res, 200, []);
  }
  if (!match[2] && req.method === 'DELETE') {
    if (account.trashMailboxId === null) return fail(ctx, 'No trash mailbox configured');
    if (mailbox.id === account.trashMailboxId) state.messages.delete(message.id);
    else relocate(state, message, account.trashMailboxId);
    return sendJson(res, 200, []);
  }
  return sendJson(res, 405, { message: 'method not allowed' });
}

/** TagsController::create: the user's tag with the same IMAP label, or a new one. */
function createTag(ctx: RequestContext, body: Record<string, unknown>): void {
  const state = ctx.standin.mail;
  const displayName = String(body.displayName ?? '');
  const color = String(body.color ?? '');
  if ([...displayName].length > 128) return fail(ctx, 'The maximum length for displayName is 128');
  if ([...color].length > 9) return fail(ctx, 'The maximum length for color is 9');
  const label = imapLabel(displayName);
  const existing = [...state.tags.values()].find((t) => t.user === ctx.user && t.imapLabel === label);
  if (existing) return sendJson(ctx.res, 200, tagJson(existing));
  const id = state.nextTagId++;
  const tag = { id, user: ctx.user, displayName, imapLabel: label, color };
  state.tags.set(id, tag);
  sendJson(ctx.res, 200, tagJson(tag));
}

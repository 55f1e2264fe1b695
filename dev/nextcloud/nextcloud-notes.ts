import { md5, type RequestContext, sendJson } from './nextcloud.js';
import { fileIdOf } from './nextcloud-files-meta.js';

/** Notes API v1 stand-in (nextcloud/notes docs/api/v1.md). */
export interface StandinNote {
  id: number;
  owner: string;
  title: string;
  content: string;
  category: string;
  favorite: boolean;
  modified: number;
  readonly: boolean;
}

export interface NotesState {
  notes: Map<number, StandinNote>;
}

const PREFIX = '/index.php/apps/notes/api/v1';

function etag(note: StandinNote): string {
  return md5(JSON.stringify([note.title, note.content, note.category, note.favorite, note.modified]));
}

function view(note: StandinNote, exclude: Set<string> = new Set()) {
  const full: Record<string, unknown> = {
    id: note.id,
    etag: etag(note),
    readonly: note.readonly,
    modified: note.modified,
    title: note.title,
    category: note.category,
    favorite: note.favorite,
    content: note.content,
  };
  for (const field of exclude) if (field !== 'id') delete full[field];
  return full;
}

/** Notes derive a title from the first line of content when none is given, as the app does. */
function titleFrom(content: string): string {
  return (
    content
      .split('\n')[0]
      ?.replace(/^#+\s*/, '')
      .trim()
      .slice(0, 100) || 'New note'
  );
}

/**
 * A note is a file in the user's Notes folder and its id is that file's id, as on Nextcloud, which
 * names a second note of a title "<title> (2).md".
 */
function noteFileId(ctx: RequestContext, category: string, title: string): number {
  for (let n = 1; ; n++) {
    const name = n === 1 ? `${title}.md` : `${title} (${n}).md`;
    const file = ['Notes', ...category.split('/'), name].filter(Boolean).map(encodeURIComponent).join('/');
    const id = fileIdOf(
      ctx.standin.filesMeta,
      `/remote.php/dav/files/${encodeURIComponent(ctx.user)}/${file}`,
    );
    if (!ctx.standin.notes.notes.has(id)) return id;
  }
}

export function handleNotes(ctx: RequestContext): void {
  const { req, res, url, user, standin } = ctx;
  const state = standin.notes;
  const rest = url.pathname.slice(PREFIX.length);
  const headers = { 'x-notes-api-versions': '["1.3"]' };
  const own = [...state.notes.values()].filter((note) => note.owner === user);

  if (rest === '/settings' && req.method === 'GET') {
    // SettingsService::getPublic; the editor mode is 'rich' where the Text app is enabled.
    return sendJson(res, 200, { notesPath: 'Notes', fileSuffix: '.md', noteMode: 'rich' }, headers);
  }
  if (rest === '/notes' && req.method === 'GET') {
    const exclude = new Set((url.searchParams.get('exclude') ?? '').split(',').filter(Boolean));
    const category = url.searchParams.get('category');
    const list = own
      .filter((note) => category === null || note.category === category)
      .sort((a, b) => b.modified - a.modified || b.id - a.id);
    const chunkSize = Number(url.searchParams.get('chunkSize') ?? 0);
    const start = Number(url.searchParams.get('chunkCursor')?.split(':')[1] ?? 0);
    const page = chunkSize > 0 ? list.slice(start, start + chunkSize) : list;
    const more = chunkSize > 0 && start + chunkSize < list.length;
    return sendJson(
      res,
      200,
      // As the app does: the last chunk also lists every other note by id only, so that
      // clients can tell deleted notes apart from ones in earlier chunks.
      more || chunkSize === 0
        ? page.map((note) => view(note, exclude))
        : list.map((note) => (page.includes(note) ? view(note, exclude) : { id: note.id })),
      more ? { ...headers, 'x-notes-chunk-cursor': `cursor:${start + chunkSize}` } : headers,
    );
  }
  if (rest === '/notes' && req.method === 'POST') {
    const input = parseBody(ctx);
    if (!input) return sendJson(res, 400, { message: 'invalid JSON' });
    const content = String(input.content ?? '');
    const title = String(input.title || titleFrom(content));
    const category = String(input.category ?? '');
    const note: StandinNote = {
      id: noteFileId(ctx, category, title),
      owner: user,
      title,
      content,
      category,
      favorite: Boolean(input.favorite),
      modified: Number(input.modified ?? Math.floor(Date.now() / 1000)),
      readonly: false,
    };
    state.notes.set(note.id, note);
    return sendJson(res, 200, view(note), { ...headers, etag: `"${etag(note)}"` });
  }
  const match = /^\/notes\/(\d+)$/.exec(rest);
  const note = match ? state.notes.get(Number(match[1])) : undefined;
  if (!match) return sendJson(res, 404, { message: 'no such route' });
  if (!note || note.owner !== user) return sendJson(res, 404, { message: 'Note not found' }, headers);

  if (req.method === 'GET') return sendJson(res, 200, view(note), { ...headers, etag: `"${etag(note)}"` });
  if (req.method === 'DELETE') {
    state.notes.delete(note.id);
    return sendJson(res, 200, null, headers);
  }
  if (req.method === 'PUT') {
    const ifMatch = req.headers['if-match'];
    if (ifMatch !== undefined && ifMatch.replace(/"/g, '') !== etag(note)) {
      return sendJson(res, 412, view(note), headers);
    }
    if (note.readonly) return sendJson(res, 403, { message: 'Note is read-only' }, headers);
    const input = parseBody(ctx);
    if (!input) return sendJson(res, 400, { message: 'invalid JSON' });
    if (typeof input.content === 'string') note.content = input.content;
    if (typeof input.title === 'string') note.title = input.title;
    if (typeof input.category === 'string') note.category = input.category;
    if (typeof input.favorite === 'boolean') note.favorite = input.favorite;
    // The app bumps `modified` on every change; a counter keeps etags distinct within a second.
    note.modified = Math.max(note.modified + 1, Math.floor(Date.now() / 1000));
    return sendJson(res, 200, view(note), { ...headers, etag: `"${etag(note)}"` });
  }
  sendJson(res, 405, { message: 'method not allowed' });
}

function parseBody(ctx: RequestContext): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(ctx.body.toString('utf8') || '{}');
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

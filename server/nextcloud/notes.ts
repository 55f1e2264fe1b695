import { z } from 'zod';
import { headerValue, type NextcloudClient } from './client.js';

/** Notes API v1 (https://github.com/nextcloud/notes/blob/main/docs/api/v1.md). */
const API = '/index.php/apps/notes/api/v1';

/**
 * A note as the API sends it. `content` is left out of lists that exclude it; `readonly` arrived in
 * API 1.2, so older servers omit it.
 */
const NoteSchema = z.looseObject({
  id: z.number(),
  etag: z.string(),
  title: z.string(),
  category: z.string(),
  favorite: z.boolean(),
  modified: z.number(),
  readonly: z.boolean().optional(),
  content: z.string().optional(),
});
export type Note = z.output<typeof NoteSchema>;

/** Chunked lists end with id-only stubs for the notes of other chunks. */
const NoteStub = z.looseObject({ id: z.number(), title: z.never().optional(), etag: z.never().optional() });
const NoteList = z.array(z.union([NoteSchema, NoteStub]));

/** The stubs are skipped: they say nothing but that a note exists. */
const full = (notes: z.output<typeof NoteList>): Note[] =>
  notes.filter((note): note is Note => typeof note.title === 'string');

/** One chunk of notes without their content, and the cursor of the next chunk (null on the last). */
export async function listNotes(
  nc: NextcloudClient,
  options: { category?: string | undefined; chunkSize: number; cursor?: string | undefined },
): Promise<{ notes: Note[]; nextCursor: string | null }> {
  const { data, response } = await nc.json({
    method: 'GET',
    path: `${API}/notes`,
    query: {
      exclude: 'content',
      category: options.category,
      chunkSize: options.chunkSize,
      chunkCursor: options.cursor,
    },
    what: 'The notes list',
    schema: NoteList,
  });
  return { notes: full(data), nextCursor: headerValue(response.headers, 'x-notes-chunk-cursor') ?? null };
}

/** Every note with its content (the API has no search of its own). */
export async function allNotes(nc: NextcloudClient): Promise<Note[]> {
  const { data } = await nc.json({
    method: 'GET',
    path: `${API}/notes`,
    what: 'The notes list',
    schema: NoteList,
  });
  return full(data);
}

export async function getNote(nc: NextcloudClient, id: number): Promise<Note> {
  const { data } = await nc.json({
    method: 'GET',
    path: `${API}/notes/${id}`,
    what: `Note ${id}`,
    schema: NoteSchema,
  });
  return data;
}

export interface NoteChanges {
  title?: string | undefined;
  content?: string | undefined;
  category?: string | undefined;
}

export async function createNote(nc: NextcloudClient, note: Required<NoteChanges>): Promise<Note> {
  const { data } = await nc.json({
    method: 'POST',
    path: `${API}/notes`,
    json: note,
    what: `Note "${note.title}"`,
    schema: NoteSchema,
  });
  return data;
}

/** PUT with `If-Match`, so a note changed by someone else is never overwritten. */
export async function updateNote(
  nc: NextcloudClient,
  id: number,
  etag: string,
  changes: NoteChanges,
): Promise<Note> {
  const quoted = etag.startsWith('"') ? etag : `"${etag}"`;
  const { data } = await nc.json({
    method: 'PUT',
    path: `${API}/notes/${id}`,
    headers: { 'if-match': quoted },
    json: changes,
    what: `Note ${id}`,
    schema: NoteSchema,
  });
  return data;
}

export async function deleteNote(nc: NextcloudClient, id: number): Promise<void> {
  await nc.send({ method: 'DELETE', path: `${API}/notes/${id}`, what: `Note ${id}` });
}

const Settings = z.looseObject({ notesPath: z.string() });

/** The folder of the user's notes in Files (Notes app setting), without surrounding slashes. */
async function notesFolder(nc: NextcloudClient): Promise<string> {
  const { data } = await nc.json({
    method: 'GET',
    path: `${API}/settings`,
    what: 'Notes settings',
    schema: Settings,
  });
  return data.notesPath.replace(/^\/+|\/+$/g, '');
}

/** Where Notes keeps a note in the user's files: `/<notes folder>/<category>/<title>.md`. */
export async function noteFilePath(nc: NextcloudClient, id: number): Promise<string> {
  const [folder, note] = await Promise.all([notesFolder(nc), getNote(nc, id)]);
  return `/${[folder, note.category, `${note.title}.md`].filter(Boolean).join('/')}`;
}

/** Where Notes keeps a note's attachment, relative to the user's files: `.attachments.<id>/` beside it. */
export async function noteAttachmentPath(nc: NextcloudClient, id: number, fileName: string): Promise<string> {
  const note = await getNote(nc, id);
  const folder = await notesFolder(nc);
  return [folder, note.category, `.attachments.${note.id}`, fileName].filter(Boolean).join('/');
}

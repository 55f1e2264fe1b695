import { z } from 'zod';
import { NotFoundError } from '../errors.js';
import { headerValue, type NextcloudClient } from './client.js';
import { displayPath, normalizeUserPath } from './dav-path.js';
import type { UserFiles } from './files.js';

/**
 * Notes API v1 (https://github.com/nextcloud/notes/blob/main/docs/api/v1.md). A note is a file in
 * the user's notes folder, `<category>/<title>.md`, and its id is that file's id: every call here
 * takes the files gateway too, so the tenant's excluded tags hold for notes as for any file (a
 * tagged note, or one in a tagged category folder, is left out of lists and refused by id).
 */
const API = '/index.php/apps/notes/api/v1';

/** What a notes call needs: the client, and the gateway that applies the excluded tags. */
export interface NotesContext {
  readonly nc: NextcloudClient;
  readonly files: UserFiles;
}

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
  { nc, files }: NotesContext,
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
  const notes = await visible({ nc, files }, full(data));
  return { notes, nextCursor: headerValue(response.headers, 'x-notes-chunk-cursor') ?? null };
}

/** Every note with its content (the API has no search of its own). */
export async function allNotes({ nc, files }: NotesContext): Promise<Note[]> {
  const { data } = await nc.json({
    method: 'GET',
    path: `${API}/notes`,
    what: 'The notes list',
    schema: NoteList,
  });
  return visible({ nc, files }, full(data));
}

/** A note with its content; refused when the excluded tags hide it. */
export async function getNote(ctx: NotesContext, id: number): Promise<Note> {
  const { data } = await ctx.nc.json({
    method: 'GET',
    path: `${API}/notes/${id}`,
    what: `Note ${id}`,
    schema: NoteSchema,
  });
  await assertVisible(ctx, data);
  return data;
}

export interface NoteChanges {
  title?: string | undefined;
  content?: string | undefined;
  category?: string | undefined;
}

/** Creates a note; never in a category folder the excluded tags hide. */
export async function createNote(ctx: NotesContext, note: Required<NoteChanges>): Promise<Note> {
  if (ctx.files.excludes) await ctx.files.assertVisible(await categoryFolder(ctx.nc, note.category));
  const { data } = await ctx.nc.json({
    method: 'POST',
    path: `${API}/notes`,
    json: note,
    what: `Note "${note.title}"`,
    schema: NoteSchema,
  });
  return data;
}

/**
 * PUT with `If-Match`, so a note changed by someone else is never overwritten; neither a note the
 * excluded tags hide nor a move into a category they hide.
 */
export async function updateNote(
  ctx: NotesContext,
  id: number,
  etag: string,
  changes: NoteChanges,
): Promise<Note> {
  if (ctx.files.excludes) {
    // The current category is only known from the note itself.
    await getNote(ctx, id);
    if (changes.category !== undefined) await assertVisible(ctx, { id, category: changes.category });
  }
  const quoted = etag.startsWith('"') ? etag : `"${etag}"`;
  const { data } = await ctx.nc.json({
    method: 'PUT',
    path: `${API}/notes/${id}`,
    headers: { 'if-match': quoted },
    json: changes,
    what: `Note ${id}`,
    schema: NoteSchema,
  });
  return data;
}

/** Deletes a note, unless the excluded tags hide it. */
export async function deleteNote(ctx: NotesContext, id: number): Promise<void> {
  if (ctx.files.excludes) await getNote(ctx, id);
  await ctx.nc.send({ method: 'DELETE', path: `${API}/notes/${id}`, what: `Note ${id}` });
}

/** The app's public settings (lib/Service/SettingsService.php getPublic: the three below). */
const Settings = z.looseObject({
  notesPath: z.string(),
  fileSuffix: z.string().optional(),
  noteMode: z.string().optional(),
});

/** The user's Notes settings: notes folder, file suffix and editor mode. */
export async function notesSettings(nc: NextcloudClient) {
  const { data } = await nc.json({
    method: 'GET',
    path: `${API}/settings`,
    what: 'Notes settings',
    schema: Settings,
  });
  return { notesPath: data.notesPath, fileSuffix: data.fileSuffix ?? null, noteMode: data.noteMode ?? null };
}

/** The folder of the user's notes in Files (Notes app setting), without surrounding slashes. */
async function notesFolder(nc: NextcloudClient): Promise<string> {
  return (await notesSettings(nc)).notesPath.replace(/^\/+|\/+$/g, '');
}

/** A category's folder below the files root, normalised as the gateway compares paths. */
async function categoryFolder(nc: NextcloudClient, category: string): Promise<string> {
  return normalizeUserPath(`${await notesFolder(nc)}/${category}`);
}

/** Notes the excluded tags leave visible: by the note's id (its file's) and its category folder. */
async function visible<T extends Pick<Note, 'id' | 'category'>>(ctx: NotesContext, notes: T[]): Promise<T[]> {
  if (!ctx.files.excludes || notes.length === 0) return notes;
  const folder = await notesFolder(ctx.nc);
  return ctx.files.visibleFiles(notes, (note) => ({
    id: note.id,
    folder: normalizeUserPath(`${folder}/${note.category}`),
    name: `Note ${note.id}`,
  }));
}

async function assertVisible(ctx: NotesContext, note: Pick<Note, 'id' | 'category'>): Promise<void> {
  if (!ctx.files.excludes) return;
  await ctx.files.assertFileVisible({
    id: note.id,
    folder: await categoryFolder(ctx.nc, note.category),
    name: `Note ${note.id}`,
  });
}

/**
 * Where a note's file is in the user's files. Its name need not be the title (Notes sanitises names
 * and calls a second note of a title "<title> (2).md"), so it is found by its id, the note's, with a
 * SEARCH on oc:fileid in the category folder.
 */
export async function noteFilePath(ctx: NotesContext, id: number): Promise<string> {
  const note = await getNote(ctx, id);
  const folder = await categoryFolder(ctx.nc, note.category);
  const [file] = (await ctx.files.search(folder, { fileId: id }, 10)).filter(
    (entry) => entry.type === 'file',
  );
  if (!file) throw new NotFoundError(`The file of note ${id} is not in ${displayPath(folder)}`);
  return file.path;
}

/** Where Notes keeps a note's attachment, relative to the user's files: `.attachments.<id>/` beside it. */
export async function noteAttachmentPath(ctx: NotesContext, id: number, fileName: string): Promise<string> {
  const note = await getNote(ctx, id);
  const folder = await notesFolder(ctx.nc);
  return [folder, note.category, `.attachments.${note.id}`, fileName].filter(Boolean).join('/');
}

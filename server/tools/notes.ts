import { z } from 'zod';
import { InvalidInputError, PreconditionFailedError } from '../errors.js';
import {
  allNotes,
  createNote,
  deleteNote,
  getNote,
  listNotes,
  type Note,
  noteAttachmentPath,
  updateNote,
} from '../nextcloud/notes.js';
import { defineTool } from '../registry.js';

const APPEND_ATTEMPTS = 3;

const noteId = z.number().int().min(1).max(2_147_483_647).describe('The numeric id of the note');
const etag = z.string().min(1).max(200).describe('The etag returned when you read the note');
const title = z.string().min(1).max(1000);
const content = z.string().max(2_000_000);
const category = z.string().max(1000).describe('Category (folder) of the note; "" for none; "/" nests');

const summaryShape = {
  id: z.number(),
  title: z.string(),
  category: z.string(),
  favorite: z.boolean(),
  modified: z.string().describe('ISO 8601 time of the last change'),
  etag: z.string(),
};
const noteShape = { ...summaryShape, content: z.string(), readonly: z.boolean() };

function summary(note: Note): z.output<z.ZodObject<typeof summaryShape>> {
  return {
    id: note.id,
    title: note.title,
    category: note.category,
    favorite: note.favorite,
    modified: new Date(note.modified * 1000).toISOString(),
    etag: note.etag,
  };
}

function fullNote(note: Note): z.output<z.ZodObject<typeof noteShape>> {
  return { ...summary(note), content: note.content ?? '', readonly: note.readonly ?? false };
}

const list = defineTool({
  name: 'nc_notes_list_notes',
  title: 'List notes',
  description:
    'List notes (without their content), newest first, optionally only one category. ' +
    'Returns up to `limit` notes and a `nextCursor`; pass it back as `cursor` for the next page.',
  input: {
    category: category.optional(),
    limit: z.number().int().min(1).max(500).default(100),
    cursor: z.string().min(1).max(500).optional().describe('nextCursor from the previous page'),
  },
  output: { notes: z.array(z.object(summaryShape)), nextCursor: z.string().nullable() },
  hints: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async handler(args, ctx) {
    const { notes, nextCursor } = await listNotes(ctx, {
      category: args.category,
      chunkSize: args.limit,
      cursor: args.cursor,
    });
    return { structured: { notes: notes.map(summary), nextCursor } };
  },
});

const get = defineTool({
  name: 'nc_notes_get_note',
  title: 'Get a note',
  description: 'Read one note with its content and its etag (needed to update it).',
  input: { note_id: noteId },
  output: noteShape,
  hints: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async handler(args, ctx) {
    return { structured: fullNote(await getNote(ctx, args.note_id)) };
  },
});

const search = defineTool({
  name: 'nc_notes_search_notes',
  title: 'Search notes',
  description:
    'Find notes whose title or content contains every word of `query` (case-insensitive). ' +
    'Title matches rank first. Returns ids, titles and a short excerpt.',
  input: {
    query: z.string().trim().min(1).max(500),
    limit: z.number().int().min(1).max(200).default(20),
  },
  output: {
    query: z.string(),
    total_found: z.number(),
    results: z.array(z.object({ ...summaryShape, excerpt: z.string(), score: z.number() })),
  },
  hints: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async handler(args, ctx) {
    const words = args.query.toLowerCase().split(/\s+/);
    const results = (await allNotes(ctx))
      .map((note) => ({ note, score: scoreNote(note, words) }))
      .filter((hit) => hit.score > 0)
      .sort((a, b) => b.score - a.score || b.note.modified - a.note.modified)
      .slice(0, args.limit)
      .map(({ note, score }) => ({
        ...summary(note),
        excerpt: excerpt(note.content ?? '', words[0] ?? ''),
        score,
      }));
    return { structured: { query: args.query, total_found: results.length, results } };
  },
});

function scoreNote(note: Note, words: string[]): number {
  const titleText = note.title.toLowerCase();
  const body = (note.content ?? '').toLowerCase();
  let score = 0;
  for (const word of words) {
    const inTitle = titleText.includes(word);
    if (!inTitle && !body.includes(word)) return 0;
    score += inTitle ? 2 : 1;
  }
  return score;
}

function excerpt(text: string, word: string): string {
  const at = Math.max(0, text.toLowerCase().indexOf(word));
  const start = Math.max(0, at - 60);
  return (start > 0 ? '…' : '') + text.slice(start, start + 200).replace(/\s+/g, ' ');
}

const attachment = defineTool({
  name: 'nc_notes_get_attachment',
  title: 'Get a note attachment',
  description:
    'Read a file attached to a note (e.g. an image referenced as `.attachments.<id>/<name>` in its markdown).',
  input: {
    note_id: noteId,
    attachment_filename: z
      .string()
      .min(1)
      .max(255)
      .refine((name) => !/[/\\]/.test(name) && name !== '..' && name !== '.', 'a plain file name, no path'),
  },
  output: { filename: z.string(), mimeType: z.string(), size: z.number(), isText: z.boolean() },
  hints: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async handler(args, ctx) {
    const relative = await noteAttachmentPath(ctx, args.note_id, args.attachment_filename);
    const file = await ctx.files.read(relative, `Attachment ${args.attachment_filename}`);
    return {
      structured: {
        filename: args.attachment_filename,
        mimeType: file.mimeType,
        size: file.size,
        isText: file.isText,
      },
      content: [file.block],
    };
  },
});

const create = defineTool({
  name: 'nc_notes_create_note',
  title: 'Create a note',
  description: 'Create a markdown note. Returns its id and etag.',
  input: { title, content: content.default(''), category: category.default('') },
  output: summaryShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(args, ctx) {
    const note = await createNote(ctx, { title: args.title, content: args.content, category: args.category });
    return { structured: summary(note) };
  },
});

const update = defineTool({
  name: 'nc_notes_update_note',
  title: 'Update a note',
  description:
    "Change a note's title, content and/or category. Requires the etag from your last read: if the note " +
    'changed since, nothing is written and you are told to read it again.',
  input: {
    note_id: noteId,
    etag,
    title: title.optional(),
    content: content.optional(),
    category: category.optional(),
  },
  output: summaryShape,
  hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async handler(args, ctx) {
    const { note_id, etag: tag, ...changes } = args;
    if (Object.values(changes).every((value) => value === undefined)) {
      throw new InvalidInputError('Nothing to change: give a title, content or category');
    }
    return { structured: summary(await updateNote(ctx, note_id, tag, changes)) };
  },
});

const append = defineTool({
  name: 'nc_notes_append_content',
  title: 'Append to a note',
  description:
    'Add text at the end of a note (on a new line). Safe against concurrent edits: nothing is lost.',
  input: { note_id: noteId, content: content.min(1) },
  output: summaryShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(args, ctx) {
    // Read-modify-write under If-Match; if someone wrote in between, read again and redo.
    for (let attempt = 1; ; attempt++) {
      const note = await getNote(ctx, args.note_id);
      const current = note.content ?? '';
      // The Python server's separator, so notes written by either look the same.
      const joined = current === '' ? '' : `${current.replace(/\n+$/, '')}\n---\n`;
      try {
        return {
          structured: summary(await updateNote(ctx, note.id, note.etag, { content: joined + args.content })),
        };
      } catch (error) {
        if (!(error instanceof PreconditionFailedError) || attempt >= APPEND_ATTEMPTS) throw error;
      }
    }
  },
});

const remove = defineTool({
  name: 'nc_notes_delete_note',
  title: 'Delete a note',
  description: 'Delete a note permanently (Notes has no trash bin). Ask the user first.',
  input: { note_id: noteId },
  output: { deleted: z.boolean(), id: z.number() },
  hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async handler(args, ctx) {
    await deleteNote(ctx, args.note_id);
    return { structured: { deleted: true, id: args.note_id } };
  },
});

export const notesTools = [list, get, search, attachment, create, update, append, remove];

import { z } from 'zod';
import type { ToolName } from '../../contract/index.js';
import {
  documentText,
  isDocument,
  PARSE_DEADLINE_MS,
  PARSE_MAX_PAGES,
  parseableKind,
} from '../document-text.js';
import { InvalidInputError } from '../errors.js';
import { fileEntryShape, type SearchCriteria } from '../nextcloud/files.js';
import { defineTool } from '../registry.js';

const path = z.string().max(4096).describe('Path inside your files, e.g. "/Documents/report.md"');
const folder = path.default('/').describe('Folder to work in; "/" is your files root');
const scope = path.default('/').describe('Folder to search below (recursively); "/" is all your files');
const limit = z.number().int().min(1).max(500).default(50);
const listShape = { entries: z.array(z.object(fileEntryShape)) };
const readOnly = { readOnlyHint: true, destructiveHint: false, idempotentHint: true };

const listDirectory = defineTool({
  name: 'nc_webdav_list_directory',
  title: 'List a folder',
  description:
    'List the files and folders directly inside a folder, with size, type, modification time and etag.',
  input: { path: folder },
  output: { path: z.string(), ...listShape },
  hints: readOnly,
  async handler(args, ctx) {
    return { structured: await ctx.files.list(args.path) };
  },
});

const readFile = defineTool({
  name: 'nc_webdav_read_file',
  title: 'Read a file',
  description:
    'Read a file. Text comes back as text; images and other binary files as a content block with their ' +
    "mime type. Files above the server's size limit are refused, and so are folders (list them instead). " +
    'The etag, size and modified time let you write it back safely. PDF and DOCX (Word) files come as their ' +
    'text unless parse_document is "raw"; "parsed" says what was left out (pages, length): tell the user. ' +
    'Other office formats (ODT, XLSX, …) are not parsed.',
  input: {
    path,
    parse_document: z
      .enum(['auto', 'markdown', 'raw'])
      .optional()
      .describe(
        '"auto" (what leaving it out means): the text of a PDF or DOCX. "markdown": a DOCX with its headings, ' +
          'lists and tables (as Markdown); a PDF as its text. "raw": the file as it is. Other files are read as they are',
      ),
  },
  output: {
    path: z.string(),
    mimeType: z.string(),
    size: z.number(),
    etag: z.string().nullable(),
    modified: z.string().nullable().describe('ISO 8601'),
    isText: z.boolean().describe('Whether the file itself is text'),
    content: z
      .string()
      .nullable()
      .describe("The text, a document's extracted text, or null for binary files"),
    parsed: z
      .object({
        format: z.enum(['text', 'markdown']),
        pages: z.number().int().nullable().describe("The document's pages (PDF)"),
        pagesRead: z.number().int().nullable(),
        truncated: z.boolean().describe('The text was cut at the read limit'),
        notes: z.array(z.string()).describe('What was left out or not reconstructed'),
      })
      .nullable()
      .describe("How content was extracted from a document; null when it is the file's own content"),
  },
  hints: readOnly,
  async handler(args, ctx) {
    const file = await ctx.files.read(args.path);
    const { mimeType, size, etag, modified, isText } = file;
    const meta = { path: file.path, mimeType, size, etag, modified, isText };
    // Left out, a document this server cannot parse comes as it is; asked for, it is refused by name.
    const mode = args.parse_document ?? (parseableKind(mimeType) ? 'auto' : 'raw');
    if (mode === 'raw' || !isDocument(mimeType))
      return { structured: { ...meta, content: file.text, parsed: null }, content: [file.block] };
    const { text, ...parsed } = await documentText(file, mode, {
      deadlineMs: PARSE_DEADLINE_MS,
      maxPages: PARSE_MAX_PAGES,
      maxChars: ctx.limits.readMaxBytes,
      signal: ctx.signal,
      ...(ctx.progress ? { progress: ctx.progress } : {}),
    });
    const notes = parsed.notes.length
      ? [{ type: 'text' as const, text: `Note: ${parsed.notes.join(' ')}` }]
      : [];
    return {
      structured: { ...meta, content: text, parsed },
      content: [{ type: 'text', text }, ...notes],
    };
  },
});

/** Buffer.from skips what is not base64 and writes the rest: refused here, never stored. */
function decodeBase64(content: string): Buffer {
  const compact = content.replace(/\s+/g, '');
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(compact))
    throw new InvalidInputError('content is not valid base64 (A-Z, a-z, 0-9, + and /, padded with =)');
  return Buffer.from(compact, 'base64');
}

const writeFile = defineTool({
  name: 'nc_webdav_write_file',
  title: 'Write a file',
  description:
    'Create or replace a file. Pass the etag you read as if_match to replace only the version you saw, with the ' +
    'size and modified time you read: Nextcloud can keep the etag of a file written twice within one second, so ' +
    'the etag alone may miss such a change. Set overwrite to false to only create. Binary content goes base64-encoded.',
  input: {
    path,
    content: z
      .string()
      .max(3_000_000)
      .describe('Text, or base64 with encoding: base64 (at most about 2 MB of binary)'),
    encoding: z.enum(['text', 'base64']).default('text'),
    content_type: z
      .string()
      .max(200)
      .regex(/^[\w.+-]+\/[\w.+-]+$/)
      .optional(),
    if_match: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('The etag you read: only write if the file still has it'),
    if_match_size: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('With if_match: the size you read; only write if the file still has it'),
    if_match_modified: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('With if_match: the modified time you read; only write if the file still has it'),
    overwrite: z.boolean().default(true).describe('false: fail if the file already exists'),
  },
  output: { path: z.string(), etag: z.string().nullable(), created: z.boolean(), size: z.number() },
  hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async handler(args, ctx) {
    if (!args.if_match && (args.if_match_size !== undefined || args.if_match_modified))
      throw new InvalidInputError('if_match_size and if_match_modified go with if_match, the etag you read');
    const body = args.encoding === 'base64' ? decodeBase64(args.content) : Buffer.from(args.content, 'utf8');
    const written = await ctx.files.write(args.path, body, {
      ...(args.content_type ? { contentType: args.content_type } : {}),
      ...(args.if_match ? { ifMatch: args.if_match } : {}),
      read: {
        ...(args.if_match_size === undefined ? {} : { size: args.if_match_size }),
        ...(args.if_match_modified ? { modified: args.if_match_modified } : {}),
      },
      overwrite: args.overwrite,
    });
    return { structured: { ...written, size: body.length } };
  },
});

const createDirectory = defineTool({
  name: 'nc_webdav_create_directory',
  title: 'Create a folder',
  description: 'Create a folder. Its parent folder must exist.',
  input: { path },
  output: { path: z.string(), created: z.boolean() },
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(args, ctx) {
    return { structured: { path: await ctx.files.createFolder(args.path), created: true } };
  },
});

const deleteResource = defineTool({
  name: 'nc_webdav_delete_resource',
  title: 'Delete a file or folder',
  description: 'Delete a file, or a folder with everything in it (Nextcloud keeps it in the trash bin).',
  input: { path },
  output: { path: z.string(), deleted: z.boolean() },
  hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async handler(args, ctx) {
    return { structured: { path: await ctx.files.delete(args.path), deleted: true } };
  },
});

function transfer(method: 'MOVE' | 'COPY') {
  const verb = method === 'MOVE' ? 'Move' : 'Copy';
  return defineTool({
    name: method === 'MOVE' ? 'nc_webdav_move_resource' : 'nc_webdav_copy_resource',
    title: `${verb} a file or folder`,
    description: `${verb} a file or folder to a new path (which can rename it). Refuses to replace an existing destination unless overwrite is true; with if_destination_match it replaces only the version of the destination you read.`,
    input: {
      source_path: path,
      destination_path: path,
      overwrite: z.boolean().default(false),
      if_destination_match: z
        .string()
        .min(1)
        .max(200)
        .optional()
        .describe(
          'The etag of the destination you read: replace it only if it still has it (needs overwrite)',
        ),
    },
    output: { source_path: z.string(), destination_path: z.string(), replaced: z.boolean() },
    hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
    async handler(args, ctx) {
      const moved = await ctx.files.transfer(
        method,
        args.source_path,
        args.destination_path,
        args.overwrite,
        args.if_destination_match,
      );
      return {
        structured: {
          source_path: moved.source,
          destination_path: moved.destination,
          replaced: moved.replaced,
        },
      };
    },
  });
}

const searchFiles = defineTool({
  name: 'nc_webdav_search_files',
  title: 'Search files',
  description:
    'Search files below a folder by name pattern (* wildcard), mime type, favorite flag, size and ' +
    'modification time; all given criteria must match. Give at least one criterion.',
  input: {
    scope,
    name_pattern: z
      .string()
      .min(1)
      .max(255)
      .optional()
      .describe('File name or pattern, e.g. "*.pdf" or "budget"'),
    mime_type: z.string().min(1).max(200).optional().describe('e.g. "image", "image/*" or "application/pdf"'),
    modified_after: z.iso.datetime({ offset: true }).optional(),
    modified_before: z.iso.datetime({ offset: true }).optional(),
    min_size: z.number().int().min(0).optional(),
    max_size: z.number().int().min(0).optional(),
    only_favorites: z.boolean().default(false),
    limit,
  },
  output: listShape,
  hints: readOnly,
  async handler(args, ctx) {
    const criteria: SearchCriteria = {
      ...(args.name_pattern ? { name: args.name_pattern } : {}),
      ...(args.mime_type ? { mimeType: args.mime_type } : {}),
      ...(args.modified_after ? { modifiedAfter: args.modified_after } : {}),
      ...(args.modified_before ? { modifiedBefore: args.modified_before } : {}),
      ...(args.min_size === undefined ? {} : { minSize: args.min_size }),
      ...(args.max_size === undefined ? {} : { maxSize: args.max_size }),
      onlyFavorites: args.only_favorites,
    };
    return { structured: { entries: await ctx.files.search(args.scope, criteria, args.limit) } };
  },
});

/**
 * A search by one criterion under the name models look for (find by name, find by type): the
 * tool's one argument becomes that criterion.
 */
function finder<A extends string>(tool: {
  name: ToolName;
  title: string;
  description: string;
  argument: A;
  schema: z.ZodString;
  criterion: (value: string) => SearchCriteria;
}) {
  const input = { [tool.argument]: tool.schema } as Record<A, z.ZodString>;
  return defineTool({
    name: tool.name,
    title: tool.title,
    description: tool.description,
    input: { ...input, scope, limit },
    output: listShape,
    hints: readOnly,
    async handler(args, ctx) {
      // The computed key hides the argument's name from the type checker; zod validated it.
      const values = args as unknown as Record<A | 'scope', string> & { limit: number };
      const criteria = tool.criterion(values[tool.argument]);
      return { structured: { entries: await ctx.files.search(values.scope, criteria, values.limit) } };
    },
  });
}

const findByName = finder({
  name: 'nc_webdav_find_by_name',
  title: 'Find files by name',
  description: 'Find files and folders whose name contains the text, or matches a pattern with * wildcards.',
  argument: 'pattern',
  schema: z.string().min(1).max(255).describe('e.g. "budget" or "*.pdf"'),
  criterion: (name) => ({ name }),
});

const findByType = finder({
  name: 'nc_webdav_find_by_type',
  title: 'Find files by type',
  description: 'Find files of a mime type ("application/pdf") or a whole family ("image", "image/*").',
  argument: 'mime_type',
  schema: z.string().min(1).max(200),
  criterion: (mimeType) => ({ mimeType }),
});

const listFavorites = defineTool({
  name: 'nc_webdav_list_favorites',
  title: 'List favorites',
  description: 'List the files and folders you marked as favorites, below a folder.',
  input: { scope, limit },
  output: listShape,
  hints: readOnly,
  async handler(args, ctx) {
    return { structured: { entries: await ctx.files.favorites(args.scope, args.limit) } };
  },
});

export const webdavTools = [
  listDirectory,
  readFile,
  writeFile,
  createDirectory,
  deleteResource,
  transfer('MOVE'),
  transfer('COPY'),
  searchFiles,
  findByName,
  findByType,
  listFavorites,
];

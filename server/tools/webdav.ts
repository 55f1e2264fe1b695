import { z } from 'zod';
import { ConflictError, InvalidInputError, PreconditionFailedError } from '../errors.js';
import { headerValue } from '../nextcloud/client.js';
import { displayPath } from '../nextcloud/dav-path.js';
import { assertNotExcluded, assertVisible, withoutExcluded } from '../nextcloud/tag-exclusion.js';
import {
  davFilesPath,
  fileEntryShape,
  parseMultistatus,
  propfind,
  readFileContent,
  selectProps,
  userFile,
  xmlBody,
} from '../nextcloud/webdav.js';
import { defineTool, type ToolContext } from '../registry.js';

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
    const target = userFile(ctx.nc, args.path);
    await assertVisible(ctx, target.relative);
    const children = (await propfind(ctx.nc, target.relative, 1)).filter(
      (entry) => entry.path !== target.display,
    );
    return { structured: { path: target.display, entries: await withoutExcluded(ctx, children) } };
  },
});

const readFile = defineTool({
  name: 'nc_webdav_read_file',
  title: 'Read a file',
  description:
    'Read a file. Text comes back as text; images and other binary files as a content block with their ' +
    "mime type. Files above the server's size limit are refused. The etag lets you write it back safely.",
  input: { path },
  output: {
    path: z.string(),
    mimeType: z.string(),
    size: z.number(),
    etag: z.string().nullable(),
    isText: z.boolean(),
    content: z.string().nullable().describe('The text, or null for binary files'),
  },
  hints: readOnly,
  async handler(args, ctx) {
    const target = userFile(ctx.nc, args.path);
    await assertNotExcluded(ctx, target.relative);
    const file = await readFileContent(ctx, target.dav, `File ${target.display}`);
    const { mimeType, size, etag, isText } = file;
    return {
      structured: { path: target.display, mimeType, size, etag, isText, content: file.text },
      content: [file.block],
    };
  },
});

const writeFile = defineTool({
  name: 'nc_webdav_write_file',
  title: 'Write a file',
  description:
    'Create or replace a file. Pass the etag you read as if_match to replace only the version you saw (a newer version ' +
    'is never overwritten); set overwrite to false to only create. Binary content goes base64-encoded.',
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
    overwrite: z.boolean().default(true).describe('false: fail if the file already exists'),
  },
  output: { path: z.string(), etag: z.string().nullable(), created: z.boolean(), size: z.number() },
  hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async handler(args, ctx) {
    const { nc } = ctx;
    const target = await requireFile(ctx, args.path);
    const body =
      args.encoding === 'base64' ? Buffer.from(args.content, 'base64') : Buffer.from(args.content, 'utf8');
    const headers: Record<string, string> = {
      'content-type': args.content_type ?? 'application/octet-stream',
    };
    if (args.if_match)
      headers['if-match'] = args.if_match.startsWith('"') ? args.if_match : `"${args.if_match}"`;
    else if (!args.overwrite) headers['if-none-match'] = '*';
    const what = `File ${target.display}`;
    const response = await nc.send({
      method: 'PUT',
      path: target.dav,
      headers,
      body,
      what,
      accept: [409, 412],
    });
    if (response.status === 409)
      throw new ConflictError(`The folder of ${target.display} does not exist; create it first`);
    if (response.status === 412) {
      if (args.if_match)
        throw new PreconditionFailedError(
          `${what} changed since you read it (etag mismatch): read it again and retry`,
        );
      throw new ConflictError(`${what} already exists; pass overwrite: true or its etag to replace it`);
    }
    const etag =
      headerValue(response.headers, 'oc-etag') ??
      headerValue(response.headers, 'etag') ??
      (await propfind(nc, target.relative, 0))[0]?.etag ??
      null;
    return {
      structured: { path: target.display, etag, created: response.status === 201, size: body.length },
    };
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
    const { nc } = ctx;
    const target = await requireFile(ctx, args.path);
    const response = await nc.send({
      method: 'MKCOL',
      path: target.dav,
      what: `Folder ${target.display}`,
      accept: [405, 409],
    });
    if (response.status === 405) throw new ConflictError(`${target.display} already exists`);
    if (response.status === 409)
      throw new ConflictError(`The parent folder of ${target.display} does not exist`);
    return { structured: { path: target.display, created: true } };
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
    const target = await requireFile(ctx, args.path);
    await ctx.nc.send({ method: 'DELETE', path: target.dav, what: target.display });
    return { structured: { path: target.display, deleted: true } };
  },
});

function transfer(method: 'MOVE' | 'COPY') {
  const verb = method === 'MOVE' ? 'Move' : 'Copy';
  return defineTool({
    name: method === 'MOVE' ? 'nc_webdav_move_resource' : 'nc_webdav_copy_resource',
    title: `${verb} a file or folder`,
    description: `${verb} a file or folder to a new path (which can rename it). Refuses to replace an existing destination unless overwrite is true.`,
    input: { source_path: path, destination_path: path, overwrite: z.boolean().default(false) },
    output: { source_path: z.string(), destination_path: z.string(), replaced: z.boolean() },
    hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
    async handler(args, ctx) {
      const { nc } = ctx;
      const source = await requireFile(ctx, args.source_path);
      const destination = await requireFile(ctx, args.destination_path);
      const response = await nc.send({
        method,
        path: source.dav,
        headers: { destination: nc.url(destination.dav).href, overwrite: args.overwrite ? 'T' : 'F' },
        what: source.display,
        accept: [409, 412],
      });
      if (response.status === 412) {
        throw new ConflictError(`${destination.display} already exists; pass overwrite: true to replace it`);
      }
      if (response.status === 409)
        throw new ConflictError(`The folder of ${destination.display} does not exist`);
      return {
        structured: {
          source_path: source.display,
          destination_path: destination.display,
          replaced: response.status === 204,
        },
      };
    },
  });
}

/** Refuses the root, and what the tenant's excluded tags cover, for operations on a named file or folder. */
async function requireFile(ctx: ToolContext, input: string) {
  const target = userFile(ctx.nc, input);
  if (target.relative === '')
    throw new InvalidInputError('This needs a file or folder path, not your files root');
  await assertNotExcluded(ctx, target.relative);
  return target;
}

/** A DASL `d:where` condition over one property. */
type Condition = Record<string, unknown>;
const like = (prop: string, literal: string): Condition => ({
  'd:like': { 'd:prop': { [prop]: '' }, 'd:literal': literal },
});
const compare = (op: 'd:gt' | 'd:lt', prop: string, literal: string | number): Condition => ({
  [op]: { 'd:prop': { [prop]: '' }, 'd:literal': literal },
});

/** `report*.md` → `report%.md`; a name without wildcards matches anywhere in the file name. */
function namePattern(name: string): string {
  const escaped = name.replace(/%/g, '\\%');
  return escaped.includes('*') ? escaped.replace(/\*/g, '%') : `%${escaped}%`;
}

/** `image`, `image/*` → `image/%`; a full type matches exactly. */
function typePattern(type: string): string {
  const major = type.replace(/\/\*?$/, '');
  return major.includes('/') ? major : `${major}/%`;
}

async function search(ctx: ToolContext, scope: string, conditions: Condition[], max: number) {
  const { nc } = ctx;
  const target = userFile(nc, scope);
  await assertVisible(ctx, target.relative);
  const where = conditions.length === 1 ? conditions[0] : { 'd:and': mergeConditions(conditions) };
  const body = xmlBody('d:searchrequest', {
    'd:basicsearch': {
      'd:select': selectProps,
      'd:from': {
        'd:scope': { 'd:href': `/files/${nc.user}/${target.relative}`, 'd:depth': 'infinity' },
      },
      'd:where': where,
      'd:orderby': '',
      'd:limit': { 'd:nresults': max },
    },
  });
  const response = await nc.send({
    method: 'SEARCH',
    path: '/remote.php/dav/',
    headers: { 'content-type': 'text/xml; charset=utf-8' },
    body,
    what: `Search in ${target.display}`,
  });
  return withoutExcluded(ctx, parseMultistatus(nc, response).slice(0, max));
}

/** Groups conditions by element name so the XML builder emits repeated siblings. */
function mergeConditions(conditions: Condition[]): Record<string, unknown[]> {
  const merged: Record<string, unknown[]> = {};
  for (const condition of conditions) {
    for (const [key, value] of Object.entries(condition)) merged[key] = [...(merged[key] ?? []), value];
  }
  return merged;
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
    const conditions: Condition[] = [];
    if (args.name_pattern) conditions.push(like('d:displayname', namePattern(args.name_pattern)));
    if (args.mime_type) conditions.push(like('d:getcontenttype', typePattern(args.mime_type)));
    if (args.modified_after) conditions.push(compare('d:gt', 'd:getlastmodified', args.modified_after));
    if (args.modified_before) conditions.push(compare('d:lt', 'd:getlastmodified', args.modified_before));
    if (args.min_size !== undefined) conditions.push(compare('d:gt', 'oc:size', args.min_size - 1));
    if (args.max_size !== undefined) conditions.push(compare('d:lt', 'oc:size', args.max_size + 1));
    if (args.only_favorites) conditions.push({ 'd:eq': { 'd:prop': { 'oc:favorite': '' }, 'd:literal': 1 } });
    if (conditions.length === 0) throw new InvalidInputError('Give at least one search criterion');
    return { structured: { entries: await search(ctx, args.scope, conditions, args.limit) } };
  },
});

const findByName = defineTool({
  name: 'nc_webdav_find_by_name',
  title: 'Find files by name',
  description: 'Find files and folders whose name contains the text, or matches a pattern with * wildcards.',
  input: { pattern: z.string().min(1).max(255).describe('e.g. "budget" or "*.pdf"'), scope, limit },
  output: listShape,
  hints: readOnly,
  async handler(args, ctx) {
    const entries = await search(
      ctx,
      args.scope,
      [like('d:displayname', namePattern(args.pattern))],
      args.limit,
    );
    return { structured: { entries } };
  },
});

const findByType = defineTool({
  name: 'nc_webdav_find_by_type',
  title: 'Find files by type',
  description: 'Find files of a mime type ("application/pdf") or a whole family ("image", "image/*").',
  input: { mime_type: z.string().min(1).max(200), scope, limit },
  output: listShape,
  hints: readOnly,
  async handler(args, ctx) {
    const entries = await search(
      ctx,
      args.scope,
      [like('d:getcontenttype', typePattern(args.mime_type))],
      args.limit,
    );
    return { structured: { entries } };
  },
});

const listFavorites = defineTool({
  name: 'nc_webdav_list_favorites',
  title: 'List favorites',
  description: 'List the files and folders you marked as favorites, below a folder.',
  input: { scope, limit },
  output: listShape,
  hints: readOnly,
  async handler(args, ctx) {
    const { nc } = ctx;
    const target = userFile(nc, args.scope);
    await assertVisible(ctx, target.relative);
    const response = await nc.send({
      method: 'REPORT',
      path: davFilesPath(nc.user, target.relative),
      headers: { 'content-type': 'text/xml; charset=utf-8' },
      body: xmlBody('oc:filter-files', { ...selectProps, 'oc:filter-rules': { 'oc:favorite': 1 } }),
      what: `Favorites in ${displayPath(target.relative)}`,
    });
    const entries = await withoutExcluded(ctx, parseMultistatus(nc, response));
    return { structured: { entries: entries.slice(0, args.limit) } };
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

import { z } from 'zod';
import { NotFoundError } from '../errors.js';
import * as api from '../nextcloud/collectives.js';
import { defineTool } from '../registry.js';
import { collectiveId, emoji, pageShape, pageView } from './collectives-views.js';

const pageId = z
  .number()
  .int()
  .min(1)
  .max(Number.MAX_SAFE_INTEGER)
  .describe('The numeric id of the page (from collectives_get_pages)');
const tagId = z
  .number()
  .int()
  .min(1)
  .max(Number.MAX_SAFE_INTEGER)
  .describe('The numeric id of the tag (from collectives_get_tags)');
const title = z.string().min(1).max(200);

const read = { readOnlyHint: true, destructiveHint: false, idempotentHint: true } as const;
const listShape = { collective_id: z.number(), pages: z.array(z.object(pageShape)), total: z.number() };

const getPages = defineTool({
  name: 'collectives_get_pages',
  title: 'List collective pages',
  description:
    'The pages of a collective, a slice at a time (limit, offset): the landing page (parent_id 0) and ' +
    'every page below it, with title, emoji, parent, tags and the path of its markdown file.',
  input: {
    collective_id: collectiveId,
    limit: z.number().int().min(1).max(1000).default(200),
    offset: z.number().int().min(0).max(1_000_000).default(0),
  },
  output: { ...listShape, next_offset: z.number().nullable() },
  hints: read,
  async handler(args, { nc, files }) {
    const pages = await api.visiblePages(files, await api.pagesOf(nc, args.collective_id));
    const end = args.offset + args.limit;
    return {
      structured: {
        collective_id: args.collective_id,
        pages: pages.slice(args.offset, end).map(pageView),
        total: pages.length,
        next_offset: end < pages.length ? end : null,
      },
    };
  },
});

const getPage = defineTool({
  name: 'collectives_get_page',
  title: 'Read a collective page',
  description:
    'A page with its markdown text. To change the text, write its path with nc_webdav_write_file ' +
    '(pass the etag you read to avoid overwriting someone else’s edit).',
  input: { collective_id: collectiveId, page_id: pageId },
  output: {
    ...pageShape,
    content: z.string().nullable().describe('The markdown; null when the file cannot be read as text'),
    etag: z.string().nullable(),
  },
  hints: read,
  async handler(args, ctx) {
    const page = await api.getPage(ctx, args.collective_id, args.page_id);
    const view = pageView(page);
    let text: { content: string | null; etag: string | null } = { content: null, etag: null };
    if (view.path) {
      try {
        const file = await ctx.files.read(view.path, `The text of page "${page.title}" (${view.path})`);
        text = { content: file.text, etag: file.etag };
      } catch (error) {
        // Metadata without text beats no answer when the file moved since the app listed it.
        if (!(error instanceof NotFoundError)) throw error;
      }
    }
    return { structured: { ...view, ...text } };
  },
});

const searchPages = defineTool({
  name: 'collectives_search_pages',
  title: 'Search collective pages',
  description:
    "Full-text search of a collective's pages. Nextcloud indexes page text in a background job, so " +
    'very recent edits may not be found yet.',
  input: { collective_id: collectiveId, query: z.string().min(1).max(500).describe('Words to look for') },
  output: { ...listShape, query: z.string() },
  hints: read,
  async handler(args, { nc, files }) {
    const pages = await api.visiblePages(files, await api.searchPages(nc, args.collective_id, args.query));
    return {
      structured: {
        collective_id: args.collective_id,
        query: args.query,
        pages: pages.map(pageView),
        total: pages.length,
      },
    };
  },
});

const getTrashedPages = defineTool({
  name: 'collectives_get_trashed_pages',
  title: 'List trashed collective pages',
  description:
    'Pages of a collective that are in its trash (needs edit rights there); restore them with collectives_restore_page.',
  input: { collective_id: collectiveId },
  output: listShape,
  hints: read,
  async handler(args, { nc, files }) {
    const pages = await api.visiblePages(files, await api.trashedPages(nc, args.collective_id));
    return {
      structured: { collective_id: args.collective_id, pages: pages.map(pageView), total: pages.length },
    };
  },
});

const createPage = defineTool({
  name: 'collectives_create_page',
  title: 'Create a collective page',
  description:
    'Add a page below a parent page (0: at the top level, below the landing page), optionally with its ' +
    'markdown text. A title that is taken gets a number appended.',
  input: {
    collective_id: collectiveId,
    parent_id: z
      .number()
      .int()
      .min(0)
      .max(Number.MAX_SAFE_INTEGER)
      .describe('The parent page; 0 for the top level'),
    title,
    content: z.string().max(1_000_000).optional().describe('Markdown text of the page; empty if left out'),
  },
  output: pageShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(args, ctx) {
    const { nc, files } = ctx;
    await api.assertParentVisible(ctx, args.collective_id, args.parent_id);
    const page = await api.pageCall(
      nc,
      'POST',
      args.collective_id,
      `/${args.parent_id}`,
      `Page "${args.title}" in collective ${args.collective_id}`,
      { title: args.title },
    );
    const view = pageView(page);
    if (args.content && view.path) {
      const what = `The text of the new page "${page.title}" (${view.path}; the page itself was created)`;
      const body = Buffer.from(args.content, 'utf8');
      await files.write(view.path, body, {
        contentType: 'text/markdown; charset=utf-8',
        overwrite: true,
        what,
      });
      return { structured: { ...view, size: body.length } };
    }
    return { structured: view };
  },
});

const movePage = defineTool({
  name: 'collectives_move_page',
  title: 'Move, rename or copy a page',
  description:
    'Move a page (with its subpages) below another parent, rename it, or copy it (copy: true). ' +
    'index is its position among the new parent’s subpages. The landing page cannot be moved.',
  input: {
    collective_id: collectiveId,
    page_id: pageId,
    parent_id: z
      .number()
      .int()
      .min(0)
      .max(Number.MAX_SAFE_INTEGER)
      .optional()
      .describe('The new parent page; 0 for the top level; leave out to keep the parent'),
    title: title.optional().describe('A new title; leave out to keep it'),
    index: z.number().int().min(0).max(10_000).default(0),
    copy: z.boolean().default(false).describe('Copy the page instead of moving it'),
  },
  output: { ...pageShape, copied: z.boolean() },
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(args, ctx) {
    // The API reads parent 0 as "keep the parent"; the top level is below the landing page.
    const parent =
      args.parent_id === 0 ? (await api.landingPage(ctx.nc, args.collective_id)).id : args.parent_id;
    await api.assertPageChangeable(ctx, args.collective_id, args.page_id, true);
    if (parent !== undefined) await api.assertParentVisible(ctx, args.collective_id, parent);
    const page = await api.pageCall(
      ctx.nc,
      'PUT',
      args.collective_id,
      `/${args.page_id}`,
      `Page ${args.page_id} of collective ${args.collective_id}`,
      {
        parentId: parent === undefined ? undefined : String(parent),
        title: args.title,
        index: String(args.index),
        copy: String(args.copy),
      },
    );
    return { structured: { ...pageView(page), copied: args.copy } };
  },
});

const trashPage = defineTool({
  name: 'collectives_trash_page',
  title: 'Trash a collective page',
  description:
    'Move a page and its subpages to the collective’s trash; collectives_restore_page brings them back.',
  input: { collective_id: collectiveId, page_id: pageId },
  output: pageShape,
  hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async handler(args, ctx) {
    await api.assertPageChangeable(ctx, args.collective_id, args.page_id, true);
    const page = await api.pageCall(
      ctx.nc,
      'DELETE',
      args.collective_id,
      `/${args.page_id}`,
      `Page ${args.page_id} of collective ${args.collective_id}`,
    );
    return { structured: pageView(page) };
  },
});

const restorePage = defineTool({
  name: 'collectives_restore_page',
  title: 'Restore a collective page',
  description: 'Bring a trashed page (and the subpages trashed with it) back to where it was.',
  input: { collective_id: collectiveId, page_id: pageId.describe('The id of a page in the trash') },
  output: pageShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async handler(args, ctx) {
    await api.assertTrashedPageVisible(ctx, args.collective_id, args.page_id);
    const page = await api.pageCall(
      ctx.nc,
      'PATCH',
      args.collective_id,
      `/trash/${args.page_id}`,
      `Page ${args.page_id} in the trash of collective ${args.collective_id}`,
    );
    return { structured: pageView(page) };
  },
});

const setPageEmoji = defineTool({
  name: 'collectives_set_page_emoji',
  title: 'Set a page emoji',
  description: 'Set the emoji shown before a page title, or clear it by leaving emoji out.',
  input: {
    collective_id: collectiveId,
    page_id: pageId,
    emoji: emoji.optional().describe('The emoji; leave out to clear it'),
  },
  output: pageShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async handler(args, ctx) {
    await api.assertPageChangeable(ctx, args.collective_id, args.page_id, false);
    // Only an empty emoji clears it for good: the app keeps the stored one when it gets null.
    const page = await api.pageCall(
      ctx.nc,
      'PUT',
      args.collective_id,
      `/${args.page_id}/emoji`,
      `Page ${args.page_id} of collective ${args.collective_id}`,
      { emoji: args.emoji ?? '' },
    );
    return { structured: pageView(page) };
  },
});

const tagInput = { collective_id: collectiveId, page_id: pageId, tag_id: tagId };
const tagHints = { readOnlyHint: false, destructiveHint: false, idempotentHint: true } as const;

/** Putting a tag on a page and taking it off differ only in the method. */
function tagging(assign: boolean) {
  return defineTool({
    name: assign ? 'collectives_assign_tag' : 'collectives_remove_tag',
    title: assign ? 'Tag a collective page' : 'Untag a collective page',
    description: assign
      ? 'Put a tag of the collective (see collectives_get_tags) on a page; tagging twice changes nothing.'
      : 'Take a tag off a page; the tag itself stays in the collective and can be put back.',
    input: tagInput,
    output: pageShape,
    hints: tagHints,
    async handler(args, ctx) {
      await api.assertPageChangeable(ctx, args.collective_id, args.page_id, false);
      const page = await api.pageCall(
        ctx.nc,
        assign ? 'PUT' : 'DELETE',
        args.collective_id,
        `/${args.page_id}/tags/${args.tag_id}`,
        `Page ${args.page_id} or tag ${args.tag_id} of collective ${args.collective_id}`,
      );
      return { structured: pageView(page) };
    },
  });
}
const assignTag = tagging(true);
const removeTag = tagging(false);

export const collectivesPageTools = [
  getPages,
  getPage,
  searchPages,
  getTrashedPages,
  createPage,
  movePage,
  trashPage,
  restorePage,
  setPageEmoji,
  assignTag,
  removeTag,
];

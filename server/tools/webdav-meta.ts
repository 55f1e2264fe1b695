import { z } from 'zod';
import {
  commentShape,
  createComment,
  fileMeta,
  listComments,
  systemTagShape,
  tagsOfFile,
} from '../nextcloud/file-meta.js';
import { assertVisible } from '../nextcloud/tag-exclusion.js';
import { userFile } from '../nextcloud/webdav.js';
import { defineTool } from '../registry.js';

/** Nextcloud's limit for a comment, counted in characters after trimming (`IComment::MAX_MESSAGE_LENGTH`). */
const COMMENT_MAX = 1000;

const path = z.string().min(1).max(4096).describe('Path of the file or folder, e.g. "/Documents/report.pdf"');
const readOnly = { readOnlyHint: true, destructiveHint: false, idempotentHint: true };

const getFileTags = defineTool({
  name: 'nc_webdav_get_file_tags',
  title: 'Get the tags of a file',
  description:
    "List the tags on a file or folder: its system tags (shared by everyone on this Nextcloud, with each tag's id " +
    'and whether you may assign it) and your personal tags.',
  input: { path },
  output: {
    path: z.string(),
    file_id: z.number(),
    system_tags: z.array(z.object(systemTagShape)),
    personal_tags: z.array(z.string()),
  },
  hints: readOnly,
  async handler(args, ctx) {
    const target = userFile(ctx.nc, args.path);
    await assertVisible(ctx, target.relative);
    const meta = await fileMeta(ctx.nc, target.relative, true);
    // Nextcloud before 28 lacks the nc:system-tags property; the relations collection has them.
    const systemTags = meta.systemTags ?? (await tagsOfFile(ctx.nc, meta.fileId, target.display));
    return {
      structured: {
        path: target.display,
        file_id: meta.fileId,
        system_tags: systemTags,
        personal_tags: meta.personalTags,
      },
    };
  },
});

const listFileComments = defineTool({
  name: 'nc_webdav_list_comments',
  title: 'List the comments on a file',
  description:
    'Read the comments people left on a file or folder, newest first, a page at a time: pass next_offset back ' +
    'as offset for the next page.',
  input: {
    path,
    limit: z.number().int().min(1).max(100).default(20),
    offset: z.number().int().min(0).max(100_000).default(0).describe('How many of the newest to skip'),
  },
  output: {
    path: z.string(),
    file_id: z.number(),
    comments: z.array(z.object(commentShape)),
    next_offset: z.number().nullable().describe('The offset of the next page; null on the last page'),
  },
  hints: readOnly,
  async handler(args, ctx) {
    const target = userFile(ctx.nc, args.path);
    await assertVisible(ctx, target.relative);
    const { fileId } = await fileMeta(ctx.nc, target.relative, false);
    // One more than asked tells whether another page exists.
    const page = await listComments(
      ctx.nc,
      fileId,
      { limit: args.limit + 1, offset: args.offset },
      target.display,
    );
    const more = page.length > args.limit;
    return {
      structured: {
        path: target.display,
        file_id: fileId,
        comments: page.slice(0, args.limit),
        next_offset: more ? args.offset + args.limit : null,
      },
    };
  },
});

const createFileComment = defineTool({
  name: 'nc_webdav_create_comment',
  title: 'Comment on a file',
  description:
    'Post a comment on a file or folder as you, as in the Files sidebar. Mention someone with @userid ' +
    `(or @"user id" with spaces) and Nextcloud notifies them. At most ${COMMENT_MAX} characters.`,
  input: {
    path,
    message: z
      .string()
      .max(2 * COMMENT_MAX)
      .refine((value) => value.trim() !== '', 'must not be empty or only whitespace')
      .refine(
        (value) => [...value.trim()].length <= COMMENT_MAX,
        `must be at most ${COMMENT_MAX} characters (Nextcloud's limit)`,
      ),
  },
  output: { path: z.string(), file_id: z.number(), comment_id: z.number().nullable() },
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(args, ctx) {
    const target = userFile(ctx.nc, args.path);
    await assertVisible(ctx, target.relative);
    const { fileId } = await fileMeta(ctx.nc, target.relative, false);
    const commentId = await createComment(ctx.nc, fileId, args.message, target.display);
    return { structured: { path: target.display, file_id: fileId, comment_id: commentId } };
  },
});

export const webdavMetaTools = [getFileTags, listFileComments, createFileComment];

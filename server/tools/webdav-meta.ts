import { z } from 'zod';
import { commentShape, systemTagShape } from '../nextcloud/files.js';
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
    const tags = await ctx.files.tags(args.path);
    return {
      structured: {
        path: tags.path,
        file_id: tags.fileId,
        system_tags: tags.systemTags,
        personal_tags: tags.personalTags,
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
    // One more than asked tells whether another page exists.
    const page = await ctx.files.comments(args.path, { limit: args.limit + 1, offset: args.offset });
    const more = page.comments.length > args.limit;
    return {
      structured: {
        path: page.path,
        file_id: page.fileId,
        comments: page.comments.slice(0, args.limit),
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
    const posted = await ctx.files.comment(args.path, args.message);
    return { structured: { path: posted.path, file_id: posted.fileId, comment_id: posted.commentId } };
  },
});

export const webdavMetaTools = [getFileTags, listFileComments, createFileComment];

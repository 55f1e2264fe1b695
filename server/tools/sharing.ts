import { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import {
  createShare,
  deleteShare,
  getShare,
  listShares,
  mask,
  permissionNames,
  type ShareForm,
  sharePath,
  shareShape,
  updateShare,
} from '../nextcloud/sharing.js';
import { defineTool, type ToolContext } from '../registry.js';

const shareId = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).describe('The id of the share');
const filePath = z
  .string()
  .min(1)
  .max(4096)
  .describe('Path of the file or folder, e.g. "/Documents/plan.md"');
const permissions = z
  .array(z.enum(permissionNames))
  .min(1)
  .max(5)
  .describe('Any of read, update, create, delete, share; read is always needed');
const expireDate = z.iso.date().describe('Last day the share works, YYYY-MM-DD');
const password = z.string().min(1).max(200);
const note = z.string().max(2000);
const label = z.string().max(255);
const readOnly = { readOnlyHint: true, destructiveHint: false, idempotentHint: true };

/** Creates a share of what the files gateway lets be shared. */
async function postShare(ctx: ToolContext, input: string, form: ShareForm, what: (path: string) => string) {
  const path = await ctx.files.shareable(input);
  return { structured: await createShare(ctx.nc, path, form, what(path)) };
}

const list = defineTool({
  name: 'nc_share_list',
  title: 'List shares',
  description:
    'List shares you created (or, with shared_with_me, those others created for you), optionally only of one path.',
  input: {
    path: filePath.optional(),
    subfiles: z.boolean().default(false).describe('With a folder path: shares of the items inside it'),
    shared_with_me: z.boolean().default(false),
  },
  output: { shares: z.array(z.object(shareShape)) },
  hints: readOnly,
  async handler(args, ctx) {
    const path = args.path === undefined ? undefined : sharePath(args.path);
    if (path !== undefined) await ctx.files.assertVisible(path);
    const shares = await listShares(
      ctx.nc,
      { path, subfiles: args.subfiles, sharedWithMe: args.shared_with_me },
      args.path ? `Shares of ${args.path}` : 'The share list',
    );
    return { structured: { shares: await ctx.files.visibleOnly(shares) } };
  },
});

const get = defineTool({
  name: 'nc_share_get',
  title: 'Get a share',
  description: 'Read one share by its id: what is shared, with whom, permissions, expiry and link.',
  input: { share_id: shareId },
  output: shareShape,
  hints: readOnly,
  async handler(args, ctx) {
    const share = await getShare(ctx.nc, args.share_id);
    await ctx.files.assertVisible(share.path);
    return { structured: share };
  },
});

const create = defineTool({
  name: 'nc_share_create',
  title: 'Share with a user or group',
  description: 'Share a file or folder with a Nextcloud user or group, with the given permissions.',
  input: {
    path: filePath,
    share_type: z.enum(['user', 'group']),
    share_with: z.string().min(1).max(255).describe('User id or group id'),
    permissions: permissions.optional(),
    expire_date: expireDate.optional(),
    note: note.optional(),
  },
  output: shareShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(args, ctx) {
    const form = {
      shareType: args.share_type === 'user' ? '0' : '1',
      shareWith: args.share_with,
      permissions: mask(args.permissions),
      expireDate: args.expire_date,
      note: args.note,
    };
    return postShare(ctx, args.path, form, (path) => `Share of ${path} with ${args.share_with}`);
  },
});

const createPublicLink = defineTool({
  name: 'nc_share_create_public_link',
  title: 'Create a public link',
  description:
    'Create a public link to a file or folder, optionally protected by a password and ending on a date. ' +
    'allow_upload lets people with the link add files to a folder.',
  input: {
    path: filePath,
    password: password.optional(),
    expire_date: expireDate.optional(),
    allow_upload: z.boolean().default(false),
    label: label.optional(),
    note: note.optional(),
  },
  output: shareShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(args, ctx) {
    const form = {
      shareType: '3',
      password: args.password,
      expireDate: args.expire_date,
      publicUpload: args.allow_upload ? 'true' : undefined,
      label: args.label,
      note: args.note,
    };
    return postShare(ctx, args.path, form, (path) => `Public link to ${path}`);
  },
});

const update = defineTool({
  name: 'nc_share_update',
  title: 'Update a share',
  description:
    "Change a share's permissions, password, expiry date, note or label. Only what you give changes.",
  input: {
    share_id: shareId,
    permissions: permissions.optional(),
    password: password.optional(),
    expire_date: expireDate.optional(),
    note: note.optional(),
    label: label.optional(),
  },
  output: shareShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async handler(args, ctx) {
    const form = {
      permissions: mask(args.permissions),
      password: args.password,
      expireDate: args.expire_date,
      note: args.note,
      label: args.label,
    };
    if (Object.values(form).every((value) => value === undefined)) {
      throw new InvalidInputError(
        'Nothing to change: give permissions, password, expire_date, note or label',
      );
    }
    // Widening a share of an excluded file (a longer expiry, more rights) is sharing it again.
    await ctx.files.assertVisible(async () => (await getShare(ctx.nc, args.share_id)).path);
    return { structured: await updateShare(ctx.nc, args.share_id, form) };
  },
});

const remove = defineTool({
  name: 'nc_share_delete',
  title: 'Delete a share',
  description: 'Stop sharing: delete the share (the file itself stays).',
  input: { share_id: shareId },
  output: { share_id: z.number(), deleted: z.boolean() },
  hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async handler(args, { nc }) {
    // Not checked against the excluded tags: ending a share only ever takes a file away from people.
    await deleteShare(nc, args.share_id);
    return { structured: { share_id: args.share_id, deleted: true } };
  },
});

export const sharingTools = [list, get, create, createPublicLink, update, remove];

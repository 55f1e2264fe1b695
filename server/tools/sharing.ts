import { z } from 'zod';
import { InvalidInputError, NotFoundError } from '../errors.js';
import type { NextcloudClient } from '../nextcloud/client.js';
import { displayPath, normalizeUserPath } from '../nextcloud/dav-path.js';
import { assertNotExcluded, assertVisible, withoutExcluded } from '../nextcloud/tag-exclusion.js';
import { defineTool, type ToolContext } from '../registry.js';

/** OCS Share API (https://docs.nextcloud.com/server/latest/developer_manual/client_apis/OCS/ocs-share-api.html). */
const API = '/ocs/v2.php/apps/files_sharing/api/v1/shares';

const SHARE_TYPES: Record<number, string> = {
  0: 'user',
  1: 'group',
  3: 'link',
  4: 'email',
  6: 'federated',
  10: 'talk',
};
const PERMISSIONS = { read: 1, update: 2, create: 4, delete: 8, share: 16 } as const;
type Permission = keyof typeof PERMISSIONS;
const permissionNames = Object.keys(PERMISSIONS) as [Permission, ...Permission[]];

interface ApiShare {
  id: string | number;
  share_type: number;
  uid_owner: string;
  permissions: number;
  stime: number;
  expiration: string | null;
  path: string;
  item_type: string;
  share_with?: string | null;
  share_with_displayname?: string | null;
  url?: string;
  note?: string;
  label?: string;
  password?: string | null;
}

const shareShape = {
  id: z.number(),
  type: z.string().describe('user, group, link, email, federated or talk'),
  path: z.string(),
  itemType: z.string().describe('file or folder'),
  permissions: z.array(z.enum(permissionNames)),
  shareWith: z.string().nullable(),
  shareWithDisplayName: z.string().nullable(),
  owner: z.string(),
  created: z.string(),
  expiration: z.string().nullable().describe('YYYY-MM-DD'),
  url: z.string().nullable().describe('The public link, for link shares'),
  hasPassword: z.boolean(),
  note: z.string(),
  label: z.string(),
};
type Share = z.output<z.ZodObject<typeof shareShape>>;

function toShare(share: ApiShare): Share {
  return {
    id: Number(share.id),
    type: SHARE_TYPES[share.share_type] ?? `type ${share.share_type}`,
    path: share.path,
    itemType: share.item_type,
    permissions: permissionNames.filter((name) => (share.permissions & PERMISSIONS[name]) !== 0),
    shareWith: share.share_type === 3 ? null : (share.share_with ?? null),
    shareWithDisplayName: share.share_type === 3 ? null : (share.share_with_displayname ?? null),
    owner: share.uid_owner,
    created: new Date(share.stime * 1000).toISOString(),
    expiration: share.expiration ? share.expiration.slice(0, 10) : null,
    url: share.url ?? null,
    hasPassword: Boolean(share.password),
    note: share.note ?? '',
    label: share.label ?? '',
  };
}

function mask(permissions: readonly Permission[] | undefined): string | undefined {
  if (!permissions) return undefined;
  return String(permissions.reduce((sum, name) => sum | PERMISSIONS[name], 0));
}

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

/**
 * Creates a share; `form` holds the OCS parameters besides the path. Never of what the tenant's
 * excluded tags cover: sharing would hand it to people the model cannot vouch for.
 */
async function postShare(
  ctx: ToolContext,
  path: string,
  form: Record<string, string | undefined>,
  what: string,
) {
  await assertNotExcluded(ctx, path);
  const share = await ctx.nc.ocs<ApiShare>({ method: 'POST', path: API, form: { path, ...form }, what });
  return { structured: toShare(share) };
}

/** One share as the Share API returns it, or a NotFoundError. */
async function getShare(nc: NextcloudClient, id: number): Promise<ApiShare> {
  const what = `Share ${id}`;
  const [share] = await nc.ocs<ApiShare[]>({ method: 'GET', path: `${API}/${id}`, what });
  if (!share) throw new NotFoundError(`${what} not found`);
  return share;
}

/** A user's path as the Share API takes it; refuses the files root. */
export function sharePath(input: string): string {
  const relative = normalizeUserPath(input);
  if (relative === '')
    throw new InvalidInputError('Your files root cannot be shared; choose a file or folder');
  return displayPath(relative);
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
    if (args.path !== undefined) await assertVisible(ctx, sharePath(args.path));
    const data = await ctx.nc.ocs<ApiShare[]>({
      method: 'GET',
      path: API,
      query: {
        path: args.path === undefined ? undefined : sharePath(args.path),
        subfiles: args.subfiles || undefined,
        shared_with_me: args.shared_with_me || undefined,
      },
      what: args.path ? `Shares of ${args.path}` : 'The share list',
    });
    return { structured: { shares: await withoutExcluded(ctx, data.map(toShare)) } };
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
    await assertVisible(ctx, share.path);
    return { structured: toShare(share) };
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
    const path = sharePath(args.path);
    const form = {
      shareType: args.share_type === 'user' ? '0' : '1',
      shareWith: args.share_with,
      permissions: mask(args.permissions),
      expireDate: args.expire_date,
      note: args.note,
    };
    return postShare(ctx, path, form, `Share of ${path} with ${args.share_with}`);
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
    const path = sharePath(args.path);
    const form = {
      shareType: '3',
      password: args.password,
      expireDate: args.expire_date,
      publicUpload: args.allow_upload ? 'true' : undefined,
      label: args.label,
      note: args.note,
    };
    return postShare(ctx, path, form, `Public link to ${path}`);
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
    if (ctx.excludedTags.length > 0) await assertVisible(ctx, (await getShare(ctx.nc, args.share_id)).path);
    const share = await ctx.nc.ocs<ApiShare>({
      method: 'PUT',
      path: `${API}/${args.share_id}`,
      form,
      what: `Share ${args.share_id}`,
    });
    return { structured: toShare(share) };
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
    await nc.ocs<unknown>({
      method: 'DELETE',
      path: `${API}/${args.share_id}`,
      what: `Share ${args.share_id}`,
    });
    return { structured: { share_id: args.share_id, deleted: true } };
  },
});

export const sharingTools = [list, get, create, createPublicLink, update, remove];

import { z } from 'zod';
import { scopeAccess } from '../../contract/index.js';
import { ForbiddenError, InvalidInputError } from '../errors.js';
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
  .union([
    z.array(z.enum(permissionNames)).min(1).max(5),
    z
      .number()
      .int()
      .min(1)
      .max(31)
      .describe('The OCS bit mask: 1 read, 2 update, 4 create, 8 delete, 16 share'),
  ])
  .describe(
    'Any of read, update, create, delete, share (or their OCS bit mask, e.g. 3); read is always needed',
  );
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

/** The OCS share types (IShare::TYPE_*) by our names. */
const OCS_SHARE_TYPES = {
  user: 0,
  group: 1,
  link: 3,
  email: 4,
  federated: 6,
  team: 7,
  talk: 10,
  deck: 12,
} as const;
type ShareTypeName = keyof typeof OCS_SHARE_TYPES;
const shareTypeName = (type: ShareTypeName | number) =>
  typeof type === 'string'
    ? type
    : (Object.entries(OCS_SHARE_TYPES).find(([, code]) => code === type)?.[0] as ShareTypeName);

/**
 * What share_with must look like for each type that addresses someone: the shape is checked here,
 * before anything leaves, so a file never goes to a recipient Nextcloud would read differently.
 */
const RECIPIENTS: Record<Exclude<ShareTypeName, 'link'>, z.ZodType<string>> = {
  user: z.string().min(1).max(255),
  group: z.string().min(1).max(255),
  email: z.email('an email address, e.g. carol@example.com').max(254),
  // A Federated Cloud ID: the user part may hold an @ itself; the host is after the last one.
  federated: z
    .string()
    .max(512)
    .regex(
      /^[^\s@/][^\s/]{0,254}@[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)*(?::\d{1,5})?(?:\/[\w.~-]+)*$/i,
      'a Federated Cloud ID, user@host, e.g. alice@cloud.example.org',
    ),
  team: z.string().regex(/^[A-Za-z0-9]{1,64}$/, 'a team (circle) id: letters and digits'),
  talk: z.string().regex(/^[a-z0-9]{4,64}$/i, 'a Talk conversation token: letters and digits'),
  deck: z.string().regex(/^[1-9]\d{0,9}$/, 'a Deck card id, e.g. 42'),
};

const create = defineTool({
  name: 'nc_share_create',
  title: 'Share a file or folder',
  description:
    'Share a file or folder, with the given permissions (default read). share_type says with whom: ' +
    'user (0) or group (1) of this Nextcloud, by id; link (3), a public link for anyone holding it; ' +
    'email (4), a public link Nextcloud mails to the address in share_with (anyone with the mail can open it; ' +
    "read, or on a folder also update/create/delete to let them upload; not 'share'); " +
    'federated (6), a user of another Nextcloud by Federated Cloud ID (user@host), so the file leaves this server; ' +
    'team (7), every member of a team (circle) by its id; talk (10), every participant of a Talk conversation by its token; ' +
    'deck (12), everyone on the board of a Deck card, by the card id (as deck_attach_file does; needs deck:write too).',
  input: {
    path: filePath,
    share_type: z
      .union([
        z.enum(['user', 'group', 'link', 'email', 'federated', 'team', 'talk', 'deck']),
        z
          .number()
          .int()
          .refine(
            (code) => (Object.values(OCS_SHARE_TYPES) as number[]).includes(code),
            'an OCS share type: 0, 1, 3, 4, 6, 7, 10 or 12',
          ),
      ])
      .default('user')
      .describe(
        'user, group, link, email, federated, team, talk or deck (or the OCS share type: 0, 1, 3, 4, 6, 7, 10, 12)',
      ),
    share_with: z
      .string()
      .min(1)
      .max(512)
      .optional()
      .describe(
        'User id, group id, email address, user@host, team id, Talk conversation token or Deck card id, by share_type; none for a link',
      ),
    permissions: permissions.default(['read']),
    expire_date: expireDate.optional(),
    note: note.optional(),
  },
  output: shareShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(args, ctx) {
    const type = shareTypeName(args.share_type);
    // A card's file reaches everyone on its board: what deck_attach_file needs, this needs too.
    if (type === 'deck' && scopeAccess('deck:write', ctx.grants) !== 'ok')
      throw new ForbiddenError(
        'A deck share (12) attaches the file to a card: it needs the deck:write scope too',
      );
    if (type === 'link' && args.share_with !== undefined) {
      throw new InvalidInputError(
        'A public link addresses nobody: leave share_with out (nc_share_create_public_link makes links too)',
      );
    }
    let shareWith: string | undefined;
    if (type !== 'link') {
      if (args.share_with === undefined)
        throw new InvalidInputError(`A ${type} share needs share_with: whom to share with`);
      const recipient = RECIPIENTS[type].safeParse(args.share_with);
      if (!recipient.success)
        throw new InvalidInputError(`share_with (${type}) must be ${recipient.error.issues[0]?.message}`);
      shareWith = recipient.data;
    }
    const bits = mask(args.permissions);
    if (type === 'email' && (Number(bits) & 16) !== 0)
      throw new InvalidInputError("An email share is a link: it cannot carry the 'share' permission");
    const form = {
      shareType: String(OCS_SHARE_TYPES[type]),
      shareWith,
      permissions: bits,
      expireDate: args.expire_date,
      note: args.note,
    };
    const what = (path: string) =>
      shareWith ? `Share of ${path} with ${shareWith}` : `Public link to ${path}`;
    return postShare(ctx, args.path, form, what);
  },
});

/**
 * The expiry date of a link that must last `minutes`: Nextcloud ends a link at the start of its
 * expiry day, so the day after the instant keeps it valid at least that long (as the Python server does).
 */
function expiryAfter(minutes: number): string {
  const day = new Date(Date.now() + minutes * 60_000);
  day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10);
}

const createPublicLink = defineTool({
  name: 'nc_share_create_public_link',
  title: 'Create a public link',
  description:
    'Create a public link to a file or folder, optionally protected by a password. It ends on expire_date, ' +
    'or after expires_in_minutes (default 30; Nextcloud ends links at the start of a day, so it lasts to the end of that day). ' +
    'allow_upload lets people with the link add files to a folder.',
  input: {
    path: filePath,
    password: password.optional(),
    expire_date: expireDate.optional(),
    expires_in_minutes: z
      .number()
      .int()
      .min(1)
      .max(60 * 24 * 3660)
      .optional()
      .describe('How long the link must work, in minutes; default 30 unless expire_date is given'),
    allow_upload: z.boolean().default(false),
    label: label.optional(),
    note: note.optional(),
  },
  output: shareShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(args, ctx) {
    if (args.expire_date !== undefined && args.expires_in_minutes !== undefined)
      throw new InvalidInputError('Give expire_date or expires_in_minutes, not both');
    const form = {
      shareType: '3',
      password: args.password,
      expireDate: args.expire_date ?? expiryAfter(args.expires_in_minutes ?? 30),
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

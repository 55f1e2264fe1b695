import { z } from 'zod';
import { type Explanation, InvalidInputError, NotFoundError } from '../errors.js';
import { type NcResponse, type NextcloudClient, nextcloudReason } from './client.js';
import { displayPath, normalizeUserPath } from './dav-path.js';

/**
 * Nextcloud's OCS Share API
 * (https://docs.nextcloud.com/server/latest/developer_manual/client_apis/OCS/ocs-share-api.html).
 * Which paths may be shared is the files gateway's to say (`files.ts`): these calls only talk to
 * Nextcloud and check what it answers.
 */
const API = '/ocs/v2.php/apps/files_sharing/api/v1/shares';

const SHARE_TYPES: Record<number, string> = {
  0: 'user',
  1: 'group',
  3: 'link',
  4: 'email',
  6: 'federated',
  7: 'team',
  10: 'talk',
  12: 'deck',
};
/** Deck's share provider (IShare::TYPE_DECK): shares a file with a card. */
const SHARE_TYPE_DECK = '12';
const PERMISSIONS = { read: 1, update: 2, create: 4, delete: 8, share: 16 } as const;
type Permission = keyof typeof PERMISSIONS;
export const permissionNames = Object.keys(PERMISSIONS) as [Permission, ...Permission[]];

/** Nextcloud sends ids as strings (`"id": "42"`), older versions and other fields as numbers. */
const integer = z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]);
const text = z.string().nullish();

/** A share as the API answers; only the fields read below are required, the rest may vary. */
const ApiShare = z.looseObject({
  id: integer,
  share_type: integer,
  uid_owner: z.string(),
  permissions: integer,
  stime: integer,
  expiration: text,
  path: z.string(),
  item_type: z.string(),
  share_with: text,
  share_with_displayname: text,
  url: text,
  note: text,
  label: text,
  password: text,
});
type ApiShare = z.output<typeof ApiShare>;

/** A share as tools return it. */
export const shareShape = {
  id: z.number(),
  type: z.string().describe('user, group, link, email, federated, team, talk or deck'),
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
export type Share = z.output<z.ZodObject<typeof shareShape>>;

/** OCS form parameters of a create or update; undefined ones are not sent. */
export type ShareForm = Record<string, string | undefined>;

function toShare(share: ApiShare): Share {
  // A link share's share_with holds its password hash on some versions: never shown.
  const link = share.share_type === 3;
  return {
    id: share.id,
    type: SHARE_TYPES[share.share_type] ?? `type ${share.share_type}`,
    path: share.path,
    itemType: share.item_type,
    permissions: permissionNames.filter((name) => (share.permissions & PERMISSIONS[name]) !== 0),
    shareWith: link ? null : (share.share_with ?? null),
    shareWithDisplayName: link ? null : (share.share_with_displayname ?? null),
    owner: share.uid_owner,
    created: new Date(share.stime * 1000).toISOString(),
    expiration: share.expiration ? share.expiration.slice(0, 10) : null,
    url: share.url ?? null,
    hasPassword: Boolean(share.password),
    note: share.note ?? '',
    label: share.label ?? '',
  };
}

/** The permissions as the API's bit mask: names, or the mask itself (the Python server's form). */
export function mask(permissions: readonly Permission[] | number | undefined): string | undefined {
  if (permissions === undefined) return undefined;
  if (typeof permissions === 'number') return String(permissions);
  return String(permissions.reduce((sum, name) => sum | PERMISSIONS[name], 0));
}

/** A user's path as the Share API takes it; refuses the files root. */
export function sharePath(input: string): string {
  const relative = normalizeUserPath(input);
  if (relative === '')
    throw new InvalidInputError('Your files root cannot be shared; choose a file or folder');
  return displayPath(relative);
}

/**
 * The Share API answers 404 also where nothing is missing: an expiration date in the past, a malformed
 * date, public upload of a file. Such a refusal is the request's, not "not found"; a 404 whose reason
 * says something does not exist stays one.
 */
function writeRefusal(refusal: NcResponse): Explanation | undefined {
  if (refusal.status !== 404) return undefined;
  const reason = nextcloudReason(refusal);
  const missing = /does ?n[o']t exist|not found|could not be located|specify a valid/i;
  return reason && !missing.test(reason) ? { status: 400 } : undefined;
}

/** The caller's shares (or those shared with them), optionally of one path or the items inside it. */
export async function listShares(
  nc: NextcloudClient,
  query: { path?: string; subfiles: boolean; sharedWithMe: boolean },
  what: string,
): Promise<Share[]> {
  const shares = await nc.ocs({
    method: 'GET',
    path: API,
    query: {
      path: query.path,
      subfiles: query.subfiles || undefined,
      shared_with_me: query.sharedWithMe || undefined,
    },
    what,
    schema: z.array(ApiShare),
  });
  return shares.map(toShare);
}

/** One share by its id, or a NotFoundError. */
export async function getShare(nc: NextcloudClient, id: number): Promise<Share> {
  const what = `Share ${id}`;
  const [share] = await nc.ocs({ method: 'GET', path: `${API}/${id}`, what, schema: z.array(ApiShare) });
  if (!share) throw new NotFoundError(`${what} not found`);
  return toShare(share);
}

/** Creates a share of `path` (already a shareable path); `form` holds the other OCS parameters. */
export async function createShare(
  nc: NextcloudClient,
  path: string,
  form: ShareForm,
  what: string,
): Promise<Share> {
  return toShare(
    await nc.ocs({
      method: 'POST',
      path: API,
      form: { path, ...form },
      what,
      schema: ApiShare,
      explain: writeRefusal,
    }),
  );
}

export async function updateShare(nc: NextcloudClient, id: number, form: ShareForm): Promise<Share> {
  const what = `Share ${id}`;
  return toShare(
    await nc.ocs({
      method: 'PUT',
      path: `${API}/${id}`,
      form,
      what,
      schema: ApiShare,
      explain: writeRefusal,
    }),
  );
}

export async function deleteShare(nc: NextcloudClient, id: number): Promise<void> {
  // Only the status matters: a delete's data is empty.
  await nc.ocs({ method: 'DELETE', path: `${API}/${id}`, what: `Share ${id}`, schema: z.unknown() });
}

/**
 * Shares `path` (already a shareable path) read-only with a Deck card, as the Deck web UI does
 * to attach a file; the share's id is the attachment's.
 */
export async function shareWithDeckCard(nc: NextcloudClient, path: string, card: number): Promise<number> {
  const what = `Attaching ${path} to card ${card}`;
  const share = await nc.ocs({
    method: 'POST',
    path: API,
    form: { path, shareType: SHARE_TYPE_DECK, shareWith: String(card), permissions: '1' },
    what,
    schema: z.looseObject({ id: integer }),
  });
  return share.id;
}

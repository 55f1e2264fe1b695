import { randomBytes } from 'node:crypto';
import { nextcloudVersion, type RequestContext, sendOcs } from './nextcloud.js';
import { davItemType } from './nextcloud-dav.js';
import { deckCapability, touch } from './nextcloud-deck-model.js';

/** OCS stand-in: capabilities and the files_sharing Share API v1 with v2 envelopes. */
export interface StandinShare {
  id: number;
  share_type: number;
  uid_owner: string;
  permissions: number;
  stime: number;
  expiration: string | null;
  path: string;
  item_type: 'file' | 'folder';
  share_with: string | null;
  share_with_displayname: string | null;
  token: string | null;
  url?: string;
  note: string;
  label: string;
  password: string | null;
}

export interface OcsState {
  shares: Map<number, StandinShare>;
  nextId: number;
  /** Apps whose capabilities are left out, as when they are not installed or not enabled for the user. */
  missingApps: Set<string>;
  /** Hosts of other Nextclouds a federated share reaches; to any other the notification fails. */
  remoteServers: Set<string>;
}

const SHARES = '/ocs/v2.php/apps/files_sharing/api/v1/shares';

export async function handleOcs(ctx: RequestContext): Promise<void> {
  const { req, res, url } = ctx;
  if (url.pathname === '/ocs/v2.php/cloud/capabilities' && req.method === 'GET') {
    const major = nextcloudVersion(ctx.standin);
    return sendOcs(res, 200, {
      version: { major, minor: 0, micro: 0, string: `${major}.0.0`, edition: '', extendedSupport: false },
      capabilities: Object.fromEntries(
        Object.entries({
          core: { pollinterval: 60, 'webdav-root': 'remote.php/webdav' },
          files_sharing: { api_enabled: true, public: { enabled: true, password: { enforced: false } } },
          notes: { api_version: ['0.2', '1.3'], version: '4.11.0' },
          tables: { enabled: true, version: '0.9.0', apiVersions: ['1.0', '2.0'] },
          deck: deckCapability(ctx.standin.deck),
          spreed: {
            features: [
              'conversation-v4',
              'chat-v2',
              'chat-read-marker',
              'chat-read-last',
              'chat-reference-id',
            ],
            'features-local': ['chat-read-last'],
            config: { chat: { 'max-length': 32000, 'read-privacy': 0 } },
            version: '21.1.0',
          },
        }).filter(([app]) => !ctx.standin.ocs.missingApps.has(app)),
      ),
    });
  }
  if (url.pathname === '/ocs/v2.php/core/navigation/apps' && req.method === 'GET') {
    // The apps with a navigation entry that are enabled for this user (NavigationController).
    const installed = [
      'files',
      'notes',
      'deck',
      'tables',
      'spreed',
      'cookbook',
      'mail',
      'news',
      'collectives',
    ];
    return sendOcs(
      res,
      200,
      installed
        .filter(
          (app) => !ctx.standin.ocs.missingApps.has(app) && (app !== 'news' || ctx.standin.news.enabled),
        )
        .map((id, order) => ({
          id,
          order,
          href: `/index.php/apps/${id}/`,
          name: id,
          type: 'link',
          active: false,
        })),
    );
  }
  if (url.pathname === SHARES) {
    if (req.method === 'GET') return listShares(ctx);
    if (req.method === 'POST') return createShare(ctx);
  }
  const match = new RegExp(`^${SHARES}/(\\d+)$`).exec(url.pathname);
  if (match) {
    const share = ctx.standin.ocs.shares.get(Number(match[1]));
    if (!share || share.uid_owner !== ctx.user)
      return sendOcs(res, 404, null, 'Wrong share ID, share does not exist');
    if (req.method === 'GET') return sendOcs(res, 200, [share]);
    if (req.method === 'DELETE') {
      ctx.standin.ocs.shares.delete(share.id);
      return sendOcs(res, 200, null);
    }
    if (req.method === 'PUT') return updateShare(ctx, share);
  }
  sendOcs(res, 404, null, 'Invalid query');
}

function listShares(ctx: RequestContext): void {
  const params = ctx.url.searchParams;
  const path = params.get('path');
  const subfiles = params.get('subfiles') === 'true';
  const withMe = params.get('shared_with_me') === 'true';
  const shares = [...ctx.standin.ocs.shares.values()].filter((share) => {
    if (withMe) return share.share_with === ctx.user || isMember(ctx, share);
    if (share.uid_owner !== ctx.user) return false;
    if (path === null) return true;
    return subfiles ? parentOf(share.path) === path.replace(/\/$/, '') : share.path === path;
  });
  sendOcs(ctx.res, 200, shares);
}

/** Deck's share provider (type 12) takes a card the sharer can edit. */
function deckCardEditable(ctx: RequestContext, cardId: number): boolean {
  const { deck } = ctx.standin;
  const card = deck.cards.get(cardId);
  const board = card && deck.boards.get(deck.stacks.get(card.stackId)?.boardId ?? 0);
  return Boolean(
    card &&
      !card.deletedAt &&
      board &&
      (board.owner === ctx.user || deck.acl.get(board.id)?.includes(ctx.user)),
  );
}

function isMember(ctx: RequestContext, share: StandinShare): boolean {
  return (
    share.share_type === 1 &&
    Boolean(ctx.standin.options.groups?.[share.share_with ?? '']?.includes(ctx.user))
  );
}

function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/')) || '/';
}

async function createShare(ctx: RequestContext): Promise<void> {
  const form = new URLSearchParams(ctx.body.toString('utf8'));
  const path = form.get('path');
  if (!path) return sendOcs(ctx.res, 404, null, 'Please specify a file or folder path');
  const itemType = await davItemType(ctx, path);
  if (!itemType) return sendOcs(ctx.res, 404, null, 'Wrong path, file/folder does not exist');
  const shareType = Number(form.get('shareType'));
  const shareWith = form.get('shareWith');
  const { users, groups = {} } = ctx.standin.options;
  if (shareType === 0 && !(shareWith && shareWith in users)) {
    return sendOcs(ctx.res, 404, null, 'Please specify a valid user');
  }
  if (shareType === 0 && shareWith === ctx.user)
    return sendOcs(ctx.res, 403, null, 'Cannot share with yourself');
  if (shareType === 1 && !(shareWith && shareWith in groups)) {
    return sendOcs(ctx.res, 404, null, 'Please specify a valid group');
  }
  if (shareType === 12 && !deckCardEditable(ctx, Number(shareWith))) {
    return sendOcs(ctx.res, 404, null, 'Sharing to the Deck card failed: card not found');
  }
  if (![0, 1, 3, 4, 6, 7, 10, 12].includes(shareType))
    return sendOcs(ctx.res, 400, null, 'Unknown share type');
  const recipient = recipientOf(ctx, shareType, shareWith ?? '', path);
  if ('refusal' in recipient) return sendOcs(ctx.res, recipient.status, null, recipient.refusal);
  const expiration = form.get('expireDate');
  const dateError = checkDate(expiration);
  if (dateError) return sendOcs(ctx.res, 404, null, dateError);
  const publicUpload = form.get('publicUpload') === 'true';
  if (publicUpload && itemType !== 'folder') {
    return sendOcs(ctx.res, 404, null, 'Public upload is only possible for publicly shared folders');
  }
  const fullPermissions = itemType === 'folder' ? 31 : 19;
  const requested = form.get('permissions');
  const permissions =
    shareType === 4
      ? linkPermissions(requested, itemType)
      : shareType === 3
        ? publicUpload
          ? 15
          : 1
        : (requested ? Number(requested) | 1 : fullPermissions) & fullPermissions;
  if (typeof permissions === 'string') return sendOcs(ctx.res, 400, null, permissions);
  const id = ctx.standin.ocs.nextId++;
  // Link, email and federated shares carry a token; only a link's URL is answered (formatShare).
  const token = [3, 4, 6].includes(shareType) ? randomBytes(8).toString('hex') : null;
  const share: StandinShare = {
    id,
    share_type: shareType,
    uid_owner: ctx.user,
    permissions,
    stime: Math.floor(Date.now() / 1000),
    expiration: expiration ? `${expiration} 00:00:00` : null,
    path,
    item_type: itemType,
    share_with: shareType === 3 ? null : shareWith,
    share_with_displayname: shareType === 3 ? null : recipient.displayName,
    token,
    ...(shareType === 3 && token ? { url: `${ctx.standin.url}/s/${token}` } : {}),
    note: form.get('note') ?? '',
    label: form.get('label') ?? '',
    password: form.get('password') || null,
  };
  ctx.standin.ocs.shares.set(id, share);
  // Deck's share provider marks the card changed, so its ETag (and its parents') moves.
  if (shareType === 12) touch(ctx.standin.deck, 'card', Number(shareWith));
  sendOcs(ctx.res, 200, share);
}

type Recipient = { displayName: string | null } | { status: number; refusal: string };

/**
 * Whom a share of type 4, 6, 7 or 10 reaches, or Nextcloud's refusal: ShareAPIController::createShare
 * and the providers behind it (sharebymail, FederatedShareProvider, Circles, Talk's RoomShareProvider).
 */
function recipientOf(ctx: RequestContext, type: number, shareWith: string, path: string): Recipient {
  if (type === 4) {
    // Mail is sent by default, and then the address is checked (Mailer::validateMailAddress).
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(shareWith))
      return { status: 404, refusal: 'Please specify a valid email address' };
    return { displayName: shareWith };
  }
  if (type === 6) {
    if (!shareWith) return { status: 404, refusal: 'Please specify a valid federated account ID' };
    const at = shareWith.lastIndexOf('@');
    const [user, host] = [shareWith.slice(0, at), shareWith.slice(at + 1).replace(/\/+$/, '')];
    // CloudIdManager::resolveCloudId's InvalidArgumentException is answered with its message.
    if (at < 1 || !host) return { status: 403, refusal: 'Invalid cloud ID' };
    const self = host === new URL(ctx.standin.url).host && user === ctx.user;
    // The provider's failure to notify the remote (or a share to oneself) is a plain \Exception,
    // which the controller answers with a 403 that hides its message.
    if (self || !ctx.standin.ocs.remoteServers.has(host))
      return { status: 403, refusal: 'Failed to create share.' };
    return { displayName: '' };
  }
  if (type === 7) {
    if (ctx.standin.ocs.missingApps.has('circles'))
      return { status: 404, refusal: 'You cannot share to a Team if the app is not enabled' };
    // The teams here are the collectives' circles, which their owners are members of.
    const team = [...ctx.standin.collectives.collectives.values()].find(
      (collective) => `circle${collective.id}` === shareWith && collective.owner === ctx.user,
    );
    return team ? { displayName: team.name } : { status: 404, refusal: 'Please specify a valid team' };
  }
  if (type === 10) {
    if (ctx.standin.ocs.missingApps.has('spreed'))
      return {
        status: 403,
        refusal: `Sharing ${path} failed because the back end does not support room shares`,
      };
    const room = ctx.standin.talk.rooms.get(shareWith);
    const member = room?.attendees.some((a) => a.actorType === 'users' && a.actorId === ctx.user);
    if (!room || !member || room.readOnly === 1) return { status: 404, refusal: 'Conversation not found' };
    return { displayName: room.name };
  }
  return { displayName: shareWith || null };
}

/**
 * An email share's permissions, as a link's (getLinkSharePermissions, validateLinkSharePermissions):
 * read unless given, share added while federation is allowed, no create or delete on a file.
 */
function linkPermissions(requested: string | null, itemType: 'file' | 'folder'): number | string {
  let permissions = requested ? Number(requested) : 1;
  if (permissions & 1) permissions |= 16;
  if (itemType === 'file') permissions &= ~(4 | 8);
  if (!(permissions & 1) && !(permissions & 4)) return 'Share must at least have READ or CREATE permissions';
  if (!(permissions & 1) && permissions & (2 | 8))
    return 'Share must have READ permission if UPDATE or DELETE permission is set';
  return permissions;
}

function updateShare(ctx: RequestContext, share: StandinShare): void {
  const form = new URLSearchParams(ctx.body.toString('utf8'));
  const fields = ['permissions', 'password', 'expireDate', 'note', 'label', 'publicUpload'];
  if (!fields.some((field) => form.has(field)))
    return sendOcs(ctx.res, 400, null, 'Wrong or no update parameter given');
  const expiration = form.get('expireDate');
  const dateError = checkDate(expiration);
  if (dateError) return sendOcs(ctx.res, 404, null, dateError);
  const permissions = form.get('permissions');
  if (permissions !== null) {
    const value = Number(permissions);
    if (!Number.isInteger(value) || value < 1 || value > 31 || (value & 1) === 0) {
      return sendOcs(ctx.res, 400, null, 'Wrong permissions');
    }
    share.permissions = value & (share.item_type === 'folder' ? 31 : 19);
  }
  if (form.has('password')) share.password = form.get('password') || null;
  if (expiration !== null) share.expiration = expiration ? `${expiration} 00:00:00` : null;
  if (form.has('note')) share.note = form.get('note') ?? '';
  if (form.has('label')) share.label = form.get('label') ?? '';
  sendOcs(ctx.res, 200, share);
}

function checkDate(value: string | null): string | undefined {
  if (!value) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) {
    return 'Invalid date, date format must be YYYY-MM-DD';
  }
  if (Date.parse(value) < Date.now() - 86_400_000) return 'Expiration date is in the past';
  return undefined;
}

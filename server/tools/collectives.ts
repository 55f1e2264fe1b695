import { z } from 'zod';
import { NotFoundError } from '../errors.js';
import type { NcRequest, NextcloudClient } from '../nextcloud/client.js';
import { displayPath, normalizeUserPath } from '../nextcloud/dav-path.js';
import { defineTool } from '../registry.js';

/**
 * Collectives app OCS API v1.0 (nextcloud/collectives appinfo/routes.php, openapi.json). Page ids
 * are the file ids of the pages' markdown files; a page's text lives in the collective's folder
 * in the member's files and is read over WebDAV (see collectives-pages.ts).
 */
const API = '/ocs/v2.php/apps/collectives/api/v1.0/collectives';

export const collectiveId = z
  .number()
  .int()
  .min(1)
  .max(Number.MAX_SAFE_INTEGER)
  .describe('The numeric id of the collective (from collectives_get_collectives)');

/**
 * The app stores one emoji per collective or page and refuses anything else (EmojiHelper: one
 * grapheme, pictographic, at most 8 code points).
 */
export const emoji = z
  .string()
  .min(1)
  .max(16)
  .refine(
    (value) =>
      [...new Intl.Segmenter().segment(value)].length === 1 && /\p{Extended_Pictographic}/u.test(value),
    'must be a single emoji, e.g. 📘',
  );

interface ApiCollective {
  id: number;
  name: string;
  emoji?: string | null;
  level?: number;
  canEdit?: boolean;
  canShare?: boolean;
  trashTimestamp?: number | null;
}

/** Team (circle) membership levels as the Circles app numbers them. */
const LEVELS: Record<number, 'member' | 'moderator' | 'admin' | 'owner'> = {
  1: 'member',
  4: 'moderator',
  8: 'admin',
  9: 'owner',
};

const collectiveShape = {
  id: z.number(),
  name: z.string(),
  emoji: z.string().nullable(),
  level: z.enum(['member', 'moderator', 'admin', 'owner']).describe('Your level in the collective team'),
  can_edit: z.boolean(),
  can_share: z.boolean(),
  trashed_at: z.string().nullable().describe('ISO 8601 time it was trashed, or null'),
};

/** ISO 8601 from the app's Unix seconds; null when absent. */
const isoFromSeconds = (seconds: number | null | undefined) =>
  seconds ? new Date(seconds * 1000).toISOString() : null;

function collectiveView(collective: ApiCollective) {
  return {
    id: collective.id,
    name: collective.name,
    emoji: collective.emoji || null,
    level: LEVELS[collective.level ?? 1] ?? 'member',
    can_edit: Boolean(collective.canEdit),
    can_share: Boolean(collective.canShare),
    trashed_at: isoFromSeconds(collective.trashTimestamp),
  };
}

export interface ApiPage {
  id: number;
  title: string;
  emoji?: string | null;
  parentId: number;
  fileName: string;
  filePath: string;
  collectivePath?: string | null;
  timestamp: number;
  size: number;
  lastUserId?: string | null;
  tags?: number[];
  subpageOrder?: number[];
  trashTimestamp?: number | null;
}

export const pageShape = {
  id: z.number(),
  title: z.string(),
  emoji: z.string().nullable(),
  parent_id: z.number().describe('The parent page; 0 for the landing page'),
  path: z
    .string()
    .nullable()
    .describe('The markdown file in your files (for the nc_webdav_* tools); null in the trash'),
  size: z.number(),
  modified: z.string().nullable().describe('ISO 8601'),
  last_user_id: z.string().nullable(),
  tags: z.array(z.number()).describe('Tag ids'),
  subpage_order: z.array(z.number()).describe('Custom order of (some) subpage ids'),
  trashed_at: z.string().nullable().describe('ISO 8601 time it was trashed, or null'),
};

/** Where the page's markdown file is in the member's files: collective folder, subfolder, file. */
function pagePath(page: ApiPage): string | null {
  if (!page.collectivePath || page.trashTimestamp) return null;
  return displayPath(normalizeUserPath([page.collectivePath, page.filePath, page.fileName].join('/')));
}

export function pageView(page: ApiPage) {
  return {
    id: page.id,
    title: page.title,
    emoji: page.emoji || null,
    parent_id: page.parentId,
    path: pagePath(page),
    size: page.size,
    modified: isoFromSeconds(page.timestamp),
    last_user_id: page.lastUserId || null,
    tags: page.tags ?? [],
    subpage_order: page.subpageOrder ?? [],
    trashed_at: isoFromSeconds(page.trashTimestamp),
  };
}

/** One OCS call to the Collectives API; `path` is below `.../collectives`. */
export function api<T>(
  nc: NextcloudClient,
  method: string,
  path: string,
  what: string,
  extra: Pick<NcRequest, 'query'> & { form?: Record<string, string | undefined> } = {},
): Promise<T> {
  return nc.ocs<T>({ method, path: `${API}${path}`, what, ...extra });
}

const read = { readOnlyHint: true, destructiveHint: false, idempotentHint: true } as const;
const listShape = { collectives: z.array(z.object(collectiveShape)), total: z.number() };

const getCollectives = defineTool({
  name: 'collectives_get_collectives',
  title: 'List collectives',
  description:
    'The Nextcloud Collectives (team wikis) you are a member of: id, name, emoji and what you may do there.',
  input: {},
  output: listShape,
  hints: read,
  async handler(_args, { nc }) {
    let data: { collectives: ApiCollective[] };
    try {
      data = await api(nc, 'GET', '', 'The collectives');
    } catch (error) {
      // The listing exists whenever the app does: a 404 means the app is not there for this user.
      if (error instanceof NotFoundError)
        throw new NotFoundError(
          'The Collectives app is not installed or not enabled for you on this Nextcloud',
          {
            cause: error,
          },
        );
      throw error;
    }
    const collectives = data.collectives.map(collectiveView);
    return { structured: { collectives, total: collectives.length } };
  },
});

const getTrashedCollectives = defineTool({
  name: 'collectives_get_trashed_collectives',
  title: 'List trashed collectives',
  description:
    'Collectives in the trash that you administer; restore them with collectives_restore_collective or ' +
    'delete them for good with collectives_delete_collective.',
  input: {},
  output: listShape,
  hints: read,
  async handler(_args, { nc }) {
    const data = await api<{ collectives: ApiCollective[] }>(nc, 'GET', '/trash', 'The trashed collectives');
    const collectives = data.collectives.map(collectiveView);
    return { structured: { collectives, total: collectives.length } };
  },
});

const createCollective = defineTool({
  name: 'collectives_create_collective',
  title: 'Create a collective',
  description:
    'Create a collective (and its team, with you as owner) with a landing page; names are unique. ' +
    'Its pages live in your files below the Collectives folder.',
  input: {
    name: z.string().min(1).max(120).describe('Name of the collective; also the name of its team and folder'),
    emoji: emoji.optional(),
  },
  output: { ...collectiveShape, info: z.string().nullable().describe("Nextcloud's note, if any") },
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(args, { nc }) {
    const data = await api<{ collective: ApiCollective; info?: string }>(
      nc,
      'POST',
      '',
      `Collective "${args.name}"`,
      { form: { name: args.name, emoji: args.emoji } },
    );
    return { structured: { ...collectiveView(data.collective), info: data.info || null } };
  },
});

const setCollectiveEmoji = defineTool({
  name: 'collectives_set_collective_emoji',
  title: 'Set a collective emoji',
  description: 'Set the emoji of a collective you administer, or clear it by leaving emoji out.',
  input: {
    collective_id: collectiveId,
    emoji: emoji.optional().describe('The emoji; leave out to clear it'),
  },
  output: collectiveShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async handler(args, { nc }) {
    // The app keeps the emoji when the parameter is missing or null and clears it when it is empty.
    const data = await api<{ collective: ApiCollective }>(
      nc,
      'PUT',
      `/${args.collective_id}`,
      `Collective ${args.collective_id}`,
      { form: { emoji: args.emoji ?? '' } },
    );
    return { structured: collectiveView(data.collective) };
  },
});

const trashCollective = defineTool({
  name: 'collectives_trash_collective',
  title: 'Trash a collective',
  description:
    'Move a collective you administer to the trash: it disappears for all members until restored ' +
    '(collectives_restore_collective) or deleted for good (collectives_delete_collective).',
  input: { collective_id: collectiveId },
  output: collectiveShape,
  hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async handler(args, { nc }) {
    const data = await api<{ collective: ApiCollective }>(
      nc,
      'DELETE',
      `/${args.collective_id}`,
      `Collective ${args.collective_id}`,
    );
    return { structured: collectiveView(data.collective) };
  },
});

const deleteCollective = defineTool({
  name: 'collectives_delete_collective',
  title: 'Delete a collective for good',
  description:
    'Permanently delete a trashed collective with all its pages (trash it first with ' +
    'collectives_trash_collective); this cannot be undone. Its team stays unless delete_team is true.',
  input: {
    collective_id: collectiveId.describe('The id of a collective in the trash'),
    delete_team: z.boolean().default(false).describe('Also delete the team (circle) behind the collective'),
  },
  output: { collective_id: z.number(), name: z.string(), deleted: z.boolean(), team_deleted: z.boolean() },
  hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async handler(args, { nc }) {
    const data = await api<{ collective: ApiCollective }>(
      nc,
      'DELETE',
      `/trash/${args.collective_id}`,
      `Collective ${args.collective_id} in the trash`,
      { query: { circle: args.delete_team } },
    );
    return {
      structured: {
        collective_id: args.collective_id,
        name: data.collective.name,
        deleted: true,
        team_deleted: args.delete_team,
      },
    };
  },
});

const restoreCollective = defineTool({
  name: 'collectives_restore_collective',
  title: 'Restore a collective',
  description: 'Bring a trashed collective back, with all its pages, for all its members.',
  input: { collective_id: collectiveId.describe('The id of a collective in the trash') },
  output: collectiveShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async handler(args, { nc }) {
    const data = await api<{ collective: ApiCollective }>(
      nc,
      'PATCH',
      `/trash/${args.collective_id}`,
      `Collective ${args.collective_id} in the trash`,
    );
    return { structured: collectiveView(data.collective) };
  },
});

interface ApiTag {
  id: number;
  name: string;
  color: string;
}
const tagShape = {
  id: z.number(),
  name: z.string(),
  color: z.string().describe('Hex colour, e.g. "0082C9"'),
};
const tagView = (tag: ApiTag) => ({ id: tag.id, name: tag.name, color: tag.color });

const getTags = defineTool({
  name: 'collectives_get_tags',
  title: 'List collective tags',
  description: 'The tags defined in a collective (id, name, colour); pages carry them by id.',
  input: { collective_id: collectiveId },
  output: { collective_id: z.number(), tags: z.array(z.object(tagShape)), total: z.number() },
  hints: read,
  async handler(args, { nc }) {
    const data = await api<{ tags: ApiTag[] }>(
      nc,
      'GET',
      `/${args.collective_id}/tags`,
      `Collective ${args.collective_id}`,
    );
    const tags = data.tags.map(tagView);
    return { structured: { collective_id: args.collective_id, tags, total: tags.length } };
  },
});

const createTag = defineTool({
  name: 'collectives_create_tag',
  title: 'Create a collective tag',
  description:
    'Define a tag in a collective you may edit; names are unique per collective. Put it on pages with collectives_assign_tag.',
  input: {
    collective_id: collectiveId,
    name: z.string().min(1).max(100),
    color: z
      .string()
      .regex(/^#?[0-9a-fA-F]{6}$/, 'a hex colour of six digits, e.g. "0082C9"')
      .describe('Hex colour of six digits, e.g. "0082C9"'),
  },
  output: tagShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(args, { nc }) {
    const data = await api<{ tag: ApiTag }>(
      nc,
      'POST',
      `/${args.collective_id}/tags`,
      `Tag "${args.name}" in collective ${args.collective_id}`,
      { form: { name: args.name, color: args.color.replace(/^#/, '') } },
    );
    return { structured: tagView(data.tag) };
  },
});

export const collectivesTools = [
  getCollectives,
  getTrashedCollectives,
  createCollective,
  setCollectiveEmoji,
  trashCollective,
  deleteCollective,
  restoreCollective,
  getTags,
  createTag,
];

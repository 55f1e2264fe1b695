import { z } from 'zod';
import { type Collective, type Page, pagePath } from '../nextcloud/collectives.js';

/** What the Collectives tools share: id and emoji arguments, and the shapes of collectives and pages. */

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

/** Team (circle) membership levels as the Circles app numbers them. */
const LEVELS: Record<number, 'member' | 'moderator' | 'admin' | 'owner'> = {
  1: 'member',
  4: 'moderator',
  8: 'admin',
  9: 'owner',
};

export const collectiveShape = {
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

export function collectiveView(collective: Collective) {
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

export function pageView(page: Page) {
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

import { z } from 'zod';
import type { Tag } from '../nextcloud/collectives.js';
import * as api from '../nextcloud/collectives.js';
import { defineTool } from '../registry.js';
import { collectiveId, collectiveShape, collectiveView, emoji } from './collectives-views.js';

/** Collectives (team wikis) and their tags; pages are in collectives-pages.ts. */

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
    const collectives = (await api.collectivesOf(nc)).map(collectiveView);
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
    const collectives = (await api.trashedCollectives(nc)).map(collectiveView);
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
    const data = await api.createCollective(nc, args.name, args.emoji);
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
    const collective = await api.changeCollective(nc, args.collective_id, { emoji: args.emoji ?? '' });
    return { structured: collectiveView(collective) };
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
    return { structured: collectiveView(await api.changeCollective(nc, args.collective_id, 'trash')) };
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
    const collective = await api.deleteCollective(nc, args.collective_id, args.delete_team);
    return {
      structured: {
        collective_id: args.collective_id,
        name: collective.name,
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
    return { structured: collectiveView(await api.changeCollective(nc, args.collective_id, 'restore')) };
  },
});

const tagShape = {
  id: z.number(),
  name: z.string(),
  color: z.string().describe('Hex colour, e.g. "0082C9"'),
};
const tagView = (tag: Tag) => ({ id: tag.id, name: tag.name, color: tag.color });

const getTags = defineTool({
  name: 'collectives_get_tags',
  title: 'List collective tags',
  description: 'The tags defined in a collective (id, name, colour); pages carry them by id.',
  input: { collective_id: collectiveId },
  output: { collective_id: z.number(), tags: z.array(z.object(tagShape)), total: z.number() },
  hints: read,
  async handler(args, { nc }) {
    const tags = (await api.tagsOf(nc, args.collective_id)).map(tagView);
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
    const tag = await api.createTag(nc, args.collective_id, args.name, args.color.replace(/^#/, ''));
    return { structured: tagView(tag) };
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

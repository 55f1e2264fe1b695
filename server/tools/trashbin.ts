import { z } from 'zod';
import { trashItemShape } from '../nextcloud/trashbin.js';
import { defineTool } from '../registry.js';

const name = z
  .string()
  .min(1)
  .max(300)
  .regex(/^[^/\\\0]+$/, 'an item name as nc_trashbin_list shows it, e.g. "report.txt.d1712345678"')
  .describe('The item as nc_trashbin_list names it');
const item = z.object(trashItemShape);

const listTrash = defineTool({
  name: 'nc_trashbin_list',
  title: 'List the trash bin',
  description:
    'List what you deleted and Nextcloud keeps in its trash bin, newest first: each item with its name in the ' +
    'trash bin (for restoring or deleting it), original location, deletion time, type and size.',
  input: {},
  output: { items: z.array(item) },
  hints: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async handler(_args, ctx) {
    return { structured: { items: await ctx.files.trash.list() } };
  },
});

const restoreTrash = defineTool({
  name: 'nc_trashbin_restore',
  title: 'Restore from the trash bin',
  description:
    'Restore an item from the trash bin to where it was. If that name is taken again, Nextcloud keeps both and ' +
    'renames the restored one ("report (restored).txt"); if its folder is gone, it goes to your files root. ' +
    'restored_to says where it went.',
  input: { name },
  output: { item, restored_to: z.string().nullable(), renamed: z.boolean() },
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(args, ctx) {
    const { item: restored, restoredTo } = await ctx.files.trash.restore(args.name);
    return {
      structured: {
        item: restored,
        restored_to: restoredTo,
        renamed: restoredTo !== null && restoredTo !== restored.original_location,
      },
    };
  },
});

const deleteTrash = defineTool({
  name: 'nc_trashbin_delete',
  title: 'Delete from the trash bin for good',
  description: 'Delete one item from the trash bin permanently. It cannot be restored afterwards.',
  input: { name },
  output: { item, deleted: z.boolean() },
  hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async handler(args, ctx) {
    return { structured: { item: await ctx.files.trash.delete(args.name), deleted: true } };
  },
});

const emptyTrash = defineTool({
  name: 'nc_trashbin_empty',
  title: 'Empty the trash bin',
  description:
    'Delete everything in the trash bin permanently: nothing in it can be restored afterwards. ' +
    'Ask the user before calling this.',
  input: {},
  output: { deleted_items: z.number() },
  hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async handler(_args, ctx) {
    return { structured: { deleted_items: await ctx.files.trash.empty() } };
  },
});

export const trashbinTools = [listTrash, restoreTrash, deleteTrash, emptyTrash];

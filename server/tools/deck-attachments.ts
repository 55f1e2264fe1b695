import { z } from 'zod';
import { NotFoundError } from '../errors.js';
import { DeckApi, type DeckAttachment } from '../nextcloud/deck.js';
import { noteFilePath } from '../nextcloud/notes.js';
import { sharePath, shareWithDeckCard } from '../nextcloud/sharing.js';
import { defineTool, type ToolContext } from '../registry.js';
import { cardId, cardWhere, id } from './deck-views.js';

/**
 * Attachments of Deck cards. Attaching a Nextcloud file does not copy it: as the Deck web UI
 * does, the file is shared with the card (share type 12, IShare::TYPE_DECK), so it stays where
 * it is and the card links to it; deleting that attachment removes the share, not the file.
 */

const attachmentShape = {
  id: z.number(),
  type: z.string().describe('file: a shared Nextcloud file; deck_file: uploaded into Deck'),
  name: z.string(),
  path: z.string().nullable(),
  mimetype: z.string().nullable(),
  created_by: z.string(),
  created_at: z.string(),
};
const attachedShape = { attachment_id: z.number(), card_id: z.number(), path: z.string() };

const attachmentView = (attachment: DeckAttachment) => ({
  id: attachment.id,
  type: attachment.type,
  name: attachment.data,
  path: attachment.extendedData?.path ?? null,
  mimetype: attachment.extendedData?.mimetype ?? null,
  created_by: attachment.createdBy,
  created_at: new Date(attachment.createdAt * 1000).toISOString(),
});

/** Shares a file with a card: never one the tenant's excluded tags cover, as for any share. */
async function shareWithCard(ctx: ToolContext, card: number, path: string) {
  const shared = await ctx.files.shareable(path);
  const attachmentId = await shareWithDeckCard(ctx.nc, shared, card);
  return { structured: { attachment_id: attachmentId, card_id: card, path: shared } };
}

const list = defineTool({
  name: 'deck_list_attachments',
  title: 'List the attachments of a card',
  description:
    'List the attachments of a Deck card: shared Nextcloud files (type file) and files uploaded into Deck (deck_file).',
  input: cardWhere,
  output: { attachments: z.array(z.object(attachmentShape)) },
  hints: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async handler(args, { nc, files }) {
    const deck = new DeckApi(nc);
    // Deck lists them by the card's id alone: the card must be where the caller says.
    await deck.card(args.board_id, args.stack_id, args.card_id);
    const attachments = await deck.attachments(args.board_id, args.stack_id, args.card_id);
    // A file attached before it was tagged is not shown: its path would tell what excluded tags hide.
    const listed = attachments.map(attachmentView);
    const shared = listed.flatMap((item) =>
      item.type === 'file' && item.path ? [{ ...item, path: item.path }] : [],
    );
    const visible = new Set((await files.visibleOnly(shared)).map((item) => item.id));
    const shown = listed.filter((item) => !(item.type === 'file' && item.path) || visible.has(item.id));
    return { structured: { attachments: shown } };
  },
});

const attachFile = defineTool({
  name: 'deck_attach_file',
  title: 'Attach a file to a card',
  description:
    'Attach one of your Nextcloud files to a Deck card without copying it (the file is shared with the card, so board members can open it). Calling twice attaches twice.',
  input: {
    card_id: cardId,
    path: z.string().min(1).max(4096).describe('Path in your files, e.g. /Documents/spec.pdf'),
  },
  output: attachedShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  handler: (args, ctx) => shareWithCard(ctx, args.card_id, sharePath(args.path)),
});

const attachNote = defineTool({
  name: 'deck_attach_note',
  title: 'Attach a note to a card',
  description:
    'Attach a note of the Notes app to a Deck card without copying it: its file is shared with the card and stays editable in Notes.',
  input: {
    card_id: cardId,
    note_id: id('note'),
  },
  output: attachedShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(args, ctx) {
    return shareWithCard(ctx, args.card_id, sharePath(await noteFilePath(ctx, args.note_id)));
  },
});

const remove = defineTool({
  name: 'deck_delete_attachment',
  title: 'Delete an attachment',
  description:
    "Remove an attachment from a Deck card. For a shared file only the link to the card goes; the file stays in its owner's files.",
  input: { ...cardWhere, attachment_id: id('attachment') },
  output: { deleted: z.boolean(), attachment_id: z.number(), type: z.string() },
  hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async handler(args, { nc }) {
    const deck = new DeckApi(nc);
    await deck.card(args.board_id, args.stack_id, args.card_id);
    const attachment = (await deck.attachments(args.board_id, args.stack_id, args.card_id)).find(
      (candidate) => candidate.id === args.attachment_id,
    );
    if (!attachment)
      throw new NotFoundError(`Attachment ${args.attachment_id} not found on card ${args.card_id}`);
    await deck.deleteAttachment(args.board_id, args.stack_id, args.card_id, attachment);
    return { structured: { deleted: true, attachment_id: attachment.id, type: attachment.type } };
  },
});

export const deckAttachmentTools = [list, attachFile, attachNote, remove];

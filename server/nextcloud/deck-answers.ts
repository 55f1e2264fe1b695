import { z } from 'zod';

/** The shapes of Deck's answers that the Deck API (deck.ts) reads; extra fields pass through. */

export const DeckUserSchema = z.looseObject({ uid: z.string(), displayname: z.string().nullish() });
export const LabelSchema = z.looseObject({ id: z.number(), title: z.string(), color: z.string() });
export type DeckLabel = z.output<typeof LabelSchema>;

/**
 * A card as Deck sends it in lists and alone. Its owner is an object in lists and a user id alone;
 * `done` arrived in Deck 1.12, and empty lists come as null.
 */
export const CardSchema = z.looseObject({
  id: z.number(),
  title: z.string(),
  description: z.string().nullish(),
  stackId: z.number(),
  type: z.string(),
  owner: z.union([DeckUserSchema, z.string()]),
  order: z.number(),
  archived: z.boolean(),
  done: z.string().nullish(),
  duedate: z.string().nullish(),
  createdAt: z.number(),
  lastModified: z.number(),
  labels: z.array(LabelSchema).nullish(),
  assignedUsers: z.array(z.looseObject({ participant: DeckUserSchema })).nullish(),
  dependentCards: z.array(z.looseObject({ id: z.number(), title: z.string().nullish() })).nullish(),
  attachmentCount: z.number().nullish(),
  commentsCount: z.number().nullish(),
});
export type DeckCard = z.output<typeof CardSchema>;

/** Deck leaves `cards` out of a stack that has none. */
export const StackSchema = z.looseObject({
  id: z.number(),
  title: z.string(),
  boardId: z.number(),
  order: z.number(),
  cards: z.array(CardSchema).optional(),
});
export type DeckStack = z.output<typeof StackSchema>;

/**
 * Labels, members and sharing rules come only with a single board. A deleted board (still listed
 * until Deck purges it) has `deletedAt` > 0.
 */
export const BoardSchema = z.looseObject({
  id: z.number(),
  title: z.string(),
  color: z.string(),
  archived: z.boolean(),
  deletedAt: z.number().nullish(),
  owner: DeckUserSchema,
  labels: z.array(LabelSchema).nullish(),
  users: z.array(DeckUserSchema).nullish(),
  acl: z
    .array(
      z.looseObject({
        participant: DeckUserSchema,
        permissionEdit: z.boolean(),
        permissionShare: z.boolean(),
        permissionManage: z.boolean(),
      }),
    )
    .nullish(),
});
export type DeckBoard = z.output<typeof BoardSchema>;

export const CommentSchema = z.looseObject({
  id: z.union([z.number(), z.string()]),
  message: z.string(),
  actorId: z.string(),
  actorType: z.string().nullish(),
  actorDisplayName: z.string().nullish(),
  creationDateTime: z.string(),
  mentions: z.array(z.looseObject({ mentionId: z.string(), mentionType: z.string() })).nullish(),
  replyTo: z.looseObject({ id: z.union([z.number(), z.string()]) }).nullish(),
});
export type DeckComment = z.output<typeof CommentSchema>;

export const AttachmentSchema = z.looseObject({
  id: z.number(),
  type: z.string(),
  data: z.string(),
  createdBy: z.string(),
  createdAt: z.number(),
  extendedData: z.looseObject({ path: z.string().nullish(), mimetype: z.string().nullish() }).nullish(),
});
export type DeckAttachment = z.output<typeof AttachmentSchema>;

/** Answers Deck sends to writes whose result the tools do not read (they read the card again). */
export const Ignored = z.unknown();

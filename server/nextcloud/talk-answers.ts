import { z } from 'zod';

/** The shapes of Talk's answers that the tools read; the rest of each answer passes unchecked. */

/** PHP sends an empty map as `[]`: maps that may be empty accept that too. */
const emptyMap = z.array(z.never());

export const MessageSchema = z.looseObject({
  id: z.number(),
  actorType: z.string(),
  actorId: z.string(),
  actorDisplayName: z.string().nullish(),
  timestamp: z.number(),
  message: z.string(),
  messageType: z.string(),
  messageParameters: z
    .union([
      z.record(
        z.string(),
        z.looseObject({ name: z.string().nullish(), id: z.union([z.string(), z.number()]).nullish() }),
      ),
      emptyMap,
    ])
    .nullish(),
  parent: z.looseObject({ id: z.number() }).nullish(),
  reactions: z.union([z.record(z.string(), z.number()), emptyMap]).nullish(),
});
export type TalkMessage = z.output<typeof MessageSchema>;

/** A conversation without a message yet has `[]` as its last message. */
export const RoomSchema = z.looseObject({
  token: z.string(),
  type: z.number(),
  name: z.string(),
  displayName: z.string().nullish(),
  description: z.string().nullish(),
  participantType: z.number().nullish(),
  readOnly: z.number().nullish(),
  unreadMessages: z.number().nullish(),
  unreadMention: z.boolean().nullish(),
  lastActivity: z.number().nullish(),
  lastReadMessage: z.number().nullish(),
  lastMessage: z.union([MessageSchema, z.array(z.unknown())]).nullish(),
  isFavorite: z.boolean().nullish(),
  status: z.string().nullish(),
});
export type TalkRoom = z.output<typeof RoomSchema>;

export const ParticipantSchema = z.looseObject({
  attendeeId: z.number(),
  actorType: z.string(),
  actorId: z.string(),
  displayName: z.string(),
  participantType: z.number(),
  inCall: z.number().nullish(),
  status: z.string().nullish(),
  statusMessage: z.string().nullish(),
});
export type TalkParticipant = z.output<typeof ParticipantSchema>;

const ReactorSchema = z.looseObject({
  actorType: z.string(),
  actorId: z.string(),
  actorDisplayName: z.string(),
});
export type TalkReactor = z.output<typeof ReactorSchema>;

/** Emoji → who reacted so; none arrives as `{}`, `[]` or null. */
export const ReactionsSchema = z.union([z.record(z.string(), z.array(ReactorSchema)), emptyMap]).nullish();

/** Talk before 17 answers a post with no message, and a read marker without the conversation. */
export const PostedSchema = z.union([MessageSchema, z.null(), emptyMap]);
export const ReadMarkerSchema = z.union([
  z.looseObject({ lastReadMessage: z.number().nullish(), unreadMessages: z.number().nullish() }),
  emptyMap,
]);

/** Talk's refusals: the reason in `data.error`, and rarely a message in `meta`. */
export const RefusalReason = z.object({ ocs: z.object({ data: z.object({ error: z.string() }) }) });
export const RefusalMessage = z.object({ ocs: z.object({ meta: z.object({ message: z.string().min(1) }) }) });

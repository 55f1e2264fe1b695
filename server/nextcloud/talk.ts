import { z } from 'zod';
import {
  errorForStatus,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  type ServerError,
  TooLargeError,
} from '../errors.js';
import {
  checkAnswer,
  headerValue,
  type NcResponse,
  type NextcloudClient,
  ocsEnvelope,
  readJson,
} from './client.js';

/**
 * Talk (spreed) OCS API: conversations and participants in API v4, chat and reactions in v1
 * (https://nextcloud-talk.readthedocs.io/en/latest/).
 */
export const ROOM = '/ocs/v2.php/apps/spreed/api/v4/room';
export const CHAT = '/ocs/v2.php/apps/spreed/api/v1/chat';
export const REACTION = '/ocs/v2.php/apps/spreed/api/v1/reaction';

/** Turns Talk's reason (`data.error`) and status into a message a person can act on, or leaves it. */
type Explain = (status: number, reason: string | undefined) => string | undefined;

const ERROR_CLASS: Record<number, new (message: string) => ServerError> = {
  400: InvalidInputError,
  403: ForbiddenError,
  404: NotFoundError,
  // The lobby: only moderators may read and write until it opens.
  412: ForbiddenError,
  413: TooLargeError,
  501: InvalidInputError,
};

/**
 * One Talk OCS call. Talk explains its refusals only in `data.error` (the OCS message stays
 * empty), so those statuses are read here instead of in the client; 304 is an answer (no messages).
 */
export async function talk<S extends z.ZodType>(
  nc: NextcloudClient,
  schema: S,
  req: {
    method: string;
    path: string;
    what: string;
    query?: Record<string, string | number | boolean | undefined>;
    form?: Record<string, string | number | undefined>;
    explain?: Explain;
  },
): Promise<{ status: number; data: z.output<S> | undefined; response: NcResponse }> {
  const form = req.form ? new URLSearchParams() : undefined;
  for (const [key, value] of Object.entries(req.form ?? {})) {
    if (value !== undefined) form?.set(key, String(value));
  }
  const response = await nc.send({
    method: req.method,
    path: req.path,
    what: req.what,
    query: { format: 'json', ...req.query },
    headers: {
      accept: 'application/json',
      'ocs-apirequest': 'true',
      ...(form === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
    },
    ...(form === undefined ? {} : { body: form.toString() }),
    accept: [304, ...Object.keys(ERROR_CLASS).map(Number)],
  });
  if (response.status === 304) return { status: 304, data: undefined, response };
  if (response.status < 300) {
    const { data } = ocsEnvelope(readJson(response, req.what), req.what);
    return { status: response.status, data: checkAnswer(schema, data, req.what), response };
  }
  throw refusal(response, req.what, req.explain);
}

/** Talk's refusal as our error, explained where Talk's reason or the status allows. */
function refusal(response: NcResponse, what: string, explain: Explain | undefined): ServerError {
  let envelope: { ocs?: { meta?: { message?: unknown }; data?: unknown } } | undefined;
  try {
    envelope = JSON.parse(response.body.toString('utf8'));
  } catch {
    // A refusal without an OCS body (a proxy's page): the status says enough.
    return errorForStatus(response.status, what);
  }
  const data = envelope?.ocs?.data as { error?: unknown } | null | undefined;
  const reason = typeof data?.error === 'string' ? data.error : undefined;
  const explained =
    explain?.(response.status, reason) ??
    (response.status === 412
      ? `${what} has its lobby closed: only its moderators can use it until the lobby opens`
      : undefined);
  const ErrorClass = ERROR_CLASS[response.status];
  if (explained && ErrorClass) return new ErrorClass(explained);
  const message = envelope?.ocs?.meta?.message;
  return errorForStatus(response.status, what, typeof message === 'string' && message ? message : reason);
}

/** The numeric header Talk uses as the paging cursor, if present. */
export function cursorOf(response: NcResponse): number | null {
  const value = Number(headerValue(response.headers, 'x-chat-last-given'));
  return Number.isSafeInteger(value) && value > 0 ? value : null;
}

/** PHP sends an empty map as `[]`: maps that may be empty accept that too. */
const emptyMap = z.array(z.never());

const MessageSchema = z.looseObject({
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
const RoomSchema = z.looseObject({
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

const ParticipantSchema = z.looseObject({
  attendeeId: z.number(),
  actorType: z.string(),
  actorId: z.string(),
  displayName: z.string(),
  participantType: z.number(),
  inCall: z.number().nullish(),
  status: z.string().nullish(),
  statusMessage: z.string().nullish(),
});

const ReactorSchema = z.looseObject({
  actorType: z.string(),
  actorId: z.string(),
  actorDisplayName: z.string(),
});
export type TalkReactor = z.output<typeof ReactorSchema>;

/** The answers of the routes the tools call. */
export const TALK = {
  rooms: z.array(RoomSchema),
  room: RoomSchema,
  participants: z.array(ParticipantSchema),
  messages: z.array(MessageSchema),
  /** Talk before 17 answers a post with no message, and a read marker without the conversation. */
  posted: z.union([MessageSchema, z.null(), emptyMap]),
  readMarker: z.union([
    z.looseObject({ lastReadMessage: z.number().nullish(), unreadMessages: z.number().nullish() }),
    emptyMap,
  ]),
  reactions: z.union([z.record(z.string(), z.array(ReactorSchema)), emptyMap]).nullish(),
  ignored: z.unknown(),
};

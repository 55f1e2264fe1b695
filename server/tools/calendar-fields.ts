import { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import { CalendarEvents } from '../nextcloud/calendar-events.js';
import { reminderSchema } from '../nextcloud/icalendar-alarms.js';
import type { EventChanges } from '../nextcloud/icalendar-write.js';
import type { ToolContext } from '../registry.js';

/** Argument and result shapes the calendar tools share, named as the Python server names them. */
export const calendarName = z
  .string()
  .min(1)
  .max(255)
  .describe(
    'The calendar\'s name (the last part of its URL, e.g. "personal"); see nc_calendar_list_calendars',
  );
export const eventUid = z.string().min(1).max(500).describe("The event's UID");
export const isoDateTime = z.string().min(10).max(40);
export const commaList = z.string().max(10_000).describe('Comma-separated');
export const timezone = z
  .string()
  .min(1)
  .max(100)
  .describe('IANA time zone of local times, e.g. America/New_York; otherwise they float');

const attendeeShape = {
  email: z.string(),
  name: z.string().nullable(),
  status: z.string().nullable(),
  role: z.string().nullable(),
};
export const eventShape = {
  uid: z.string(),
  summary: z.string(),
  start: z.string().describe('ISO 8601 with offset, or YYYY-MM-DD for all-day events'),
  end: z.string().nullable(),
  all_day: z.boolean(),
  timezone: z.string().nullable(),
  location: z.string().nullable(),
  description: z.string().nullable(),
  categories: z.array(z.string()),
  status: z.string().nullable(),
  recurrence: z.object({ rrule: z.string(), text: z.string() }).nullable(),
  recurrence_id: z
    .string()
    .nullable()
    .describe('For one occurrence of a recurring event: its original start'),
  attendees: z.array(z.object(attendeeShape)),
  calendar_name: z.string(),
  etag: z
    .string()
    .nullable()
    .describe('Pass it to nc_calendar_update_event to guard against concurrent changes'),
};
export const eventList = {
  events: z.array(z.object(eventShape)),
  total_found: z.number(),
  skipped_invalid: z.number(),
};

export const splitList = (value: string | undefined) =>
  value === undefined
    ? undefined
    : value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);

/** The event fields create and update share, as the Python server names them. */
export const eventFields = {
  title: z.string().min(1).max(1000),
  start_datetime: isoDateTime.describe(
    '"2026-01-15T14:00:00" (with timezone), "…Z" or "…+01:00", or "2026-01-15" for all-day',
  ),
  end_datetime: isoDateTime.describe('Same formats; default one hour (or one day) after the start'),
  all_day: z.boolean(),
  timezone,
  description: z.string().max(100_000),
  location: z.string().max(1000),
  categories: commaList,
  recurring: z.boolean().describe('Kept for compatibility; a recurrence_rule makes an event recurring'),
  recurrence_rule: z.string().max(1000).describe('RFC 5545 RRULE, e.g. "FREQ=WEEKLY;BYDAY=MO,WE"'),
  recurrence_end_date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .describe('YYYY-MM-DD'),
  reminder_minutes: z.number().int().min(0).max(40_320),
  reminder_email: z.boolean().describe('Also an EMAIL alarm at reminder_minutes'),
  reminders: reminders(),
  status: z.enum(['CONFIRMED', 'TENTATIVE', 'CANCELLED']),
  priority: z.number().int().min(0).max(9),
  privacy: z.enum(['PUBLIC', 'PRIVATE', 'CONFIDENTIAL']),
  attendees: commaList.describe('Comma-separated e-mail addresses'),
  url: z.string().max(2000),
  color: z
    .string()
    .max(100)
    .describe(
      'RFC 7986 colour: a CSS3 name such as "tomato" (Nextcloud\'s Calendar ignores hex); "" removes it',
    ),
};

/** The alarms of an event or task as a list; replaces reminder_minutes/reminder_email when given. */
export function reminders() {
  return z
    .array(reminderSchema)
    .max(50)
    .describe(
      'Every alarm, replacing the stored ones ([] removes them): each {action DISPLAY|EMAIL|AUDIO, and one of minutes_before, trigger ("-PT30M") or trigger_at}',
    );
}

export type EventArgs = Partial<{ [K in keyof typeof eventFields]: z.output<(typeof eventFields)[K]> }>;

export function changesOf(args: EventArgs): EventChanges {
  const categories = splitList(args.categories);
  const attendees = splitList(args.attendees);
  return {
    ...(args.title !== undefined ? { title: args.title } : {}),
    ...(args.start_datetime !== undefined ? { start: args.start_datetime } : {}),
    ...(args.end_datetime !== undefined ? { end: args.end_datetime } : {}),
    ...(args.all_day !== undefined ? { all_day: args.all_day } : {}),
    ...(args.timezone !== undefined ? { timezone: args.timezone } : {}),
    ...(args.description !== undefined ? { description: args.description } : {}),
    ...(args.location !== undefined ? { location: args.location } : {}),
    ...(categories ? { categories } : {}),
    ...(args.recurrence_rule !== undefined ? { recurrence_rule: args.recurrence_rule } : {}),
    ...(args.recurrence_end_date !== undefined ? { recurrence_end_date: args.recurrence_end_date } : {}),
    ...(args.reminder_minutes !== undefined ? { reminder_minutes: args.reminder_minutes } : {}),
    ...(args.reminder_email !== undefined ? { reminder_email: args.reminder_email } : {}),
    ...(args.reminders !== undefined ? { reminders: args.reminders } : {}),
    ...(args.color !== undefined ? { color: args.color } : {}),
    ...(args.status !== undefined ? { status: args.status } : {}),
    ...(args.priority !== undefined ? { priority: args.priority } : {}),
    ...(args.privacy !== undefined ? { privacy: args.privacy } : {}),
    ...(attendees ? { attendees } : {}),
    ...(args.url !== undefined ? { url: args.url } : {}),
  };
}

export const events = (ctx: ToolContext) => new CalendarEvents(ctx.nc, ctx.log);

/** A day (YYYY-MM-DD) or instant as a Date; days start at 00:00 UTC. */
export function dayOrTime(value: string, what: string): Date {
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(date.getTime()))
    throw new InvalidInputError(`${what} "${value}" is not a date (YYYY-MM-DD) or ISO 8601 time`);
  return date;
}

/** The shape with every field optional, leaving out those named. */
export function optional<T extends Record<string, z.ZodType>, E extends keyof T = never>(
  shape: T,
  except: readonly E[],
) {
  return Object.fromEntries(
    Object.entries(shape)
      .filter(([key]) => !except.includes(key as E))
      .map(([key, schema]) => [key, schema.optional()]),
  ) as Omit<{ [K in keyof T]: z.ZodOptional<T[K]> }, E>;
}

import { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import { defineTool } from '../registry.js';
import {
  calendarName,
  changesOf,
  commaList,
  dayOrTime,
  eventFields,
  eventList,
  eventShape,
  events,
  eventUid,
  optional,
  splitList,
  timezone,
} from './calendar-fields.js';

const listCalendars = defineTool({
  name: 'nc_calendar_list_calendars',
  title: 'List calendars',
  description:
    'List your calendars: name (used by the other calendar tools), display name, colour and what they hold.',
  input: {},
  output: {
    calendars: z.array(
      z.object({
        name: z.string(),
        display_name: z.string(),
        color: z.string().nullable(),
        components: z.array(z.string()),
      }),
    ),
    total_count: z.number(),
  },
  hints: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async handler(_args, ctx) {
    const calendars = await events(ctx).dav.calendars('VEVENT');
    return {
      structured: {
        calendars: calendars.map((c) => ({
          name: c.name,
          display_name: c.displayName,
          color: c.color ?? null,
          components: [...c.components],
        })),
        total_count: calendars.length,
      },
    };
  },
});

const createEvent = defineTool({
  name: 'nc_calendar_create_event',
  title: 'Create a calendar event',
  description:
    'Create an event: times in a time zone, all-day, recurring (RRULE), with reminder and attendees.',
  input: {
    calendar_name: calendarName,
    title: eventFields.title,
    start_datetime: eventFields.start_datetime,
    ...optional(eventFields, ['title', 'start_datetime']),
  },
  output: eventShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(args, ctx) {
    const service = events(ctx);
    const calendar = await service.dav.calendar(args.calendar_name, 'VEVENT');
    return {
      // The Python server's defaults, so its calls make the same event.
      structured: await service.create(calendar, {
        reminder_minutes: 15,
        status: 'CONFIRMED',
        priority: 5,
        privacy: 'PUBLIC',
        ...changesOf(args),
      }),
    };
  },
});

const listEvents = defineTool({
  name: 'nc_calendar_list_events',
  title: 'List calendar events',
  description:
    'Events of a calendar (or all, with search_all_calendars) within a date range, recurring events expanded into occurrences, optionally filtered.',
  input: {
    calendar_name: calendarName.optional(),
    start_date: z.string().min(10).max(40).optional().describe('YYYY-MM-DD or ISO 8601; default today'),
    end_date: z
      .string()
      .min(10)
      .max(40)
      .optional()
      .describe('YYYY-MM-DD (inclusive) or ISO 8601; default 30 days after the start'),
    limit: z.number().int().min(1).max(2000).default(50),
    search_all_calendars: z.boolean().default(false),
    categories: commaList.optional(),
    status: z.enum(['CONFIRMED', 'TENTATIVE', 'CANCELLED']).optional(),
    title_contains: z.string().min(1).max(500).optional(),
    location_contains: z.string().min(1).max(500).optional(),
    min_attendees: z.number().int().min(0).max(10_000).optional(),
    min_duration_minutes: z.number().int().min(0).max(527_040).optional(),
  },
  output: eventList,
  hints: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async handler(args, ctx) {
    const service = events(ctx);
    if (!args.search_all_calendars && !args.calendar_name)
      throw new InvalidInputError('calendar_name is required unless search_all_calendars is true');
    const from = args.start_date ? dayOrTime(args.start_date, 'start_date') : startOfToday();
    const to = args.end_date
      ? new Date(
          dayOrTime(args.end_date, 'end_date').getTime() +
            (/^\d{4}-\d{2}-\d{2}$/.test(args.end_date) ? 86_400_000 : 0),
        )
      : new Date(from.getTime() + 30 * 86_400_000);
    if (to <= from) throw new InvalidInputError('end_date must be after start_date');
    const calendars = args.search_all_calendars
      ? await service.dav.searchable('VEVENT')
      : [await service.dav.calendar(args.calendar_name ?? '', 'VEVENT')];
    const { events: found, skipped } = await service.list(calendars, from, to);
    const wanted = splitList(args.categories)?.map((c) => c.toLowerCase());
    const matching = found.filter(
      (event) =>
        (!wanted || event.categories.some((c) => wanted.includes(c.toLowerCase()))) &&
        (!args.status || event.status === args.status) &&
        (!args.title_contains || event.summary.toLowerCase().includes(args.title_contains.toLowerCase())) &&
        (!args.location_contains ||
          (event.location ?? '').toLowerCase().includes(args.location_contains.toLowerCase())) &&
        (args.min_attendees === undefined || event.attendees.length >= args.min_attendees) &&
        (args.min_duration_minutes === undefined ||
          (event.end !== null &&
            (Date.parse(event.end) - Date.parse(event.start)) / 60_000 >= args.min_duration_minutes)),
    );
    return {
      structured: {
        events: matching.slice(0, args.limit),
        total_found: matching.length,
        skipped_invalid: skipped,
      },
    };
  },
});

function startOfToday(): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

const getEvent = defineTool({
  name: 'nc_calendar_get_event',
  title: 'Get a calendar event',
  description: 'One event with its recurrence, attendees and etag.',
  input: { calendar_name: calendarName, event_uid: eventUid },
  output: eventShape,
  hints: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async handler(args, ctx) {
    const service = events(ctx);
    return {
      structured: await service.get(await service.dav.calendar(args.calendar_name, 'VEVENT'), args.event_uid),
    };
  },
});

const updateEvent = defineTool({
  name: 'nc_calendar_update_event',
  title: 'Update a calendar event',
  description:
    'Change some fields of an event; others stay. Pass the etag you read to refuse the change if someone else changed the event meanwhile.',
  input: {
    calendar_name: calendarName,
    event_uid: eventUid,
    ...optional(eventFields, [] as never[]),
    etag: z.string().min(1).max(200).optional().describe('The etag from nc_calendar_get_event or a listing'),
  },
  output: eventShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async handler(args, ctx) {
    const service = events(ctx);
    const calendar = await service.dav.calendar(args.calendar_name, 'VEVENT');
    return { structured: await service.update(calendar, args.event_uid, changesOf(args), args.etag) };
  },
});

const deleteEvent = defineTool({
  name: 'nc_calendar_delete_event',
  title: 'Delete a calendar event',
  description: 'Delete an event (a recurring event with all its occurrences).',
  input: { calendar_name: calendarName, event_uid: eventUid },
  output: { deleted: z.boolean(), event_uid: z.string() },
  hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async handler(args, ctx) {
    const service = events(ctx);
    await service.delete(await service.dav.calendar(args.calendar_name, 'VEVENT'), args.event_uid);
    return { structured: { deleted: true, event_uid: args.event_uid } };
  },
});

const createMeeting = defineTool({
  name: 'nc_calendar_create_meeting',
  title: 'Create a meeting',
  description: 'Quick meeting: a date, a start time, a duration and attendees; confirmed, with a reminder.',
  input: {
    title: eventFields.title,
    date: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .describe('YYYY-MM-DD'),
    time: z
      .string()
      .regex(/^\d{2}:\d{2}$/)
      .describe('HH:MM'),
    duration_minutes: z.number().int().min(1).max(1440).default(60),
    calendar_name: calendarName.default('personal'),
    timezone: timezone.optional(),
    attendees: eventFields.attendees.optional(),
    location: eventFields.location.optional(),
    description: eventFields.description.optional(),
    reminder_minutes: eventFields.reminder_minutes.default(15),
  },
  output: eventShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(args, ctx) {
    const [hours = 0, minutes = 0] = args.time.split(':').map(Number);
    const end = new Date(Date.UTC(2000, 0, 1, hours, minutes + args.duration_minutes));
    const dayShift = Math.floor((end.getTime() - Date.UTC(2000, 0, 1)) / 86_400_000);
    const endDate = new Date(`${args.date}T00:00:00Z`);
    endDate.setUTCDate(endDate.getUTCDate() + dayShift);
    const endLocal = `${endDate.toISOString().slice(0, 10)}T${end.toISOString().slice(11, 19)}`;
    const service = events(ctx);
    const calendar = await service.dav.calendar(args.calendar_name, 'VEVENT');
    const changes = changesOf({
      title: args.title,
      start_datetime: `${args.date}T${args.time}:00`,
      end_datetime: endLocal,
      ...(args.timezone ? { timezone: args.timezone } : {}),
      ...(args.attendees !== undefined ? { attendees: args.attendees } : {}),
      ...(args.location !== undefined ? { location: args.location } : {}),
      ...(args.description !== undefined ? { description: args.description } : {}),
      reminder_minutes: args.reminder_minutes,
      status: 'CONFIRMED',
    });
    return { structured: await service.create(calendar, changes) };
  },
});

const upcoming = defineTool({
  name: 'nc_calendar_get_upcoming_events',
  title: 'Upcoming events',
  description: 'The next events, across all calendars unless one is named.',
  input: {
    calendar_name: calendarName.optional(),
    days_ahead: z.number().int().min(1).max(366).default(7),
    limit: z.number().int().min(1).max(500).default(10),
  },
  output: eventList,
  hints: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async handler(args, ctx) {
    const service = events(ctx);
    const from = new Date();
    const calendars = args.calendar_name
      ? [await service.dav.calendar(args.calendar_name, 'VEVENT')]
      : await service.dav.searchable('VEVENT');
    const { events: found, skipped } = await service.list(
      calendars,
      from,
      new Date(from.getTime() + args.days_ahead * 86_400_000),
    );
    return {
      structured: { events: found.slice(0, args.limit), total_found: found.length, skipped_invalid: skipped },
    };
  },
});

const manageCalendar = defineTool({
  name: 'nc_calendar_manage_calendar',
  title: 'Create, rename, delete or list calendars',
  description:
    'action "create" makes a calendar (calendar_name is its URL name, display_name what people see), "update" renames it (display name and colour), "delete" removes it with all its events, "list" lists calendars.',
  input: {
    action: z.enum(['create', 'update', 'delete', 'list']),
    calendar_name: z
      .string()
      .regex(/^[\w.-]{1,100}$/, 'letters, digits, "_", "-" and "." only')
      .optional(),
    display_name: z.string().min(1).max(255).optional(),
    description: z.string().max(5000).optional(),
    color: z
      .string()
      .regex(/^#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?$/)
      .optional()
      .describe('#RRGGBB'),
  },
  output: {
    action: z.string(),
    calendars: z.array(z.object({ name: z.string(), display_name: z.string() })),
  },
  hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
  async handler(args, ctx) {
    const dav = events(ctx).dav;
    if (args.action !== 'list') {
      if (!args.calendar_name)
        throw new InvalidInputError(`calendar_name is required to ${args.action} a calendar`);
      if (args.action === 'create')
        await dav.makeCalendar(
          args.calendar_name,
          args.display_name ?? args.calendar_name,
          args.description ?? '',
          args.color,
        );
      else {
        const calendar = await dav.calendar(args.calendar_name, 'VEVENT');
        if (args.action === 'delete') await dav.deleteCalendar(calendar);
        else await dav.renameCalendar(calendar, args.display_name ?? calendar.displayName, args.color);
      }
    }
    const calendars = await dav.calendars('VEVENT');
    return {
      structured: {
        action: args.action,
        calendars: calendars.map((c) => ({ name: c.name, display_name: c.displayName })),
      },
    };
  },
});

export const calendarTools = [
  manageCalendar,
  listCalendars,
  createEvent,
  listEvents,
  getEvent,
  updateEvent,
  deleteEvent,
  createMeeting,
  upcoming,
];

import { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import type { ListedEvent } from '../nextcloud/calendar-events.js';
import type { EventChanges } from '../nextcloud/icalendar-write.js';
import { defineTool, type ToolContext } from '../registry.js';
import { calendarName, commaList, dayOrTime, events, splitList, timezone } from './calendar-fields.js';

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .describe('YYYY-MM-DD');
const MAX_DAYS = 62;

/** The UTC instant of a wall-clock time in an IANA zone (two passes settle daylight-saving edges). */
function zonedInstant(date: string, time: string, zone: string): number {
  const [hours = 0, minutes = 0] = time.split(':').map(Number);
  const [y = 0, m = 1, d = 1] = date.split('-').map(Number);
  const wall = Date.UTC(y, m - 1, d, hours, minutes);
  const offsetAt = (instant: number) => {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
      })
        .formatToParts(instant)
        .map((part) => [part.type, Number(part.value)]),
    ) as Record<string, number>;
    return (
      Date.UTC(parts.year ?? 0, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0) -
      instant
    );
  };
  const first = wall - offsetAt(wall);
  return wall - offsetAt(first);
}

function validZone(zone: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone;
  } catch {
    throw new InvalidInputError(`Unknown time zone "${zone}"; use an IANA name such as Europe/Berlin`);
  }
}

const windowPattern = /^(\d{2}:\d{2})-(\d{2}:\d{2})$/;

const findAvailability = defineTool({
  name: 'nc_calendar_find_availability',
  title: 'Find free time',
  description:
    'Free slots of at least duration_minutes in your calendars between two dates, within working hours (or preferred_times) in a time zone, skipping weekends unless asked not to. Only your own calendars are consulted; attendees are listed for reference.',
  input: {
    duration_minutes: z.number().int().min(5).max(1440),
    attendees: commaList.optional(),
    date_range_start: day.optional().describe('YYYY-MM-DD; default today'),
    date_range_end: day.optional().describe('YYYY-MM-DD (inclusive); default a week after the start'),
    business_hours_only: z
      .boolean()
      .default(true)
      .describe('09:00–17:00 unless preferred_times says otherwise'),
    exclude_weekends: z.boolean().default(true),
    preferred_times: z.string().max(200).optional().describe('Comma-separated "HH:MM-HH:MM" windows'),
    timezone: timezone.default('UTC'),
    limit: z.number().int().min(1).max(200).default(20),
  },
  output: {
    slots: z.array(z.object({ start: z.string(), end: z.string(), duration_minutes: z.number() })),
    timezone: z.string(),
    attendees_not_checked: z.array(z.string()),
  },
  hints: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async handler(args, ctx) {
    const zone = validZone(args.timezone);
    const today = new Date().toISOString().slice(0, 10);
    const first = args.date_range_start ?? today;
    const lastDate =
      args.date_range_end ??
      new Date(dayOrTime(first, 'date_range_start').getTime() + 6 * 86_400_000).toISOString().slice(0, 10);
    const days =
      Math.round(
        (dayOrTime(lastDate, 'date_range_end').getTime() - dayOrTime(first, 'date_range_start').getTime()) /
          86_400_000,
      ) + 1;
    if (days < 1 || days > MAX_DAYS)
      throw new InvalidInputError(`The date range must cover 1 to ${MAX_DAYS} days`);
    const windows = (
      splitList(args.preferred_times) ?? (args.business_hours_only ? ['09:00-17:00'] : ['00:00-23:59'])
    ).map((window) => {
      const match = windowPattern.exec(window);
      if (!match || (match[1] ?? '') >= (match[2] ?? ''))
        throw new InvalidInputError(`"${window}" is not a time window like 09:00-12:00`);
      return [match[1] ?? '', match[2] ?? ''] as const;
    });
    const service = events(ctx);
    const from = zonedInstant(first, '00:00', zone);
    const to = zonedInstant(lastDate, '23:59', zone) + 60_000;
    const { events: busy } = await service.list(
      await service.dav.calendars('VEVENT'),
      new Date(from),
      new Date(to),
    );
    const blocks = busy
      .filter((event) => event.status !== 'CANCELLED')
      .map((event) =>
        event.all_day
          ? [zonedInstant(event.start, '00:00', zone), zonedInstant(event.end ?? event.start, '00:00', zone)]
          : [Date.parse(event.start), Date.parse(event.end ?? event.start)],
      )
      .sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));
    const slots: { start: string; end: string; duration_minutes: number }[] = [];
    const need = args.duration_minutes * 60_000;
    for (let index = 0; index < days && slots.length < args.limit; index++) {
      const date = new Date(dayOrTime(first, 'date_range_start').getTime() + index * 86_400_000)
        .toISOString()
        .slice(0, 10);
      const weekday = new Date(`${date}T12:00:00Z`).getUTCDay();
      if (args.exclude_weekends && (weekday === 0 || weekday === 6)) continue;
      for (const [open, close] of windows) {
        let cursor = zonedInstant(date, open, zone);
        const end = zonedInstant(date, close, zone);
        for (const [busyStart = 0, busyEnd = 0] of [...blocks, [end, end]]) {
          if (busyEnd <= cursor) continue;
          const freeEnd = Math.min(busyStart, end);
          if (freeEnd - cursor >= need && slots.length < args.limit)
            slots.push({
              start: new Date(cursor).toISOString(),
              end: new Date(freeEnd).toISOString(),
              duration_minutes: (freeEnd - cursor) / 60_000,
            });
          cursor = Math.max(cursor, busyEnd);
          if (cursor >= end) break;
        }
      }
    }
    return { structured: { slots, timezone: zone, attendees_not_checked: splitList(args.attendees) ?? [] } };
  },
});

const bulkInput = {
  operation: z.enum(['update', 'delete', 'move']),
  title_contains: z.string().min(1).max(500).optional(),
  categories: commaList.optional(),
  calendar_name: calendarName.optional(),
  start_date: day.optional(),
  end_date: day.optional(),
  status: z.enum(['CONFIRMED', 'TENTATIVE', 'CANCELLED']).optional(),
  location_contains: z.string().min(1).max(500).optional(),
  new_title: z.string().min(1).max(1000).optional(),
  new_description: z.string().max(100_000).optional(),
  new_location: z.string().max(1000).optional(),
  new_categories: commaList.optional(),
  new_priority: z.number().int().min(0).max(9).optional(),
  new_reminder_minutes: z.number().int().min(0).max(40_320).optional(),
  target_calendar: calendarName.optional(),
};
type BulkArgs = z.output<z.ZodObject<typeof bulkInput>>;

/** What a bulk operation would do: the checked arguments and the events it applies to. */
async function planBulk(args: BulkArgs, ctx: ToolContext) {
  const changes: EventChanges = {
    ...(args.new_title !== undefined ? { title: args.new_title } : {}),
    ...(args.new_description !== undefined ? { description: args.new_description } : {}),
    ...(args.new_location !== undefined ? { location: args.new_location } : {}),
    ...(args.new_categories !== undefined ? { categories: splitList(args.new_categories) ?? [] } : {}),
    ...(args.new_priority !== undefined ? { priority: args.new_priority } : {}),
    ...(args.new_reminder_minutes !== undefined ? { reminder_minutes: args.new_reminder_minutes } : {}),
  };
  if (args.operation === 'update' && Object.keys(changes).length === 0)
    throw new InvalidInputError('An update needs at least one new_… field');
  if (args.operation === 'move' && !args.target_calendar)
    throw new InvalidInputError('A move needs target_calendar');
  const filters = describeFilters(args);
  if (filters.length === 0)
    throw new InvalidInputError('Give at least one filter; a bulk operation never applies to every event');
  const service = events(ctx);
  const calendars = args.calendar_name
    ? [await service.dav.calendar(args.calendar_name, 'VEVENT')]
    : await service.dav.searchable('VEVENT');
  const target = args.target_calendar
    ? await service.dav.calendar(args.target_calendar, 'VEVENT')
    : undefined;
  const wanted = splitList(args.categories)?.map((c) => c.toLowerCase());
  const from = args.start_date
    ? dayOrTime(args.start_date, 'start_date').getTime()
    : Number.NEGATIVE_INFINITY;
  const to = args.end_date
    ? dayOrTime(args.end_date, 'end_date').getTime() + 86_400_000
    : Number.POSITIVE_INFINITY;
  const matches = (event: ListedEvent) =>
    (!args.title_contains || event.summary.toLowerCase().includes(args.title_contains.toLowerCase())) &&
    (!args.location_contains ||
      (event.location ?? '').toLowerCase().includes(args.location_contains.toLowerCase())) &&
    (!wanted || event.categories.some((c) => wanted.includes(c.toLowerCase()))) &&
    (!args.status || event.status === args.status) &&
    Date.parse(event.start) >= from &&
    Date.parse(event.start) < to;
  const found = (await service.masters(calendars)).events.filter(matches);
  return { service, calendars, target, changes, filters, found };
}

/** The filters a call sets, as a person reads them ("title contains \"offsite\"", …). */
function describeFilters(args: BulkArgs): string[] {
  return [
    args.title_contains && `title contains "${args.title_contains}"`,
    args.location_contains && `location contains "${args.location_contains}"`,
    args.categories && `category ${args.categories}`,
    args.status && `status ${args.status}`,
    args.calendar_name && `in calendar ${args.calendar_name}`,
    args.start_date && `starting from ${args.start_date}`,
    args.end_date && `starting until ${args.end_date}`,
  ].filter((filter): filter is string => Boolean(filter));
}

/** How many titles a question lists before it says "and N more". */
const TITLES_SHOWN = 5;

const bulk = defineTool({
  name: 'nc_calendar_bulk_operations',
  title: 'Change many events at once',
  description:
    'Update, delete or move (to target_calendar) every event matching the filters (title, location, categories, status, calendar, start date range). A recurring event counts once, with all its occurrences.',
  input: bulkInput,
  output: {
    operation: z.string(),
    total_found: z.number(),
    succeeded: z.number(),
    failed: z.number(),
    results: z.array(
      z.object({
        uid: z.string(),
        title: z.string(),
        calendar_name: z.string(),
        status: z.string(),
        error: z.string().nullable(),
      }),
    ),
  },
  hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
  // Every operation is asked: an update overwrites the fields of every match, with no undo either.
  async confirm(args, ctx) {
    const { found, filters, changes } = await planBulk(args, ctx);
    if (found.length === 0) return undefined;
    const verb =
      args.operation === 'delete'
        ? 'Delete'
        : args.operation === 'move'
          ? `Move to calendar ${args.target_calendar}`
          : `Change ${Object.keys(changes).join(', ')} of`;
    const titles = found.slice(0, TITLES_SHOWN).map((event) => `"${event.summary}"`);
    const more = found.length > TITLES_SHOWN ? ` and ${found.length - TITLES_SHOWN} more` : '';
    const count = found.length === 1 ? '1 event' : `${found.length} events`;
    return {
      message: `${verb} ${count} (${filters.join(', ')}): ${titles.join(', ')}${more}?`,
      affected: found.map((event) => `${event.calendar_name}/${event.uid} ${event.etag ?? ''}`),
      declined: {
        operation: args.operation,
        total_found: found.length,
        succeeded: 0,
        failed: 0,
        results: [],
      },
    };
  },
  async handler(args, ctx) {
    const { service, calendars, target, changes, found } = await planBulk(args, ctx);
    const results = [];
    for (const event of found) {
      const calendar = calendars.find((c) => c.name === event.calendar_name);
      try {
        if (!calendar) throw new InvalidInputError(`calendar ${event.calendar_name} vanished`);
        if (args.operation === 'delete') await service.delete(calendar, event.uid);
        else if (args.operation === 'move' && target) await service.move(calendar, event.uid, target);
        else await service.update(calendar, event.uid, changes, event.etag ?? undefined);
        results.push({
          uid: event.uid,
          title: event.summary,
          calendar_name: event.calendar_name,
          status: 'done',
          error: null,
        });
      } catch (error) {
        // One event failing (changed meanwhile, gone) is reported and the others still happen.
        results.push({
          uid: event.uid,
          title: event.summary,
          calendar_name: event.calendar_name,
          status: 'failed',
          error: (error as Error).message,
        });
      }
    }
    const succeeded = results.filter((result) => result.status === 'done').length;
    return {
      structured: {
        operation: args.operation,
        total_found: found.length,
        succeeded,
        failed: results.length - succeeded,
        results,
      },
    };
  },
});

export const calendarPlanningTools = [findAvailability, bulk];

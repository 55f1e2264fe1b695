import ICAL from 'ical.js';
import { tzlib_get_ical_block } from 'timezones-ical-library';
import { InvalidInputError } from '../errors.js';

type Component = InstanceType<typeof ICAL.Component>;
type Time = InstanceType<typeof ICAL.Time>;

/** An attendee as tools show it. */
export interface Attendee {
  readonly email: string;
  readonly name: string | null;
  readonly status: string | null;
  readonly role: string | null;
}

/** One event (or one occurrence of a recurring event), structured: never raw iCalendar. */
export interface EventView {
  readonly uid: string;
  readonly summary: string;
  /** ISO 8601 with the offset in force (`2026-03-10T09:00:00-04:00`), or a date for all-day events. */
  readonly start: string;
  readonly end: string | null;
  readonly all_day: boolean;
  readonly timezone: string | null;
  readonly location: string | null;
  readonly description: string | null;
  readonly categories: string[];
  readonly status: string | null;
  readonly recurrence: { readonly rrule: string; readonly text: string } | null;
  /** The original start of this occurrence, for occurrences of a recurring event. */
  readonly recurrence_id: string | null;
  readonly attendees: Attendee[];
}

/**
 * Registers the VTIMEZONEs a calendar object carries, so its local times convert correctly, and has
 * the object use the registered zone: ical.js would otherwise build the zone again for every object
 * and expand its transitions from 1970 each time (most of the time of listing a calendar).
 */
function registerZones(calendar: Component): void {
  const cache = (calendar as unknown as { _timezoneCache?: Map<string, unknown> | null })._timezoneCache;
  for (const vtimezone of calendar.getAllSubcomponents('vtimezone')) {
    const tzid = String(vtimezone.getFirstPropertyValue('tzid') ?? '');
    if (!tzid) continue;
    if (!ICAL.TimezoneService.has(tzid)) ICAL.TimezoneService.register(vtimezone);
    const zone = ICAL.TimezoneService.get(tzid);
    if (cache instanceof Map && zone && !cache.has(tzid)) cache.set(tzid, zone);
  }
}

/** The VTIMEZONE of an IANA zone (from the timezones-ical-library data), parsed by ical.js. */
export function vtimezone(tzid: string): Component {
  const block = tzlib_get_ical_block(tzid);
  const text = Array.isArray(block) ? block[0] : undefined;
  if (!text?.startsWith('BEGIN:VTIMEZONE'))
    throw new InvalidInputError(`Unknown time zone "${tzid}"; use an IANA name such as Europe/Berlin`);
  const component = new ICAL.Component(ICAL.parse(text) as unknown as []);
  if (!ICAL.TimezoneService.has(tzid)) ICAL.TimezoneService.register(component);
  return component;
}

/** Parses one calendar object; throws on malformed iCalendar (callers skip such objects). */
export function parseCalendar(data: string): Component {
  const calendar = new ICAL.Component(ICAL.parse(data) as unknown as []);
  registerZones(calendar);
  return calendar;
}

const pad = (value: number, size = 2) => String(Math.abs(value)).padStart(size, '0');

/** ISO 8601 with the offset of the time's own zone; a date for date values. */
export function isoTime(time: Time): string {
  if (time.isDate) return `${time.year}-${pad(time.month)}-${pad(time.day)}`;
  const offset = time.utcOffset() / 60;
  const zone =
    time.zone === ICAL.Timezone.utcTimezone
      ? 'Z'
      : `${offset < 0 ? '-' : '+'}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
  return `${time.year}-${pad(time.month)}-${pad(time.day)}T${pad(time.hour)}:${pad(time.minute)}:${pad(time.second)}${zone}`;
}

const DAYS: Record<string, string> = {
  MO: 'Monday',
  TU: 'Tuesday',
  WE: 'Wednesday',
  TH: 'Thursday',
  FR: 'Friday',
  SA: 'Saturday',
  SU: 'Sunday',
};
const UNITS: Record<string, string> = {
  DAILY: 'day',
  WEEKLY: 'week',
  MONTHLY: 'month',
  YEARLY: 'year',
  HOURLY: 'hour',
  MINUTELY: 'minute',
  SECONDLY: 'second',
};

/** An RRULE in words: "every 2 weeks on Monday, Wednesday, until 2026-12-31". */
export function recurrenceText(recur: InstanceType<typeof ICAL.Recur>): string {
  const unit = UNITS[recur.freq] ?? recur.freq.toLowerCase();
  const interval = recur.interval > 1 ? `every ${recur.interval} ${unit}s` : `every ${unit}`;
  const byDay = (recur.parts.BYDAY as string[] | undefined)?.map((day) => {
    const match = /^([+-]?\d+)?([A-Z]{2})$/.exec(day);
    const name = DAYS[match?.[2] ?? ''] ?? day;
    return match?.[1] ? `the ${match[1]}. ${name}` : name;
  });
  const parts = [interval];
  if (byDay?.length) parts.push(`on ${byDay.join(', ')}`);
  if (recur.parts.BYMONTHDAY) parts.push(`on day ${(recur.parts.BYMONTHDAY as number[]).join(', ')}`);
  if (recur.count) parts.push(`${recur.count} times`);
  if (recur.until) parts.push(`until ${isoTime(recur.until)}`);
  return parts.join(', ');
}

function text(component: Component, name: string): string | null {
  const value = component.getFirstPropertyValue(name);
  return value === null || value === undefined ? null : String(value);
}

/** The structured view of a VEVENT, optionally for one occurrence's times. */
export function eventView(
  vevent: Component,
  occurrence?: { start: Time; end: Time; recurrenceId: Time },
): EventView {
  const event = new ICAL.Event(vevent);
  const start = occurrence?.start ?? event.startDate;
  const end = occurrence?.end ?? event.endDate;
  const rrule = vevent.getFirstPropertyValue('rrule') as InstanceType<typeof ICAL.Recur> | null;
  const tzid = vevent.getFirstProperty('dtstart')?.getParameter('tzid');
  return {
    uid: event.uid,
    summary: event.summary ?? '',
    start: isoTime(start),
    end: end ? isoTime(end) : null,
    all_day: start.isDate,
    timezone: typeof tzid === 'string' ? tzid : start.zone === ICAL.Timezone.utcTimezone ? 'UTC' : null,
    location: event.location || null,
    description: event.description || null,
    categories: vevent.getAllProperties('categories').flatMap((property) => property.getValues().map(String)),
    status: text(vevent, 'status'),
    recurrence: rrule ? { rrule: rrule.toString(), text: recurrenceText(rrule) } : null,
    recurrence_id: occurrence ? isoTime(occurrence.recurrenceId) : null,
    attendees: event.attendees.map((attendee) => ({
      email: String(attendee.getFirstValue()).replace(/^mailto:/i, ''),
      name: (attendee.getParameter('cn') as string | undefined) ?? null,
      status: (attendee.getParameter('partstat') as string | undefined) ?? null,
      role: (attendee.getParameter('role') as string | undefined) ?? null,
    })),
  };
}

/** Safety bound on the occurrences one series can yield in one listing. */
const MAX_OCCURRENCES = 5000;

/**
 * The events of one calendar object within [from, to): recurring series expanded into their
 * occurrences (RRULE, EXDATE and overridden instances honoured), each in its own time zone.
 */
export function eventsInRange(calendar: Component, from: Date, to: Date): EventView[] {
  const vevents = calendar.getAllSubcomponents('vevent');
  const master = vevents.find((vevent) => !vevent.hasProperty('recurrence-id'));
  const views: EventView[] = [];
  const overlaps = (start: Time, end: Time | null) =>
    (start.toJSDate() < to && (end ?? start).toJSDate() > from) ||
    (start.toJSDate() >= from && start.toJSDate() < to);
  if (!master) {
    for (const vevent of vevents) {
      const event = new ICAL.Event(vevent);
      if (overlaps(event.startDate, event.endDate)) views.push(eventView(vevent));
    }
    return views;
  }
  const event = new ICAL.Event(master, { exceptions: vevents.filter((vevent) => vevent !== master) });
  if (!event.isRecurring()) {
    if (overlaps(event.startDate, event.endDate)) views.push(eventView(master));
    return views;
  }
  const iterator = event.iterator();
  for (
    let next = iterator.next(), count = 0;
    next && count < MAX_OCCURRENCES;
    next = iterator.next(), count++
  ) {
    if (next.toJSDate() >= to) break;
    const details = event.getOccurrenceDetails(next);
    if (!overlaps(details.startDate, details.endDate)) continue;
    views.push(
      eventView(details.item.component, {
        start: details.startDate,
        end: details.endDate,
        recurrenceId: details.recurrenceId,
      }),
    );
  }
  return views;
}

import ICAL from 'ical.js';
import { InvalidInputError } from '../errors.js';
import { vtimezone } from './icalendar.js';
import { type AlarmChanges, applyAlarms } from './icalendar-alarms.js';

type Component = InstanceType<typeof ICAL.Component>;
type Time = InstanceType<typeof ICAL.Time>;

/**
 * Now in UTC. RFC 5545 has DTSTAMP, CREATED, LAST-MODIFIED and COMPLETED in UTC, and
 * `ICAL.Time.now()` is a floating local time, written without the Z.
 */
const utcNow = (): Time => ICAL.Time.fromJSDate(new Date(), true);

/** What a tool may set on an event; absent fields are left as they are on update. */
export interface EventChanges extends AlarmChanges {
  readonly title?: string;
  readonly start?: string;
  readonly end?: string;
  readonly all_day?: boolean;
  readonly timezone?: string;
  readonly description?: string;
  readonly location?: string;
  readonly categories?: readonly string[];
  readonly recurrence_rule?: string;
  readonly recurrence_end_date?: string;
  readonly status?: string;
  readonly priority?: number;
  readonly privacy?: string;
  readonly attendees?: readonly string[];
  readonly url?: string;
  /** RFC 7986 COLOR: a CSS3 colour name is what Nextcloud's Calendar shows; "" removes it. */
  readonly color?: string;
}

/**
 * A time from a tool argument: a date (all-day), an instant with `Z` or an offset (stored in
 * UTC), or a local time in `timezone` (stored with its TZID and VTIMEZONE, so recurrences keep
 * their wall-clock time across daylight-saving changes).
 */
function parseTime(
  value: string,
  allDay: boolean,
  timezone: string | undefined,
): { time: Time; tzid?: string } {
  if (allDay || /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const date = value.slice(0, 10);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date))
      throw new InvalidInputError(`"${value}" is not a date (YYYY-MM-DD)`);
    return { time: ICAL.Time.fromDateString(date) };
  }
  if (/(Z|[+-]\d{2}:?\d{2})$/.test(value)) {
    const instant = new Date(value);
    if (Number.isNaN(instant.getTime())) throw new InvalidInputError(`"${value}" is not an ISO 8601 time`);
    return { time: ICAL.Time.fromJSDate(instant, true) };
  }
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?$/.exec(value);
  if (!match)
    throw new InvalidInputError(`"${value}" is not an ISO 8601 time (YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM])`);
  const time = ICAL.Time.fromDateTimeString(`${match[1]}T${match[2]}${match[3] ?? ':00'}`);
  if (!timezone) return { time };
  vtimezone(timezone);
  time.zone = ICAL.TimezoneService.get(timezone) as InstanceType<typeof ICAL.Timezone>;
  return { time, tzid: timezone };
}

function setTime(vevent: Component, name: string, parsed: { time: Time; tzid?: string }): void {
  vevent.removeAllProperties(name);
  const property = new ICAL.Property(name, vevent);
  property.setValue(parsed.time);
  if (parsed.tzid) property.setParameter('tzid', parsed.tzid);
  vevent.addProperty(property);
}

function setText(vevent: Component, name: string, value: string | undefined): void {
  if (value === undefined) return;
  vevent.removeAllProperties(name);
  if (value !== '') vevent.addPropertyWithValue(name, value);
}

/** One CATEGORIES property with every category (none when the list is empty). */
function setCategories(component: Component, categories: readonly string[] | undefined): void {
  if (categories === undefined) return;
  component.removeAllProperties('categories');
  if (!categories.length) return;
  const property = new ICAL.Property('categories', component);
  property.setValues([...categories]);
  component.addProperty(property);
}

/** Applies changes to a VEVENT (new or read back), keeping its calendar's VTIMEZONEs complete. */
export function applyEventChanges(calendar: Component, vevent: Component, changes: EventChanges): void {
  setText(vevent, 'summary', changes.title);
  setText(vevent, 'description', changes.description);
  setText(vevent, 'location', changes.location);
  setText(vevent, 'status', changes.status?.toUpperCase());
  setText(vevent, 'class', changes.privacy?.toUpperCase());
  setText(vevent, 'url', changes.url);
  setText(vevent, 'color', changes.color);
  if (changes.priority !== undefined) {
    vevent.removeAllProperties('priority');
    vevent.addPropertyWithValue('priority', changes.priority);
  }
  setCategories(vevent, changes.categories);
  const allDay = changes.all_day ?? (vevent.getFirstPropertyValue('dtstart') as Time | null)?.isDate ?? false;
  const timezone =
    changes.timezone ?? (vevent.getFirstProperty('dtstart')?.getParameter('tzid') as string | undefined);
  if (changes.start !== undefined) {
    const start = parseTime(changes.start, allDay, timezone);
    setTime(vevent, 'dtstart', start);
    if (
      start.tzid &&
      !calendar.getAllSubcomponents('vtimezone').some((z) => z.getFirstPropertyValue('tzid') === start.tzid)
    )
      calendar.addSubcomponent(vtimezone(start.tzid));
    if (changes.end === undefined && !vevent.hasProperty('dtend') && !vevent.hasProperty('duration')) {
      const end = start.time.clone();
      if (start.time.isDate) end.day += 1;
      else end.hour += 1;
      setTime(vevent, 'dtend', { time: end, ...(start.tzid ? { tzid: start.tzid } : {}) });
    }
  }
  if (changes.end !== undefined && changes.end !== '') {
    const end = parseTime(changes.end, allDay, timezone);
    const start = vevent.getFirstPropertyValue('dtstart') as Time | null;
    if (start && end.time.compare(start) < 0)
      throw new InvalidInputError('The event would end before it starts');
    vevent.removeAllProperties('duration');
    setTime(vevent, 'dtend', end);
  }
  if (changes.recurrence_rule !== undefined) {
    vevent.removeAllProperties('rrule');
    if (changes.recurrence_rule) {
      let recur: InstanceType<typeof ICAL.Recur>;
      try {
        recur = ICAL.Recur.fromString(changes.recurrence_rule.replace(/^RRULE:/i, ''));
      } catch (error) {
        throw new InvalidInputError(
          `"${changes.recurrence_rule}" is not an RFC 5545 RRULE: ${(error as Error).message}`,
        );
      }
      if (changes.recurrence_end_date)
        recur.until = parseTime(changes.recurrence_end_date, true, undefined).time;
      vevent.addPropertyWithValue('rrule', recur);
    }
  }
  if (changes.attendees !== undefined) {
    vevent.removeAllProperties('attendee');
    for (const email of changes.attendees) {
      const attendee = new ICAL.Property('attendee', vevent);
      attendee.setValue(`mailto:${email}`);
      attendee.setParameter('partstat', 'NEEDS-ACTION');
      attendee.setParameter('role', 'REQ-PARTICIPANT');
      attendee.setParameter('rsvp', 'TRUE');
      vevent.addProperty(attendee);
    }
  }
  applyAlarms(vevent, changes, String(vevent.getFirstPropertyValue('summary') ?? ''));
  vevent.updatePropertyWithValue('dtstamp', utcNow());
  vevent.updatePropertyWithValue('last-modified', utcNow());
}

/** A new VCALENDAR holding one component (VEVENT or VTODO) with this UID. */
function newCalendar(name: 'vevent' | 'vtodo', uid: string): { calendar: Component; component: Component } {
  const calendar = new ICAL.Component('vcalendar');
  calendar.addPropertyWithValue('prodid', '-//nextcloud-mcp//EN');
  calendar.addPropertyWithValue('version', '2.0');
  const component = new ICAL.Component(name);
  component.addPropertyWithValue('uid', uid);
  component.addPropertyWithValue('created', utcNow());
  calendar.addSubcomponent(component);
  return { calendar, component };
}

/** A new VCALENDAR with one VEVENT. */
export function newEvent(uid: string, changes: EventChanges): string {
  const { calendar, component } = newCalendar('vevent', uid);
  applyEventChanges(calendar, component, changes);
  return calendar.toString();
}

/** What a tool may set on a task (VTODO); absent fields are left as they are on update. */
export interface TodoChanges extends Pick<AlarmChanges, 'reminders'> {
  readonly summary?: string;
  readonly description?: string;
  readonly status?: string;
  readonly priority?: number;
  readonly percent_complete?: number;
  readonly due?: string;
  readonly dtstart?: string;
  readonly completed?: string;
  readonly categories?: readonly string[];
}

function setOptionalTime(component: Component, name: string, value: string | undefined): void {
  if (value === undefined) return;
  component.removeAllProperties(name);
  if (value !== '') setTime(component, name, parseTime(value, false, undefined));
}

/**
 * COMPLETED is a moment in UTC (RFC 5545): a date or a time without an offset is read as UTC,
 * as the Python server reads it.
 */
function setCompleted(vtodo: Component, value: string | undefined): void {
  if (value === undefined) return;
  vtodo.removeAllProperties('completed');
  if (value === '') return;
  const { time } = parseTime(
    /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00` : value,
    false,
    undefined,
  );
  if (time.zone !== ICAL.Timezone.utcTimezone) time.zone = ICAL.Timezone.utcTimezone;
  vtodo.addPropertyWithValue('completed', time);
}

/** Applies changes to a VTODO; completing sets COMPLETED and 100 %, reopening clears them. */
export function applyTodoChanges(vtodo: Component, changes: TodoChanges): void {
  setText(vtodo, 'summary', changes.summary);
  setText(vtodo, 'description', changes.description);
  setText(vtodo, 'status', changes.status?.toUpperCase());
  for (const [name, value] of [
    ['priority', changes.priority],
    ['percent-complete', changes.percent_complete],
  ] as const) {
    if (value === undefined) continue;
    vtodo.removeAllProperties(name);
    vtodo.addPropertyWithValue(name, value);
  }
  setOptionalTime(vtodo, 'due', changes.due);
  setOptionalTime(vtodo, 'dtstart', changes.dtstart);
  setCompleted(vtodo, changes.completed);
  setCategories(vtodo, changes.categories);
  applyAlarms(vtodo, changes, String(vtodo.getFirstPropertyValue('summary') ?? ''));
  if (changes.status?.toUpperCase() === 'COMPLETED') {
    if (!vtodo.hasProperty('completed')) vtodo.addPropertyWithValue('completed', utcNow());
    vtodo.updatePropertyWithValue('percent-complete', 100);
  } else if (changes.status !== undefined) {
    vtodo.removeAllProperties('completed');
  }
  vtodo.updatePropertyWithValue('dtstamp', utcNow());
  vtodo.updatePropertyWithValue('last-modified', utcNow());
}

/** A new VCALENDAR with one VTODO. */
export function newTodo(uid: string, changes: TodoChanges): string {
  const { calendar, component } = newCalendar('vtodo', uid);
  applyTodoChanges(component, changes);
  return calendar.toString();
}

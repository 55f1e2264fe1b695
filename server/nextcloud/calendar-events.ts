import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { DAVCalendarObject } from 'tsdav';
import { NotFoundError } from '../errors.js';
import { CalDav, type CalendarRef } from './caldav.js';
import type { NextcloudClient } from './client.js';
import { readEach } from './dav-discovery.js';
import { type EventView, eventsInRange, eventView, parseCalendar } from './icalendar.js';
import { applyEventChanges, type EventChanges, newEvent } from './icalendar-write.js';

/** An event as listed: where it is, and the etag that guards an update. */
export type ListedEvent = EventView & { readonly calendar_name: string; readonly etag: string | null };

export interface ListResult {
  readonly events: ListedEvent[];
  /** Objects that are not valid iCalendar: skipped (and logged) so the rest still lists. */
  readonly skipped: number;
}

export const NOT_ICALENDAR = 'skipped a calendar object that is not valid iCalendar';

/** Calendar events over CalDAV: listing with recurrences expanded, and ETag-guarded changes. */
export class CalendarEvents {
  readonly dav: CalDav;

  constructor(
    nc: NextcloudClient,
    private readonly log: Logger,
  ) {
    this.dav = new CalDav(nc);
  }

  /** Events of some calendars overlapping [from, to), sorted by start; the calendars are read in parallel. */
  async list(calendars: readonly CalendarRef[], from: Date, to: Date): Promise<ListResult> {
    const { items: events, skipped } = await readEach(
      calendars,
      (calendar) => this.dav.objects(calendar, 'VEVENT', { start: from, end: to }),
      (object, calendar) =>
        eventsInRange(parseCalendar(String(object.data ?? '')), from, to).map((view) => ({
          ...view,
          calendar_name: calendar.name,
          etag: object.etag ?? null,
        })),
      this.log,
      NOT_ICALENDAR,
    );
    events.sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
    return { events, skipped };
  }

  /** Every event (the series itself for recurring ones, not its occurrences) of some calendars. */
  async masters(calendars: readonly CalendarRef[]): Promise<ListResult> {
    const { items: events, skipped } = await readEach(
      calendars,
      (calendar) => this.dav.objects(calendar, 'VEVENT'),
      (object, calendar) => {
        const vevent = parseCalendar(String(object.data ?? ''))
          .getAllSubcomponents('vevent')
          .find((v) => !v.hasProperty('recurrence-id'));
        return vevent
          ? [{ ...eventView(vevent), calendar_name: calendar.name, etag: object.etag ?? null }]
          : [];
      },
      this.log,
      NOT_ICALENDAR,
    );
    return { events, skipped };
  }

  /** Moves an event, as it is (occurrences, exceptions, alarms), to another calendar. */
  async move(from: CalendarRef, uid: string, to: CalendarRef): Promise<void> {
    const object = await this.find(from, uid);
    await this.dav.create(to, uid, String(object.data));
    await this.dav.delete(object, `Event ${uid}`);
  }

  find(calendar: CalendarRef, uid: string): Promise<DAVCalendarObject> {
    return findObject(this.dav, calendar, 'VEVENT', uid);
  }

  async get(calendar: CalendarRef, uid: string): Promise<ListedEvent> {
    const object = await this.find(calendar, uid);
    const vevent = parseCalendar(String(object.data))
      .getAllSubcomponents('vevent')
      .find((v) => !v.hasProperty('recurrence-id'));
    if (!vevent) throw new NotFoundError(`Event ${uid} not found in calendar ${calendar.name}`);
    return { ...eventView(vevent), calendar_name: calendar.name, etag: object.etag ?? null };
  }

  async create(calendar: CalendarRef, changes: EventChanges): Promise<ListedEvent> {
    const uid = randomUUID();
    await this.dav.create(calendar, uid, newEvent(uid, changes));
    return this.get(calendar, uid);
  }

  /**
   * Changes an event's master component. With `etag`, the write is guarded by the etag the caller
   * read, so a change made meanwhile by someone else fails (412) instead of being overwritten.
   */
  async update(
    calendar: CalendarRef,
    uid: string,
    changes: EventChanges,
    etag?: string,
  ): Promise<ListedEvent> {
    const object = await this.find(calendar, uid);
    const parsed = parseCalendar(String(object.data));
    const vevent = parsed.getAllSubcomponents('vevent').find((v) => !v.hasProperty('recurrence-id'));
    if (!vevent) throw new NotFoundError(`Event ${uid} not found in calendar ${calendar.name}`);
    applyEventChanges(parsed, vevent, changes);
    await this.dav.update(
      { ...object, ...(etag ? { etag: quote(etag) } : {}) },
      parsed.toString(),
      `Event ${uid}`,
    );
    return this.get(calendar, uid);
  }

  async delete(calendar: CalendarRef, uid: string): Promise<void> {
    await this.dav.delete(await this.find(calendar, uid), `Event ${uid}`);
  }
}

/** The calendar object holding a component with this UID (read and matched, not a guessed file name). */
export async function findObject(
  dav: CalDav,
  calendar: CalendarRef,
  component: 'VEVENT' | 'VTODO',
  uid: string,
): Promise<DAVCalendarObject> {
  // Only the objects whose UID contains it come back; the exact match is checked here.
  for (const object of await dav.objects(calendar, component, undefined, uid)) {
    let found: unknown;
    try {
      found = parseCalendar(String(object.data ?? ''))
        .getFirstSubcomponent(component.toLowerCase())
        ?.getFirstPropertyValue('uid');
    } catch {
      // A malformed object cannot be the one asked for; listings count such objects.
      continue;
    }
    if (found === uid) return object;
  }
  throw new NotFoundError(
    `${component === 'VEVENT' ? 'Event' : 'Task'} ${uid} not found in calendar ${calendar.name}`,
  );
}

/** An etag as If-Match wants it: quoted. */
export const quote = (etag: string) => (etag.startsWith('"') || etag.startsWith('W/') ? etag : `"${etag}"`);

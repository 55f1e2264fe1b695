import {
  createCalendarObject,
  type DAVCalendar,
  type DAVCalendarObject,
  DAVNamespaceShort,
  davRequest,
  deleteCalendarObject,
  fetchCalendarObjects,
  fetchCalendars,
  makeCalendar,
  updateCalendarObject,
} from 'tsdav';
import { errorForStatus } from '../errors.js';
import type { NextcloudClient } from './client.js';
import { type CollectionName, collectionName, DavHome, findCollection } from './dav-discovery.js';

/** A calendar as tools name it: the last segment of its URL (Nextcloud's `personal`, …). */
export interface CalendarRef extends CollectionName {
  readonly url: string;
  readonly components: readonly string[];
  readonly color?: string;
  readonly dav: DAVCalendar;
}

/** Calendars of the caller over CalDAV, in the discovered calendar home. */
export class CalDav extends DavHome {
  constructor(nc: NextcloudClient) {
    super(nc, 'caldav', 'Calendar');
  }

  async calendars(component: 'VEVENT' | 'VTODO'): Promise<CalendarRef[]> {
    const calendars = await fetchCalendars({ account: await this.discover(), fetch: this.fetch });
    return calendars
      .filter((calendar) => !calendar.components || calendar.components.includes(component))
      .map((calendar) => ({
        ...collectionName(calendar),
        url: calendar.url,
        components: calendar.components ?? [],
        ...(calendar.calendarColor ? { color: calendar.calendarColor } : {}),
        dav: calendar,
      }));
  }

  /** A calendar by its name (or, failing that, its display name); the error lists the ones there are. */
  async calendar(name: string, component: 'VEVENT' | 'VTODO'): Promise<CalendarRef> {
    return findCollection(await this.calendars(component), name, 'Calendar', 'calendars');
  }

  /** MKCALENDAR below the discovered calendar home. */
  async makeCalendar(
    name: string,
    displayName: string,
    description: string,
    color: string | undefined,
  ): Promise<void> {
    const responses = await makeCalendar({
      url: await this.childUrl(name),
      props: {
        [`${DAVNamespaceShort.DAV}:displayname`]: displayName,
        ...(description ? { [`${DAVNamespaceShort.CALDAV}:calendar-description`]: description } : {}),
        ...(color ? { [`${DAVNamespaceShort.CALDAV_APPLE}:calendar-color`]: color } : {}),
      },
      fetch: this.fetchFor(`Calendar ${name}`),
    });
    const failed = responses.find((response) => !response.ok && response.status !== undefined);
    if (failed) throw errorForStatus(failed.status, `Calendar ${name}`, failed.statusText);
  }

  /** PROPPATCH of the display name (and colour): what "rename" means for a calendar. */
  async renameCalendar(calendar: CalendarRef, displayName: string, color: string | undefined): Promise<void> {
    const responses = await davRequest({
      url: calendar.url,
      init: {
        method: 'PROPPATCH',
        namespace: DAVNamespaceShort.DAV,
        body: {
          propertyupdate: {
            _attributes: { 'xmlns:d': 'DAV:', 'xmlns:ca': 'http://apple.com/ns/ical/' },
            set: {
              prop: {
                [`${DAVNamespaceShort.DAV}:displayname`]: displayName,
                ...(color ? { [`${DAVNamespaceShort.CALDAV_APPLE}:calendar-color`]: color } : {}),
              },
            },
          },
        },
      },
      fetch: this.fetchFor(`Calendar ${calendar.name}`),
    });
    const failed = responses.find((response) => !response.ok);
    if (failed) throw errorForStatus(failed.status, `Calendar ${calendar.name}`, failed.statusText);
  }

  deleteCalendar(calendar: CalendarRef): Promise<void> {
    return this.deleteCollection(calendar.url, `Calendar ${calendar.name}`);
  }

  /** The calendar's objects of one component type, within a time range when given. */
  async objects(
    calendar: CalendarRef,
    component: 'VEVENT' | 'VTODO',
    range?: { start: Date; end: Date },
  ): Promise<DAVCalendarObject[]> {
    const filters = {
      'comp-filter': {
        _attributes: { name: 'VCALENDAR' },
        'comp-filter': {
          _attributes: { name: component },
          ...(range
            ? { 'time-range': { _attributes: { start: davTime(range.start), end: davTime(range.end) } } }
            : {}),
        },
      },
    };
    return fetchCalendarObjects({
      calendar: calendar.dav,
      filters,
      fetch: this.fetchFor(`Calendar ${calendar.name}`),
    });
  }

  async create(calendar: CalendarRef, uid: string, data: string): Promise<void> {
    await createCalendarObject({
      calendar: calendar.dav,
      iCalString: data,
      filename: `${encodeURIComponent(uid)}.ics`,
      // Never overwrite: a UID already there is a conflict, not an update.
      headers: { 'if-none-match': '*' },
      fetch: this.fetchFor(`Event ${uid} in calendar ${calendar.name}`),
    });
  }

  /** PUT with If-Match: an object someone changed since it was read is never overwritten. */
  async update(object: DAVCalendarObject, data: string, what: string): Promise<void> {
    await updateCalendarObject({ calendarObject: { ...object, data }, fetch: this.fetchFor(what) });
  }

  /** DELETE (with If-Match when the object has an etag); one already gone counts as deleted. */
  async delete(object: DAVCalendarObject, what: string): Promise<void> {
    await deleteCalendarObject({ calendarObject: object, fetch: this.fetchFor(what, [404]) });
  }
}

/** CalDAV's time-range format: UTC, basic ISO 8601. */
function davTime(date: Date): string {
  return `${date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')}`;
}

import {
  calendarQuery,
  createCalendarObject,
  type DAVCalendar,
  type DAVCalendarObject,
  DAVNamespaceShort,
  davRequest,
  deleteCalendarObject,
  makeCalendar,
  updateCalendarObject,
} from 'tsdav';
import { errorForStatus } from '../errors.js';
import type { NextcloudClient } from './client.js';
import {
  type CollectionName,
  collectionName,
  DavHome,
  findCollection,
  noCollections,
  reportedObjects,
} from './dav-discovery.js';

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

  /** The calendars of the home, read once per tool call (the same service object). */
  private home: Promise<DAVCalendar[]> | undefined;

  async calendars(component: 'VEVENT' | 'VTODO'): Promise<CalendarRef[]> {
    this.home ??= this.readHome().catch((error: unknown) => {
      this.home = undefined;
      throw error;
    });
    const calendars = await this.home;
    return calendars
      .filter((calendar) => !calendar.components?.length || calendar.components.includes(component))
      .map((calendar) => ({
        ...collectionName(calendar),
        url: calendar.url,
        components: calendar.components ?? [],
        ...(calendar.calendarColor ? { color: calendar.calendarColor } : {}),
        dav: calendar,
      }));
  }

  private async readHome(): Promise<DAVCalendar[]> {
    const collections = await this.homeCollections(
      {
        [`${DAVNamespaceShort.CALDAV}:supported-calendar-component-set`]: {},
        [`${DAVNamespaceShort.CALDAV_APPLE}:calendar-color`]: {},
        [`${DAVNamespaceShort.CALENDAR_SERVER}:getctag`]: {},
        [`${DAVNamespaceShort.DAV}:sync-token`]: {},
      },
      'calendar',
    );
    return collections.map(({ url, displayName, props }) => ({
      url,
      displayName,
      ctag: props.getctag,
      syncToken: props.syncToken,
      calendarColor: typeof props.calendarColor === 'string' ? props.calendarColor : undefined,
      components: componentNames(props.supportedCalendarComponentSet?.comp),
      resourcetype: Object.keys(props.resourcetype ?? {}),
    }));
  }

  /** A calendar by its name (or, failing that, its display name); the error lists the ones there are. */
  async calendar(name: string, component: 'VEVENT' | 'VTODO'): Promise<CalendarRef> {
    return findCollection(await this.calendars(component), name, 'Calendar', plural(component));
  }

  /** The calendars a search goes through; a caller without any is told how to create one. */
  async searchable(component: 'VEVENT' | 'VTODO'): Promise<CalendarRef[]> {
    const calendars = await this.calendars(component);
    if (calendars.length === 0) throw noCollections(plural(component));
    return calendars;
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
    this.home = undefined;
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
    this.home = undefined;
    const failed = responses.find((response) => !response.ok);
    if (failed) throw errorForStatus(failed.status, `Calendar ${calendar.name}`, failed.statusText);
  }

  async deleteCalendar(calendar: CalendarRef): Promise<void> {
    this.home = undefined;
    await this.deleteCollection(calendar.url, `Calendar ${calendar.name}`);
  }

  /**
   * The calendar's objects of one component type, within a time range or with a UID when given: one
   * calendar-query REPORT that returns the data too (tsdav's fetchCalendarObjects asks for the hrefs,
   * then multi-gets them: two round trips). A UID is matched as a substring by CalDAV; callers
   * compare it exactly.
   */
  async objects(
    calendar: CalendarRef,
    component: 'VEVENT' | 'VTODO',
    range?: { start: Date; end: Date },
    uid?: string,
  ): Promise<DAVCalendarObject[]> {
    const filters = {
      'comp-filter': {
        _attributes: { name: 'VCALENDAR' },
        'comp-filter': {
          _attributes: { name: component },
          ...(range
            ? { 'time-range': { _attributes: { start: davTime(range.start), end: davTime(range.end) } } }
            : {}),
          ...(uid
            ? {
                'prop-filter': {
                  _attributes: { name: 'UID' },
                  'text-match': { _attributes: { collation: 'i;octet' }, _text: uid },
                },
              }
            : {}),
        },
      },
    };
    const responses = await calendarQuery({
      url: calendar.url,
      props: { [`${DAVNamespaceShort.DAV}:getetag`]: {}, [`${DAVNamespaceShort.CALDAV}:calendar-data`]: {} },
      filters,
      depth: '1',
      fetch: this.fetchFor(`Calendar ${calendar.name}`),
    });
    return reportedObjects(responses, calendar.url, 'calendarData');
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

const plural = (component: 'VEVENT' | 'VTODO') =>
  component === 'VTODO' ? 'calendars with tasks' : 'calendars';

/** The component names of a supported-calendar-component-set (one `comp` or a list). */
function componentNames(set: unknown): string[] {
  const comps = Array.isArray(set) ? set : set && typeof set === 'object' ? [set] : [];
  return comps
    .map((comp: { _attributes?: { name?: unknown } }) => comp?._attributes?.name)
    .filter((name): name is string => typeof name === 'string' && name.length > 0);
}

/** CalDAV's time-range format: UTC, basic ISO 8601. */
function davTime(date: Date): string {
  return `${date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')}`;
}

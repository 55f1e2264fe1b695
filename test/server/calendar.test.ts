import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { davHome } from '../dav-client.js';
import { basicAuth, call, groupwareAvailable, textOf, unique, useServer } from '../harness.js';

/** Calendar tools against Radicale behind the Nextcloud stand-in (or a real Nextcloud). */
describe.runIf(groupwareAvailable())('calendar tools', () => {
  const env = useServer({ groupware: true });
  const calendar = unique('mcp')
    .replace(/[^\w-]/g, '-')
    .toLowerCase();

  /** PUTs raw iCalendar as another client would have written it (EXDATE, overridden instances). */
  async function putRaw(name: string, ics: string): Promise<void> {
    const home = await davHome(env.target, 'calendar');
    const response = await fetch(`${env.target.url}/remote.php/dav${home}${calendar}/${name}.ics`, {
      method: 'PUT',
      headers: {
        authorization: basicAuth(env.target.user, env.target.appPassword),
        'content-type': 'text/calendar',
      },
      body: ics.replace(/\n/g, '\r\n'),
    });
    expect(response.status).toBeLessThan(300);
  }
  const list = (args: Record<string, unknown>) =>
    call(env.client, 'nc_calendar_list_events', { calendar_name: calendar, ...args });

  beforeAll(async () => {
    const created = await call(env.client, 'nc_calendar_manage_calendar', {
      action: 'create',
      calendar_name: calendar,
      display_name: 'MCP tests',
      color: '#1976D2',
    });
    expect(created.isError, textOf(created)).toBeFalsy();
  });
  afterAll(async () => {
    await call(env.client, 'nc_calendar_manage_calendar', { action: 'delete', calendar_name: calendar });
  });

  it('lists the calendar it created, found through the discovered principal', async () => {
    const listed = await call(env.client, 'nc_calendar_list_calendars');
    expect(listed.data.calendars).toContainEqual(
      expect.objectContaining({ name: calendar, display_name: 'MCP tests' }),
    );
    const renamed = await call(env.client, 'nc_calendar_manage_calendar', {
      action: 'update',
      calendar_name: calendar,
      display_name: 'MCP tests (renamed)',
    });
    expect(renamed.data.calendars).toContainEqual({ name: calendar, display_name: 'MCP tests (renamed)' });
  });

  it('discovers the principal and calendar home once, not on every call', async () => {
    const log = env.target.standin?.log;
    if (!log) return;
    await call(env.client, 'nc_calendar_list_calendars');
    const before = log.length;
    await call(env.client, 'nc_calendar_list_calendars');
    // The DAV root (current-user-principal) is not asked again: only the calendar home is listed.
    const again = log.slice(before);
    expect(again).not.toContain('PROPFIND /remote.php/dav/');
    expect(again).toContain(`PROPFIND /remote.php/dav/principal-${env.target.user}/`);
  });

  it('lists across calendars with one request for the calendars and one per calendar, all at once', async () => {
    const log = env.target.standin?.log;
    if (!log) return;
    await call(env.client, 'nc_calendar_manage_calendar', {
      action: 'create',
      calendar_name: `${calendar}-2`,
    });
    try {
      const { data } = await call(env.client, 'nc_calendar_list_calendars');
      const before = log.length;
      const listed = await list({ search_all_calendars: true, start_date: '2026-01-01' });
      expect(listed.isError, listed.text).toBeFalsy();
      const sent = log.slice(before);
      // No supported-report-set per calendar, no multiget after the query: 1 + N, not 1 + 3N.
      expect(sent.filter((line) => line.startsWith('PROPFIND'))).toHaveLength(1);
      expect(sent.filter((line) => line.startsWith('REPORT'))).toHaveLength(data.total_count);
      expect(sent).toHaveLength(1 + data.total_count);
    } finally {
      await call(env.client, 'nc_calendar_manage_calendar', {
        action: 'delete',
        calendar_name: `${calendar}-2`,
      });
    }
  });

  it('keeps an event created in America/New_York at its wall-clock time, across daylight saving', async () => {
    const created = await call(env.client, 'nc_calendar_create_event', {
      calendar_name: calendar,
      title: 'Standup',
      start_datetime: '2026-03-02T09:00:00',
      end_datetime: '2026-03-02T09:15:00',
      timezone: 'America/New_York',
      recurrence_rule: 'FREQ=WEEKLY;COUNT=3',
      attendees: 'ann@example.com, bob@example.com',
    });
    expect(created.isError, textOf(created)).toBeFalsy();
    expect(created.data).toMatchObject({
      summary: 'Standup',
      start: '2026-03-02T09:00:00-05:00',
      end: '2026-03-02T09:15:00-05:00',
      timezone: 'America/New_York',
      recurrence: { rrule: 'FREQ=WEEKLY;COUNT=3', text: 'every week, 3 times' },
    });
    expect(created.data.attendees.map((a: { email: string; status: string }) => [a.email, a.status])).toEqual(
      [
        ['ann@example.com', 'NEEDS-ACTION'],
        ['bob@example.com', 'NEEDS-ACTION'],
      ],
    );
    const listed = await list({
      start_date: '2026-03-01',
      end_date: '2026-03-31',
      title_contains: 'standup',
    });
    expect(listed.data.events.map((e: { start: string }) => e.start)).toEqual([
      '2026-03-02T09:00:00-05:00',
      '2026-03-09T09:00:00-04:00',
      '2026-03-16T09:00:00-04:00',
    ]);
    expect(listed.data.events[1].recurrence_id).toBe('2026-03-09T09:00:00-04:00');
  });

  it('expands a series with an EXDATE and a moved occurrence, written by another client', async () => {
    await putRaw(
      'weekly-review',
      `BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//other client//EN
BEGIN:VEVENT
UID:weekly-review@example.com
DTSTAMP:20260101T000000Z
DTSTART:20260105T140000Z
DTEND:20260105T150000Z
SUMMARY:Weekly review
RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20260202T235959Z
EXDATE:20260112T140000Z
END:VEVENT
BEGIN:VEVENT
UID:weekly-review@example.com
DTSTAMP:20260101T000000Z
RECURRENCE-ID:20260119T140000Z
DTSTART:20260120T160000Z
DTEND:20260120T170000Z
SUMMARY:Weekly review (moved)
END:VEVENT
END:VCALENDAR
`,
    );
    const listed = await list({
      start_date: '2026-01-01',
      end_date: '2026-02-28',
      title_contains: 'weekly review',
    });
    expect(listed.data.events.map((e: { start: string; summary: string }) => [e.start, e.summary])).toEqual([
      ['2026-01-05T14:00:00Z', 'Weekly review'],
      ['2026-01-20T16:00:00Z', 'Weekly review (moved)'],
      ['2026-01-26T14:00:00Z', 'Weekly review'],
      ['2026-02-02T14:00:00Z', 'Weekly review'],
    ]);
    expect(listed.data.events[0].recurrence.text).toBe('every week, on Monday, until 2026-02-02T23:59:59Z');
  });

  it('expands a daily series, and an all-day daily series as dates', async () => {
    await call(env.client, 'nc_calendar_create_event', {
      calendar_name: calendar,
      title: 'Daily check-in',
      start_datetime: '2026-04-06T08:30:00Z',
      end_datetime: '2026-04-06T08:45:00Z',
      recurrence_rule: 'FREQ=DAILY;INTERVAL=2;COUNT=3',
    });
    const timed = await list({
      start_date: '2026-04-01',
      end_date: '2026-04-30',
      title_contains: 'check-in',
    });
    expect(timed.data.events.map((e: { start: string }) => e.start)).toEqual([
      '2026-04-06T08:30:00Z',
      '2026-04-08T08:30:00Z',
      '2026-04-10T08:30:00Z',
    ]);
    expect(timed.data.events[0].recurrence.text).toBe('every 2 days, 3 times');
    await call(env.client, 'nc_calendar_create_event', {
      calendar_name: calendar,
      title: 'Conference',
      start_datetime: '2026-10-12',
      all_day: true,
      recurrence_rule: 'FREQ=DAILY;COUNT=2',
    });
    const days = await list({
      start_date: '2026-10-01',
      end_date: '2026-10-31',
      title_contains: 'conference',
    });
    expect(days.data.events.map((e: { start: string; all_day: boolean }) => [e.start, e.all_day])).toEqual([
      ['2026-10-12', true],
      ['2026-10-13', true],
    ]);
  });

  it('creates all-day events as dates', async () => {
    const created = await call(env.client, 'nc_calendar_create_event', {
      calendar_name: calendar,
      title: 'Holiday',
      start_datetime: '2026-07-04',
      all_day: true,
    });
    expect(created.data).toMatchObject({ start: '2026-07-04', end: '2026-07-05', all_day: true });
    const listed = await list({ start_date: '2026-07-04', end_date: '2026-07-04' });
    expect(listed.data.events.map((e: { summary: string }) => e.summary)).toEqual(['Holiday']);
  });

  it('refuses an update made with a stale etag and loses nothing', async () => {
    const created = await call(env.client, 'nc_calendar_create_event', {
      calendar_name: calendar,
      title: 'Planning',
      start_datetime: '2026-05-04T10:00:00Z',
    });
    const uid = created.data.uid;
    const read = await call(env.client, 'nc_calendar_get_event', { calendar_name: calendar, event_uid: uid });
    const first = await call(env.client, 'nc_calendar_update_event', {
      calendar_name: calendar,
      event_uid: uid,
      location: 'Room 1',
      etag: read.data.etag,
    });
    expect(first.isError, textOf(first)).toBeFalsy();
    const stale = await call(env.client, 'nc_calendar_update_event', {
      calendar_name: calendar,
      event_uid: uid,
      location: 'Room 2',
      etag: read.data.etag,
    });
    expect(stale.isError).toBe(true);
    expect(textOf(stale)).toContain('changed since you read it');
    const after = await call(env.client, 'nc_calendar_get_event', {
      calendar_name: calendar,
      event_uid: uid,
    });
    expect(after.data).toMatchObject({ location: 'Room 1', summary: 'Planning' });
  });

  it.runIf(env.target?.standin !== undefined || !process.env.TEST_NEXTCLOUD_URL)(
    'skips an object that is not valid iCalendar and still lists the rest',
    async () => {
      await call(env.client, 'nc_calendar_create_event', {
        calendar_name: calendar,
        title: 'Broken one',
        start_datetime: '2026-09-01T10:00:00Z',
      });
      await call(env.client, 'nc_calendar_create_event', {
        calendar_name: calendar,
        title: 'Fine one',
        start_datetime: '2026-09-02T10:00:00Z',
      });
      if (!env.target.standin) return;
      env.target.standin.corruptCalendarData = 'Broken one';
      const listed = await list({ start_date: '2026-09-01', end_date: '2026-09-30' });
      env.target.standin.corruptCalendarData = undefined;
      expect(listed.isError, textOf(listed)).toBeFalsy();
      expect(listed.data.events.map((e: { summary: string }) => e.summary)).toEqual(['Fine one']);
      expect(listed.data.skipped_invalid).toBe(1);
    },
  );

  it('creates meetings, shows them as upcoming, and deletes events', async () => {
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const meeting = await call(env.client, 'nc_calendar_create_meeting', {
      title: 'Sync',
      date: tomorrow,
      time: '23:30',
      duration_minutes: 60,
      calendar_name: calendar,
      timezone: 'Europe/Berlin',
    });
    expect(meeting.isError, textOf(meeting)).toBeFalsy();
    expect(meeting.data.start).toBe(`${tomorrow}T23:30:00${meeting.data.start.slice(19)}`);
    expect(meeting.data.end.slice(11, 16)).toBe('00:30');
    const upcoming = await call(env.client, 'nc_calendar_get_upcoming_events', {
      calendar_name: calendar,
      days_ahead: 3,
    });
    expect(upcoming.data.events.map((e: { uid: string }) => e.uid)).toContain(meeting.data.uid);
    const deleted = await call(env.client, 'nc_calendar_delete_event', {
      calendar_name: calendar,
      event_uid: meeting.data.uid,
    });
    expect(deleted.data).toEqual({ deleted: true, event_uid: meeting.data.uid });
    const gone = await call(env.client, 'nc_calendar_get_event', {
      calendar_name: calendar,
      event_uid: meeting.data.uid,
    });
    expect(gone.isError).toBe(true);
    expect(textOf(gone)).toContain('not found');
  });

  it('names the calendars there are when asked for one that is not', async () => {
    const missing = await call(env.client, 'nc_calendar_list_events', { calendar_name: 'no-such-calendar' });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toContain(calendar);
  });
});

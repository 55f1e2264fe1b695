import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, groupwareAvailable, textOf, unique, useServer } from '../harness.js';

/** Free-time search and bulk changes, against Radicale behind the Nextcloud stand-in. */
describe.runIf(groupwareAvailable())('calendar planning tools', () => {
  const env = useServer({ groupware: true });
  const main = unique('plan')
    .replace(/[^\w-]/g, '-')
    .toLowerCase();
  const other = `${main}-other`;
  const event = (title: string, start: string, end: string, extra: Record<string, unknown> = {}) =>
    call(env.client, 'nc_calendar_create_event', {
      calendar_name: main,
      title,
      start_datetime: start,
      end_datetime: end,
      ...extra,
    });

  beforeAll(async () => {
    for (const name of [main, other]) {
      const made = await call(env.client, 'nc_calendar_manage_calendar', {
        action: 'create',
        calendar_name: name,
      });
      expect(made.isError, textOf(made)).toBeFalsy();
    }
  });
  afterAll(async () => {
    for (const name of [main, other])
      await call(env.client, 'nc_calendar_manage_calendar', { action: 'delete', calendar_name: name });
  });

  it('finds the free slots around busy times, in working hours of a time zone, skipping weekends', async () => {
    await event('Busy 1', '2026-06-01T10:00:00', '2026-06-01T11:00:00', { timezone: 'Europe/Berlin' });
    await event('Busy 2', '2026-06-01T13:00:00', '2026-06-01T15:00:00', { timezone: 'Europe/Berlin' });
    const free = await call(env.client, 'nc_calendar_find_availability', {
      duration_minutes: 60,
      date_range_start: '2026-06-01',
      date_range_end: '2026-06-01',
      timezone: 'Europe/Berlin',
      attendees: 'ann@example.com',
    });
    expect(free.isError, textOf(free)).toBeFalsy();
    expect(free.data.slots).toEqual([
      { start: '2026-06-01T07:00:00.000Z', end: '2026-06-01T08:00:00.000Z', duration_minutes: 60 },
      { start: '2026-06-01T09:00:00.000Z', end: '2026-06-01T11:00:00.000Z', duration_minutes: 120 },
      { start: '2026-06-01T13:00:00.000Z', end: '2026-06-01T15:00:00.000Z', duration_minutes: 120 },
    ]);
    expect(free.data.attendees_not_checked).toEqual(['ann@example.com']);
    const saturday = { duration_minutes: 30, date_range_start: '2026-06-06', date_range_end: '2026-06-06' };
    expect((await call(env.client, 'nc_calendar_find_availability', saturday)).data.slots).toEqual([]);
    const weekend = await call(env.client, 'nc_calendar_find_availability', {
      ...saturday,
      exclude_weekends: false,
      preferred_times: '09:00-10:00',
    });
    expect(weekend.data.slots).toEqual([
      { start: '2026-06-06T09:00:00.000Z', end: '2026-06-06T10:00:00.000Z', duration_minutes: 60 },
    ]);
  });

  it('updates, moves and deletes the events matching a filter, and refuses one without any', async () => {
    for (const day of ['07', '08', '09']) {
      await event(`Offsite ${day}`, `2026-07-${day}T09:00:00Z`, `2026-07-${day}T17:00:00Z`, {
        categories: 'team',
      });
    }
    const updated = await call(env.client, 'nc_calendar_bulk_operations', {
      operation: 'update',
      title_contains: 'offsite',
      new_location: 'Lake house',
    });
    expect(updated.data).toMatchObject({ total_found: 3, succeeded: 3, failed: 0 });
    const moved = await call(env.client, 'nc_calendar_bulk_operations', {
      operation: 'move',
      calendar_name: main,
      categories: 'team',
      start_date: '2026-07-08',
      target_calendar: other,
    });
    expect(moved.data).toMatchObject({ total_found: 2, succeeded: 2 });
    const there = await call(env.client, 'nc_calendar_list_events', {
      calendar_name: other,
      start_date: '2026-07-01',
      end_date: '2026-07-31',
    });
    expect(
      there.data.events.map((e: { summary: string; location: string }) => [e.summary, e.location]),
    ).toEqual([
      ['Offsite 08', 'Lake house'],
      ['Offsite 09', 'Lake house'],
    ]);
    const deleted = await call(env.client, 'nc_calendar_bulk_operations', {
      operation: 'delete',
      title_contains: 'Offsite',
    });
    expect(deleted.data).toMatchObject({ total_found: 3, succeeded: 3 });
    const refused = await call(env.client, 'nc_calendar_bulk_operations', { operation: 'delete' });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain('at least one filter');
  });
});

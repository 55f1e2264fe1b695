import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, groupwareAvailable, textOf, unique, useServer } from '../harness.js';

/** Task tools (VTODO over CalDAV) against Radicale behind the Nextcloud stand-in (or a real Nextcloud). */
describe.runIf(groupwareAvailable())('task tools', () => {
  const env = useServer({ groupware: true });
  const calendar = unique('tasks')
    .replace(/[^\w-]/g, '-')
    .toLowerCase();
  const create = (summary: string, args: Record<string, unknown> = {}) =>
    call(env.client, 'nc_calendar_create_todo', { calendar_name: calendar, summary, ...args });

  beforeAll(async () => {
    const made = await call(env.client, 'nc_calendar_manage_calendar', {
      action: 'create',
      calendar_name: calendar,
    });
    expect(made.isError, textOf(made)).toBeFalsy();
  });
  afterAll(async () => {
    await call(env.client, 'nc_calendar_manage_calendar', { action: 'delete', calendar_name: calendar });
  });

  it('creates tasks and filters them by status, priority, categories, text and due date', async () => {
    const urgent = await create('File the report', {
      due: '2026-12-01T17:00:00Z',
      priority: 1,
      categories: 'work, urgent',
      description: 'quarterly numbers',
    });
    expect(urgent.isError, textOf(urgent)).toBeFalsy();
    expect(urgent.data).toMatchObject({
      summary: 'File the report',
      status: 'NEEDS-ACTION',
      priority: 1,
      due: '2026-12-01T17:00:00Z',
      categories: ['work', 'urgent'],
      completed: null,
    });
    await create('Water the plants', { priority: 7, due: '2026-11-30' });
    const list = (args: Record<string, unknown>) =>
      call(env.client, 'nc_calendar_list_todos', { calendar_name: calendar, ...args }).then((r) =>
        r.data.todos.map((t: { summary: string }) => t.summary).sort(),
      );
    expect(await list({})).toEqual(['File the report', 'Water the plants']);
    expect(await list({ min_priority: 3 })).toEqual(['File the report']);
    expect(await list({ categories: 'URGENT' })).toEqual(['File the report']);
    expect(await list({ summary_contains: 'quarterly' })).toEqual(['File the report']);
    expect(await list({ due_before: '2026-12-01' })).toEqual(['Water the plants']);
  });

  it('completes a task, and search finds it across calendars', async () => {
    const made = await create('Book flights');
    const done = await call(env.client, 'nc_calendar_complete_todo', {
      calendar_name: calendar,
      todo_uid: made.data.uid,
    });
    expect(done.data).toMatchObject({ status: 'COMPLETED', percent_complete: 100 });
    // RFC 5545 has COMPLETED in UTC: with Z, not a floating local time.
    expect(done.data.completed).toEqual(expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/));
    expect(Math.abs(Date.parse(done.data.completed) - Date.now())).toBeLessThan(60_000);
    const found = await call(env.client, 'nc_calendar_search_todos', {
      status: 'COMPLETED',
      summary_contains: 'flights',
    });
    expect(
      found.data.todos.map((t: { uid: string; calendar_name: string }) => [t.uid, t.calendar_name]),
    ).toEqual([[made.data.uid, calendar]]);
    const reopened = await call(env.client, 'nc_calendar_update_todo', {
      calendar_name: calendar,
      todo_uid: made.data.uid,
      status: 'NEEDS-ACTION',
      percent_complete: 0,
    });
    expect(reopened.data).toMatchObject({ status: 'NEEDS-ACTION', completed: null, percent_complete: 0 });
    const backdated = await call(env.client, 'nc_calendar_update_todo', {
      calendar_name: calendar,
      todo_uid: made.data.uid,
      status: 'COMPLETED',
      completed: '2026-11-30T09:15:00+02:00',
    });
    expect(backdated.data.completed).toBe('2026-11-30T07:15:00Z');
    // Without an offset, a completion time is UTC (as the Python server reads it): COMPLETED is UTC.
    for (const [completed, stored] of [
      ['2026-11-30', '2026-11-30T00:00:00Z'],
      ['2026-11-30T09:15', '2026-11-30T09:15:00Z'],
    ]) {
      const floating = await call(env.client, 'nc_calendar_update_todo', {
        calendar_name: calendar,
        todo_uid: made.data.uid,
        completed,
      });
      expect(floating.data.completed, floating.text).toBe(stored);
    }
  });

  it('refuses an update with a stale etag, then deletes', async () => {
    const made = await create('Call the plumber');
    const first = await call(env.client, 'nc_calendar_update_todo', {
      calendar_name: calendar,
      todo_uid: made.data.uid,
      priority: 2,
      etag: made.data.etag,
    });
    expect(first.isError, textOf(first)).toBeFalsy();
    const stale = await call(env.client, 'nc_calendar_update_todo', {
      calendar_name: calendar,
      todo_uid: made.data.uid,
      priority: 9,
      etag: made.data.etag,
    });
    expect(stale.isError).toBe(true);
    expect(textOf(stale)).toContain('changed since you read it');
    const deleted = await call(env.client, 'nc_calendar_delete_todo', {
      calendar_name: calendar,
      todo_uid: made.data.uid,
    });
    expect(deleted.data.deleted).toBe(true);
    const gone = await call(env.client, 'nc_calendar_complete_todo', {
      calendar_name: calendar,
      todo_uid: made.data.uid,
    });
    expect(textOf(gone)).toContain('not found');
  });
});

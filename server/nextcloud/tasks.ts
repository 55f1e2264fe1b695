import { randomUUID } from 'node:crypto';
import ICAL from 'ical.js';
import type { Logger } from 'pino';
import { NotFoundError } from '../errors.js';
import { CalDav, type CalendarRef } from './caldav.js';
import { findObject, NOT_ICALENDAR, quote } from './calendar-events.js';
import type { NextcloudClient } from './client.js';
import { readEach } from './dav-discovery.js';
import { isoTime, parseCalendar } from './icalendar.js';
import { applyTodoChanges, newTodo, type TodoChanges } from './icalendar-write.js';

type Component = InstanceType<typeof ICAL.Component>;

/** A task (VTODO) as tools show it. */
export interface TaskView {
  readonly uid: string;
  readonly summary: string;
  readonly description: string | null;
  readonly status: string;
  /** 0 = undefined, 1 = highest … 9 = lowest (RFC 5545). */
  readonly priority: number;
  readonly percent_complete: number;
  readonly due: string | null;
  readonly dtstart: string | null;
  readonly completed: string | null;
  readonly categories: string[];
  readonly calendar_name: string;
  readonly etag: string | null;
}

function time(component: Component, name: string): string | null {
  const value = component.getFirstPropertyValue(name);
  return value instanceof ICAL.Time ? isoTime(value) : null;
}

function view(vtodo: Component, calendar: string, etag: string | undefined): TaskView {
  const number = (name: string) => Number(vtodo.getFirstPropertyValue(name) ?? 0);
  const text = (name: string) => {
    const value = vtodo.getFirstPropertyValue(name);
    return value === null || value === undefined || value === '' ? null : String(value);
  };
  return {
    uid: String(vtodo.getFirstPropertyValue('uid') ?? ''),
    summary: text('summary') ?? '',
    description: text('description'),
    status: text('status') ?? 'NEEDS-ACTION',
    priority: number('priority'),
    percent_complete: number('percent-complete'),
    due: time(vtodo, 'due'),
    dtstart: time(vtodo, 'dtstart'),
    completed: time(vtodo, 'completed'),
    categories: vtodo.getAllProperties('categories').flatMap((property) => property.getValues().map(String)),
    calendar_name: calendar,
    etag: etag ?? null,
  };
}

/** Tasks over CalDAV, in the calendars that hold VTODOs. */
export class Tasks {
  readonly dav: CalDav;

  constructor(
    nc: NextcloudClient,
    private readonly log: Logger,
  ) {
    this.dav = new CalDav(nc);
  }

  /** Every task of the calendars, read in parallel; objects that are not valid iCalendar are skipped and counted. */
  async list(calendars: readonly CalendarRef[]): Promise<{ tasks: TaskView[]; skipped: number }> {
    const { items: tasks, skipped } = await readEach(
      calendars,
      (calendar) => this.dav.objects(calendar, 'VTODO'),
      (object, calendar) =>
        parseCalendar(String(object.data ?? ''))
          .getAllSubcomponents('vtodo')
          .map((vtodo) => view(vtodo, calendar.name, object.etag)),
      this.log,
      NOT_ICALENDAR,
    );
    return { tasks, skipped };
  }

  async get(calendar: CalendarRef, uid: string): Promise<TaskView> {
    const object = await findObject(this.dav, calendar, 'VTODO', uid);
    const vtodo = parseCalendar(String(object.data)).getFirstSubcomponent('vtodo');
    if (!vtodo) throw new NotFoundError(`Task ${uid} not found in calendar ${calendar.name}`);
    return view(vtodo, calendar.name, object.etag);
  }

  async create(calendar: CalendarRef, changes: TodoChanges): Promise<TaskView> {
    const uid = randomUUID();
    await this.dav.create(calendar, uid, newTodo(uid, changes));
    return this.get(calendar, uid);
  }

  /** ETag-guarded like events: the caller's etag when given, else the one just read. */
  async update(calendar: CalendarRef, uid: string, changes: TodoChanges, etag?: string): Promise<TaskView> {
    const object = await findObject(this.dav, calendar, 'VTODO', uid);
    const parsed = parseCalendar(String(object.data));
    const vtodo = parsed.getFirstSubcomponent('vtodo');
    if (!vtodo) throw new NotFoundError(`Task ${uid} not found in calendar ${calendar.name}`);
    applyTodoChanges(vtodo, changes);
    await this.dav.update(
      { ...object, ...(etag ? { etag: quote(etag) } : {}) },
      parsed.toString(),
      `Task ${uid}`,
    );
    return this.get(calendar, uid);
  }

  async delete(calendar: CalendarRef, uid: string): Promise<void> {
    await this.dav.delete(await findObject(this.dav, calendar, 'VTODO', uid), `Task ${uid}`);
  }
}

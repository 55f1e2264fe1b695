import { z } from 'zod';
import type { TodoChanges } from '../nextcloud/icalendar-write.js';
import { Tasks, type TaskView } from '../nextcloud/tasks.js';
import { defineTool, type ToolContext } from '../registry.js';
import { reminders, splitList } from './calendar-fields.js';

const calendarName = z
  .string()
  .min(1)
  .max(255)
  .describe('The calendar\'s name (the last part of its URL), e.g. "tasks"');
const todoUid = z.string().min(1).max(500).describe("The task's UID");
const status = z.enum(['NEEDS-ACTION', 'IN-PROCESS', 'COMPLETED', 'CANCELLED']);
const priority = z.number().int().min(0).max(9).describe('0 = undefined, 1 = highest … 9 = lowest');
const when = z.string().min(10).max(40).describe('YYYY-MM-DD, or ISO 8601 with Z or an offset');
const categories = z.string().max(10_000).describe('Comma-separated');

const taskShape = {
  uid: z.string(),
  summary: z.string(),
  description: z.string().nullable(),
  status: z.string(),
  priority: z.number(),
  percent_complete: z.number(),
  due: z.string().nullable(),
  dtstart: z.string().nullable(),
  completed: z.string().nullable(),
  categories: z.array(z.string()),
  calendar_name: z.string(),
  etag: z
    .string()
    .nullable()
    .describe('Pass it to nc_calendar_update_todo to guard against concurrent changes'),
};
const taskList = {
  todos: z.array(z.object(taskShape)),
  total_count: z.number(),
  skipped_invalid: z.number(),
};

const filters = {
  status: status.optional(),
  min_priority: z
    .number()
    .int()
    .min(1)
    .max(9)
    .optional()
    .describe('Only tasks at least this important (priority 1 … this)'),
  categories: categories.optional(),
  summary_contains: z.string().min(1).max(500).optional().describe('Text in the summary or description'),
  due_before: when.optional().describe('Only tasks due before this'),
};
type Filters = { [K in keyof typeof filters]?: z.output<(typeof filters)[K]> };

function matches(task: TaskView, args: Filters): boolean {
  const wanted = splitList(args.categories)?.map((c) => c.toLowerCase());
  const text = args.summary_contains?.toLowerCase();
  const dueBefore = args.due_before ? Date.parse(args.due_before) : undefined;
  return (
    (!args.status || task.status === args.status) &&
    (args.min_priority === undefined || (task.priority > 0 && task.priority <= args.min_priority)) &&
    (!wanted || task.categories.some((c) => wanted.includes(c.toLowerCase()))) &&
    (!text || `${task.summary}\n${task.description ?? ''}`.toLowerCase().includes(text)) &&
    (dueBefore === undefined || (task.due !== null && Date.parse(task.due) < dueBefore))
  );
}

const tasks = (ctx: ToolContext) => new Tasks(ctx.nc, ctx.log);

const fields = {
  description: z.string().max(100_000).optional(),
  status: status.optional(),
  priority: priority.optional(),
  due: when.optional(),
  dtstart: when.optional(),
  categories: categories.optional(),
  reminders: reminders().optional(),
};

/** Tool arguments as task changes: the comma-separated categories become a list. */
function changesOf(args: Omit<TodoChanges, 'categories'> & { categories?: string | undefined }): TodoChanges {
  const { categories: list, ...rest } = args;
  const names = splitList(list);
  return { ...rest, ...(names ? { categories: names } : {}) };
}

const listTodos = defineTool({
  name: 'nc_calendar_list_todos',
  title: 'List tasks',
  description:
    'Tasks of one calendar, optionally filtered by status, priority, categories, text or due date.',
  input: { calendar_name: calendarName, ...filters },
  output: taskList,
  hints: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async handler(args, ctx) {
    const service = tasks(ctx);
    const { tasks: found, skipped } = await service.list([
      await service.dav.calendar(args.calendar_name, 'VTODO'),
    ]);
    const matching = found.filter((task) => matches(task, args));
    return { structured: { todos: matching, total_count: matching.length, skipped_invalid: skipped } };
  },
});

const searchTodos = defineTool({
  name: 'nc_calendar_search_todos',
  title: 'Search tasks',
  description:
    'Tasks across all calendars that hold tasks, filtered by status, priority, categories, text or due date; soonest due first.',
  input: filters,
  output: taskList,
  hints: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async handler(args, ctx) {
    const service = tasks(ctx);
    const { tasks: found, skipped } = await service.list(await service.dav.searchable('VTODO'));
    const matching = found
      .filter((task) => matches(task, args))
      .sort(
        (a, b) =>
          (a.due ? Date.parse(a.due) : Number.POSITIVE_INFINITY) -
          (b.due ? Date.parse(b.due) : Number.POSITIVE_INFINITY),
      );
    return { structured: { todos: matching, total_count: matching.length, skipped_invalid: skipped } };
  },
});

const createTodo = defineTool({
  name: 'nc_calendar_create_todo',
  title: 'Create a task',
  description: 'Create a task with an optional due date, priority and categories.',
  input: { calendar_name: calendarName, summary: z.string().min(1).max(1000), ...fields },
  output: taskShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(args, ctx) {
    const service = tasks(ctx);
    const { calendar_name, ...rest } = args;
    const calendar = await service.dav.calendar(calendar_name, 'VTODO');
    return { structured: await service.create(calendar, { status: 'NEEDS-ACTION', ...changesOf(rest) }) };
  },
});

const updateTodo = defineTool({
  name: 'nc_calendar_update_todo',
  title: 'Update a task',
  description:
    'Change some fields of a task; others stay. Pass the etag you read to refuse the change if someone else changed it meanwhile.',
  input: {
    calendar_name: calendarName,
    todo_uid: todoUid,
    summary: z.string().min(1).max(1000).optional(),
    ...fields,
    percent_complete: z.number().int().min(0).max(100).optional(),
    completed: when.optional().describe('When it was completed: ISO 8601 (without an offset, UTC)'),
    etag: z.string().min(1).max(200).optional(),
  },
  output: taskShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async handler(args, ctx) {
    const service = tasks(ctx);
    const { calendar_name, todo_uid, etag, ...rest } = args;
    const calendar = await service.dav.calendar(calendar_name, 'VTODO');
    return { structured: await service.update(calendar, todo_uid, changesOf(rest), etag) };
  },
});

const completeTodo = defineTool({
  name: 'nc_calendar_complete_todo',
  title: 'Complete a task',
  description:
    'Mark a task completed (status COMPLETED, 100 %, completion time now or `completed`). Pass the etag you read to refuse it if the task changed meanwhile.',
  input: {
    calendar_name: calendarName,
    todo_uid: todoUid,
    completed: when
      .optional()
      .describe('When it was completed (ISO 8601; without an offset, UTC); default now'),
    etag: z.string().min(1).max(200).optional(),
  },
  output: taskShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async handler(args, ctx) {
    const service = tasks(ctx);
    const calendar = await service.dav.calendar(args.calendar_name, 'VTODO');
    const changes = { status: 'COMPLETED', ...(args.completed ? { completed: args.completed } : {}) };
    return { structured: await service.update(calendar, args.todo_uid, changes, args.etag) };
  },
});

const deleteTodo = defineTool({
  name: 'nc_calendar_delete_todo',
  title: 'Delete a task',
  description: 'Delete a task (VTODO) from a calendar; it cannot be restored afterwards.',
  input: { calendar_name: calendarName, todo_uid: todoUid },
  output: { deleted: z.boolean(), todo_uid: z.string() },
  hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async handler(args, ctx) {
    const service = tasks(ctx);
    await service.delete(await service.dav.calendar(args.calendar_name, 'VTODO'), args.todo_uid);
    return { structured: { deleted: true, todo_uid: args.todo_uid } };
  },
});

export const taskTools = [listTodos, searchTodos, createTodo, updateTodo, completeTodo, deleteTodo];

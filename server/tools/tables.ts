import { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import type { Column, Row } from '../nextcloud/tables.js';
import * as tables from '../nextcloud/tables.js';
import { defineTool } from '../registry.js';

const tableId = z.number().int().min(1).max(2_147_483_647).describe('The numeric id of the table');
const rowId = z.number().int().min(1).max(2_147_483_647).describe('The numeric id of the row');
const cell = z.union([
  z.string().max(100_000),
  z.number().min(-1e15).max(1e15),
  z.boolean(),
  z.array(z.string().max(500)).max(100),
]);
const rowData = z
  .record(z.string().min(1).max(200), cell)
  .describe('Values by column title (or column id), e.g. {"Name": "Bolts", "Count": 12}');

const columnShape = {
  id: z.number(),
  title: z.string(),
  type: z.string().describe('text, number, datetime or selection, refined by subtype'),
  subtype: z.string(),
  mandatory: z.boolean(),
  options: z.array(z.string()).nullable().describe('The choices of a selection column'),
};
const rowShape = {
  id: z.number(),
  values: z
    .record(
      z.string(),
      // Whatever JSON the column holds (typed, so schema linters see no open hole).
      z.json().describe('A cell: text, a number, a boolean, a list of selection labels, or null'),
    )
    .describe('Values by column title'),
  last_edit_at: z.string().nullable(),
};

function columnView(column: Column) {
  return {
    id: column.id,
    title: column.title,
    type: column.type,
    subtype: column.subtype ?? '',
    mandatory: Boolean(column.mandatory),
    options: column.selectionOptions?.length ? column.selectionOptions.map((option) => option.label) : null,
  };
}

/** A row with its values by column title; selections shown by their labels, checks as booleans. */
function rowView(row: Row, columns: readonly Column[]) {
  const values: Record<string, z.core.util.JSONType> = {};
  for (const { columnId, value } of row.data) {
    const column = columns.find((candidate) => candidate.id === columnId);
    if (!column) continue;
    const label = (id: z.core.util.JSONType) =>
      column.selectionOptions?.find((option) => option.id === Number(id))?.label ?? id;
    if (column.type !== 'selection') values[column.title] = value;
    // Tables takes a check as a boolean and answers the string "true" or "false".
    else if (column.subtype === 'check') values[column.title] = value === true || value === 'true';
    else values[column.title] = Array.isArray(value) ? value.map(label) : label(value);
  }
  return { id: row.id, values, last_edit_at: row.lastEditAt ?? null };
}

/**
 * Turns values by title (or id) into the app's `{columnId: value}`, checked against each column's
 * type first so a model learns what is wrong before anything is written.
 */
function toColumnData(
  columns: readonly Column[],
  data: Record<string, z.output<typeof cell>>,
  creating: boolean,
) {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    const column =
      columns.find((candidate) => candidate.title === key) ??
      columns.find((candidate) => String(candidate.id) === key);
    if (!column)
      throw new InvalidInputError(`No column "${key}"; columns: ${columns.map((c) => c.title).join(', ')}`);
    out[String(column.id)] = cellValue(column, value);
  }
  if (creating) {
    const missing = columns.filter((column) => column.mandatory && out[String(column.id)] === undefined);
    if (missing.length)
      throw new InvalidInputError(`Mandatory columns missing: ${missing.map((c) => c.title).join(', ')}`);
  }
  return out;
}

function cellValue(column: Column, value: z.output<typeof cell>): unknown {
  const fail = (expected: string) => {
    throw new InvalidInputError(`Column "${column.title}" takes ${expected}, not ${JSON.stringify(value)}`);
  };
  switch (column.type) {
    case 'number': {
      const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof number !== 'number' || !Number.isFinite(number)) return fail('a number');
      if (column.numberMin != null && number < column.numberMin)
        return fail(`a number ≥ ${column.numberMin}`);
      if (column.numberMax != null && number > column.numberMax)
        return fail(`a number ≤ ${column.numberMax}`);
      return number;
    }
    case 'text':
      if (typeof value !== 'string') return fail('text');
      if (column.textMaxLength != null && column.textMaxLength > 0 && value.length > column.textMaxLength)
        return fail(`text of at most ${column.textMaxLength} characters`);
      if (column.subtype === 'link' && value && !/^https?:\/\//.test(value)) return fail('an http(s) link');
      return value;
    case 'datetime': {
      const pattern =
        column.subtype === 'date'
          ? /^\d{4}-\d{2}-\d{2}$/
          : column.subtype === 'time'
            ? /^\d{2}:\d{2}$/
            : /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;
      if (typeof value !== 'string' || !pattern.test(value))
        return fail(
          column.subtype === 'date'
            ? 'a date YYYY-MM-DD'
            : column.subtype === 'time'
              ? 'a time HH:MM'
              : 'a date and time YYYY-MM-DDTHH:MM',
        );
      return value;
    }
    case 'selection': {
      if (column.subtype === 'check') {
        if (typeof value === 'boolean') return value;
        return fail('true or false');
      }
      const options = column.selectionOptions ?? [];
      const idOf = (label: unknown) => {
        const option = options.find((candidate) => candidate.label === label);
        if (!option) return fail(`one of ${options.map((o) => `"${o.label}"`).join(', ')}`);
        return option.id;
      };
      if (column.subtype === 'multi') return (Array.isArray(value) ? value : [value]).map(idOf);
      return idOf(value);
    }
    default:
      return value;
  }
}

const filterShape = z.strictObject({
  column: z.string().min(1).max(200),
  operator: z.enum(['equals', 'contains', 'greater_than', 'less_than']).default('equals'),
  value: z.union([z.string().max(1000), z.number().min(-1e15).max(1e15), z.boolean()]),
});

function matches(values: Record<string, unknown>, filter: z.output<typeof filterShape>): boolean {
  const actual = values[filter.column];
  if (filter.operator === 'contains')
    return String(actual ?? '')
      .toLowerCase()
      .includes(String(filter.value).toLowerCase());
  if (filter.operator === 'greater_than') return Number(actual) > Number(filter.value);
  if (filter.operator === 'less_than') return Number(actual) < Number(filter.value);
  return String(actual) === String(filter.value);
}

const listTables = defineTool({
  name: 'nc_tables_list_tables',
  title: 'List tables',
  description:
    'The Nextcloud Tables you can see: id, title and emoji (use the id with the other table tools).',
  input: {},
  output: {
    tables: z.array(z.object({ id: z.number(), title: z.string(), emoji: z.string().nullable() })),
    total_count: z.number(),
  },
  hints: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async handler(_args, { nc }) {
    const found = await tables.listTables(nc);
    return {
      structured: {
        tables: found.map((t) => ({ id: t.id, title: t.title, emoji: t.emoji ?? null })),
        total_count: found.length,
      },
    };
  },
});

const getSchema = defineTool({
  name: 'nc_tables_get_schema',
  title: 'Get a table schema',
  description:
    'The columns of a table: title, type, whether mandatory, and the choices of selection columns.',
  input: { table_id: tableId },
  output: { table_id: z.number(), columns: z.array(z.object(columnShape)) },
  hints: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async handler(args, { nc }) {
    return {
      structured: {
        table_id: args.table_id,
        columns: (await tables.columnsOf(nc, args.table_id)).map(columnView),
      },
    };
  },
});

const readTable = defineTool({
  name: 'nc_tables_read_table',
  title: 'Read table rows',
  description:
    'Rows of a table with values by column title, a page at a time (limit, offset), optionally filtered by column values.',
  input: {
    table_id: tableId,
    limit: z.number().int().min(1).max(1000).default(100),
    offset: z.number().int().min(0).max(10_000_000).default(0),
    filters: z
      .array(filterShape)
      .max(20)
      .optional()
      .describe('All must hold, e.g. [{"column": "Status", "value": "open"}]'),
  },
  output: { rows: z.array(z.object(rowShape)), offset: z.number(), next_offset: z.number().nullable() },
  hints: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async handler(args, { nc }) {
    const columns = await tables.columnsOf(nc, args.table_id);
    const data = await tables.rowsOf(nc, args.table_id, { limit: args.limit, offset: args.offset });
    const rows = data
      .map((row) => rowView(row, columns))
      .filter((row) => (args.filters ?? []).every((filter) => matches(row.values, filter)));
    return {
      structured: {
        rows,
        offset: args.offset,
        next_offset: data.length === args.limit ? args.offset + args.limit : null,
      },
    };
  },
});

const insertRow = defineTool({
  name: 'nc_tables_insert_row',
  title: 'Insert a table row',
  description:
    'Add a row; values are checked against the column types (numbers in range, dates, selection choices) before anything is written.',
  input: { table_id: tableId, data: rowData },
  output: rowShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async handler(args, { nc }) {
    const columns = await tables.columnsOf(nc, args.table_id);
    const row = await tables.insertRow(nc, args.table_id, toColumnData(columns, args.data, true));
    return { structured: rowView(row, columns) };
  },
});

const updateRow = defineTool({
  name: 'nc_tables_update_row',
  title: 'Update a table row',
  description: 'Change some values of a row (checked against the column types); other values stay.',
  input: {
    row_id: rowId,
    table_id: tableId
      .optional()
      .describe('The table of the row (its columns check the values); read from the row when left out'),
    data: rowData,
  },
  output: rowShape,
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async handler(args, { nc }) {
    const table = args.table_id ?? (await tables.tableOfRow(nc, args.row_id));
    const columns = await tables.columnsOf(nc, table);
    const data = toColumnData(columns, args.data, false);
    const row = await tables.updateRow(nc, args.row_id, data, args.table_id === undefined);
    return { structured: rowView(row, columns) };
  },
});

const deleteRow = defineTool({
  name: 'nc_tables_delete_row',
  title: 'Delete a table row',
  description: 'Delete one row of a table; it cannot be restored afterwards.',
  input: { row_id: rowId },
  output: { row_id: z.number(), deleted: z.boolean() },
  hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async handler(args, { nc }) {
    await tables.deleteRow(nc, args.row_id);
    return { structured: { row_id: args.row_id, deleted: true } };
  },
});

export const tablesTools = [listTables, getSchema, readTable, insertRow, updateRow, deleteRow];

import { z } from 'zod';
import { type RequestContext, sendJson, sendOcs } from './nextcloud.js';

/**
 * Tables app stand-in: the OCS API v2 (tables, a table's columns, creating rows; refusals as
 * `ocs.data.message`) and the REST API v1 under /index.php/apps/tables/api/1 (rows); columns of
 * each type, rows as `data: [{columnId, value}]`, writes as `data: {columnId: value}`, check
 * columns stored as the strings "true"/"false", the app's own checks (unknown column, mandatory,
 * number range), and, as RowService does, 404 for reading a missing row but 500 for changing or
 * deleting one. Tables and their columns are created and deleted as v2 does it (a table, then one
 * `columns/{type}` call per column, ids counted across tables), so a suite can bring its own.
 */
export interface StandinColumn {
  id: number;
  title: string;
  type: 'text' | 'number' | 'datetime' | 'selection';
  subtype: string;
  mandatory: boolean;
  numberMin?: number;
  numberMax?: number;
  textMaxLength?: number;
  selectionOptions?: { id: number; label: string }[];
}

export interface StandinRow {
  id: number;
  tableId: number;
  data: { columnId: number; value: unknown }[];
  createdBy: string;
  lastEditAt: string;
}

export interface TablesState {
  tables: Map<
    number,
    { id: number; title: string; emoji: string; ownership: string; columns: StandinColumn[] }
  >;
  rows: Map<number, StandinRow>;
  nextRowId: number;
  nextTableId: number;
  nextColumnId: number;
}

/** One table with a column of every kind the tools validate. */
export function seededTables(owner: string): TablesState {
  const columns: StandinColumn[] = [
    { id: 1, title: 'Name', type: 'text', subtype: 'line', mandatory: true, textMaxLength: 50 },
    { id: 2, title: 'Count', type: 'number', subtype: '', mandatory: false, numberMin: 0, numberMax: 100 },
    { id: 3, title: 'Due', type: 'datetime', subtype: 'date', mandatory: false },
    {
      id: 4,
      title: 'Status',
      type: 'selection',
      subtype: '',
      mandatory: false,
      selectionOptions: [
        { id: 1, label: 'open' },
        { id: 2, label: 'done' },
      ],
    },
    { id: 5, title: 'Urgent', type: 'selection', subtype: 'check', mandatory: false },
  ];
  return {
    tables: new Map([[1, { id: 1, title: 'Inventory', emoji: '📦', ownership: owner, columns }]]),
    rows: new Map(),
    nextRowId: 1,
    nextTableId: 2,
    nextColumnId: columns.length + 1,
  };
}

const API = '/index.php/apps/tables/api/1';
const V2 = '/ocs/v2.php/apps/tables/api/2';
/** What the v2 controllers answer for a NotFoundError. */
const V2_NOT_FOUND =
  'A not found error occurred. More details can be found in the logs. Please reach out to your administration.';

/** Values as Tables stores them: a check as the string "true" or "false". */
function stored(table: { columns: StandinColumn[] }, columnId: number, value: unknown): unknown {
  const column = table.columns.find((candidate) => candidate.id === columnId);
  return column?.type === 'selection' && column.subtype === 'check'
    ? String(value === true || value === 'true')
    : value;
}

function validate(
  table: { columns: StandinColumn[] },
  data: Record<string, unknown>,
  creating: boolean,
): string | undefined {
  for (const key of Object.keys(data)) {
    if (!table.columns.some((column) => column.id === Number(key)))
      return `Column with id ${key} is not part of table`;
  }
  for (const column of table.columns) {
    const value = data[String(column.id)];
    if (creating && column.mandatory && (value === undefined || value === ''))
      return `Column ${column.title} is mandatory`;
    if (value !== undefined && column.type === 'number' && typeof value === 'number') {
      if (
        (column.numberMin !== undefined && value < column.numberMin) ||
        (column.numberMax !== undefined && value > column.numberMax)
      )
        return `Value out of range for ${column.title}`;
    }
  }
  return undefined;
}

/** A column as `columns/{type}` creates it; selection options arrive as JSON text. */
const ColumnBody = z.object({
  baseNodeId: z.number(),
  title: z.string().min(1),
  mandatory: z.boolean().optional(),
  subtype: z.string().nullish(),
  numberMin: z.number().nullish(),
  numberMax: z.number().nullish(),
  textMaxLength: z.number().nullish(),
  selectionOptions: z.string().optional(),
});

function createColumn(state: TablesState, type: StandinColumn['type'], body: unknown) {
  const parsed = ColumnBody.safeParse(body);
  if (!parsed.success) return { status: 400, data: { message: parsed.error.message } };
  const { baseNodeId, title, mandatory, subtype, numberMin, numberMax, textMaxLength } = parsed.data;
  const table = state.tables.get(baseNodeId);
  if (!table) return { status: 404, data: { message: V2_NOT_FOUND } };
  const options = parsed.data.selectionOptions ? JSON.parse(parsed.data.selectionOptions) : undefined;
  const column: StandinColumn = {
    id: state.nextColumnId++,
    title,
    type,
    subtype: subtype ?? '',
    mandatory: mandatory ?? false,
    ...(numberMin == null ? {} : { numberMin }),
    ...(numberMax == null ? {} : { numberMax }),
    ...(textMaxLength == null ? {} : { textMaxLength }),
    ...(Array.isArray(options) && options.length ? { selectionOptions: options } : {}),
  };
  table.columns.push(column);
  return { status: 200, data: { ...column, tableId: table.id } };
}

/** Both APIs take a write's `data` as an object or as its JSON text. */
function dataOf(body: { data?: Record<string, unknown> | string }): Record<string, unknown> {
  return (typeof body.data === 'string' ? JSON.parse(body.data) : body.data) ?? {};
}

export async function handleTables(ctx: RequestContext): Promise<void> {
  const { req, res, url } = ctx;
  const state = ctx.standin.tables;
  const body = ctx.body.length
    ? (JSON.parse(ctx.body.toString('utf8')) as { data?: Record<string, unknown> | string })
    : {};
  if (url.pathname === `${V2}/tables` && req.method === 'POST') {
    const { title, emoji } = body as { title?: string; emoji?: string };
    if (!title) return sendOcs(res, 400, { message: 'title is missing' });
    const table = { id: state.nextTableId++, title, emoji: emoji ?? '', ownership: ctx.user, columns: [] };
    state.tables.set(table.id, table);
    const { columns: _columns, ...answer } = table;
    return sendOcs(res, 200, answer);
  }
  const typed = new RegExp(`^${V2}/columns/(text|number|selection|datetime)$`).exec(url.pathname);
  if (typed && req.method === 'POST') {
    const { status, data } = createColumn(state, typed[1] as StandinColumn['type'], body);
    return sendOcs(res, status, data);
  }
  if (url.pathname === `${V2}/tables` && req.method === 'GET') {
    return sendOcs(
      res,
      200,
      [...state.tables.values()].map(({ columns: _columns, ...table }) => table),
    );
  }
  let match = new RegExp(`^${V2}/(?:columns/table|tables)/(\\d+)(/rows)?$`).exec(url.pathname);
  if (match) {
    const table = state.tables.get(Number(match[1]));
    const rows = Boolean(match[2]);
    if (!table) return sendOcs(res, 404, { message: V2_NOT_FOUND });
    if (!rows && url.pathname.includes('/columns/') && req.method === 'GET')
      return sendOcs(res, 200, table.columns);
    if (!rows && req.method === 'DELETE') {
      state.tables.delete(table.id);
      for (const row of state.rows.values()) if (row.tableId === table.id) state.rows.delete(row.id);
      const { columns: _columns, ...answer } = table;
      return sendOcs(res, 200, answer);
    }
    if (rows && req.method === 'POST') {
      const data = dataOf(body);
      const problem = validate(table, data, true);
      if (problem) return sendOcs(res, 400, { message: problem });
      const row: StandinRow = {
        id: state.nextRowId++,
        tableId: table.id,
        data: Object.entries(data).map(([columnId, value]) => ({
          columnId: Number(columnId),
          value: stored(table, Number(columnId), value),
        })),
        createdBy: ctx.user,
        lastEditAt: new Date().toISOString(),
      };
      state.rows.set(row.id, row);
      return sendOcs(res, 200, row);
    }
  }
  match = new RegExp(`^${API}/tables/(\\d+)/rows$`).exec(url.pathname);
  if (match && req.method === 'GET') {
    const table = state.tables.get(Number(match[1]));
    if (!table) return sendJson(res, 404, { message: 'Table not found' });
    const all = [...state.rows.values()].filter((row) => row.tableId === table.id);
    const offset = Number(url.searchParams.get('offset') ?? 0);
    const limit = url.searchParams.has('limit') ? Number(url.searchParams.get('limit')) : all.length;
    return sendJson(res, 200, all.slice(offset, offset + limit));
  }
  match = new RegExp(`^${API}/rows/(\\d+)$`).exec(url.pathname);
  if (match) {
    const row = state.rows.get(Number(match[1]));
    if (!row) {
      const status = req.method === 'GET' ? 404 : 500;
      return sendJson(res, status, {
        message: `OCA\\Tables\\Service\\RowService - row ${match[1]} does not exist`,
      });
    }
    const table = state.tables.get(row.tableId);
    if (req.method === 'GET') return sendJson(res, 200, row);
    if (req.method === 'DELETE') {
      state.rows.delete(row.id);
      return sendJson(res, 200, row);
    }
    if (req.method === 'PUT' && table) {
      const data = dataOf(body);
      const problem = validate(table, data, false);
      if (problem) return sendJson(res, 400, { message: problem });
      for (const [columnId, given] of Object.entries(data)) {
        const value = stored(table, Number(columnId), given);
        const cell = row.data.find((entry) => entry.columnId === Number(columnId));
        if (cell) cell.value = value;
        else row.data.push({ columnId: Number(columnId), value });
      }
      row.lastEditAt = new Date().toISOString();
      return sendJson(res, 200, row);
    }
  }
  return sendJson(res, 404, { message: 'not found' });
}

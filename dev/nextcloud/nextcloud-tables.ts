import { type RequestContext, sendJson, sendOcs } from './nextcloud.js';

/**
 * Tables app stand-in (nextcloud/tables API v1 under /index.php/apps/tables/api/1 and the OCS
 * table list of API v2): columns of each type, rows as `data: [{columnId, value}]`, writes as
 * `data: {columnId: value}`, the app's own checks (unknown column, mandatory, number range).
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
  };
}

const API = '/index.php/apps/tables/api/1';

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

export async function handleTables(ctx: RequestContext): Promise<void> {
  const { req, res, url } = ctx;
  const state = ctx.standin.tables;
  const body = ctx.body.length
    ? (JSON.parse(ctx.body.toString('utf8')) as { data?: Record<string, unknown> })
    : {};
  if (url.pathname === '/ocs/v2.php/apps/tables/api/2/tables' && req.method === 'GET') {
    return sendOcs(
      res,
      200,
      [...state.tables.values()].map(({ columns: _columns, ...table }) => table),
    );
  }
  let match = new RegExp(`^${API}/tables/(\\d+)/(columns|rows)$`).exec(url.pathname);
  if (match) {
    const table = state.tables.get(Number(match[1]));
    if (!table) return sendJson(res, 404, { message: 'Table not found' });
    if (match[2] === 'columns' && req.method === 'GET') return sendJson(res, 200, table.columns);
    if (match[2] === 'rows' && req.method === 'GET') {
      const all = [...state.rows.values()].filter((row) => row.tableId === table.id);
      const offset = Number(url.searchParams.get('offset') ?? 0);
      const limit = url.searchParams.has('limit') ? Number(url.searchParams.get('limit')) : all.length;
      return sendJson(res, 200, all.slice(offset, offset + limit));
    }
    if (match[2] === 'rows' && req.method === 'POST') {
      const data = body.data ?? {};
      const problem = validate(table, data, true);
      if (problem) return sendJson(res, 400, { message: problem });
      const row: StandinRow = {
        id: state.nextRowId++,
        tableId: table.id,
        data: Object.entries(data).map(([columnId, value]) => ({ columnId: Number(columnId), value })),
        createdBy: ctx.user,
        lastEditAt: new Date().toISOString(),
      };
      state.rows.set(row.id, row);
      return sendJson(res, 200, row);
    }
  }
  match = new RegExp(`^${API}/rows/(\\d+)$`).exec(url.pathname);
  if (match) {
    const row = state.rows.get(Number(match[1]));
    if (!row) return sendJson(res, 404, { message: 'Row not found' });
    const table = state.tables.get(row.tableId);
    if (req.method === 'GET') return sendJson(res, 200, row);
    if (req.method === 'DELETE') {
      state.rows.delete(row.id);
      return sendJson(res, 200, row);
    }
    if (req.method === 'PUT' && table) {
      const data = body.data ?? {};
      const problem = validate(table, data, false);
      if (problem) return sendJson(res, 400, { message: problem });
      for (const [columnId, value] of Object.entries(data)) {
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

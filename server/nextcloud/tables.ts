import { z } from 'zod';
import type { Explanation } from '../errors.js';
import type { NcResponse, NextcloudClient } from './client.js';

/**
 * Tables' OCS API v2 where it has the call (tables, columns, creating rows): OCS takes bearer
 * tokens on every Nextcloud. Reading, changing and deleting rows exist only in the REST API v1, a
 * CORS route (a bearer token needs Nextcloud 31).
 */
const V2 = '/ocs/v2.php/apps/tables/api/2';
const API = '/index.php/apps/tables/api/1';

/** Limits and choices are null (or absent) where a column type has none. */
const ColumnSchema = z.looseObject({
  id: z.number(),
  title: z.string(),
  type: z.string(),
  subtype: z.string().nullish(),
  mandatory: z.boolean().nullish(),
  numberMin: z.number().nullish(),
  numberMax: z.number().nullish(),
  textMaxLength: z.number().nullish(),
  selectionOptions: z.array(z.looseObject({ id: z.number(), label: z.string() })).nullish(),
});
export type Column = z.output<typeof ColumnSchema>;

/** A row's values as a list of cells; a cell's value is whatever its column type holds. */
const RowSchema = z.looseObject({
  id: z.number(),
  data: z.array(z.looseObject({ columnId: z.number(), value: z.json() })),
  lastEditAt: z.string().nullish(),
});
export type Row = z.output<typeof RowSchema>;

const TableSchema = z.looseObject({ id: z.number(), title: z.string(), emoji: z.string().nullish() });

/** v2 refuses bad input with its reason in `ocs.data.message` (the meta message stays empty). */
const V2Refusal = z.object({ ocs: z.object({ data: z.object({ message: z.string().max(299) }) }) });
function v2Reason(refusal: NcResponse): Explanation | undefined {
  if (refusal.status !== 400) return undefined;
  // A body that is not JSON (a proxy's page) simply has no reason to add.
  try {
    const detail = V2Refusal.safeParse(JSON.parse(refusal.body.toString('utf8'))).data?.ocs.data.message;
    return detail ? { detail } : undefined;
  } catch {
    return undefined;
  }
}

export function listTables(nc: NextcloudClient) {
  return nc.ocs({ method: 'GET', path: `${V2}/tables`, what: 'The tables', schema: z.array(TableSchema) });
}

export function columnsOf(nc: NextcloudClient, table: number): Promise<Column[]> {
  return nc.ocs({
    method: 'GET',
    path: `${V2}/columns/table/${table}`,
    what: `Table ${table}`,
    schema: z.array(ColumnSchema),
    explain: v2Reason,
  });
}

export async function rowsOf(
  nc: NextcloudClient,
  table: number,
  page: { limit: number; offset: number },
): Promise<Row[]> {
  const { data } = await nc.json({
    method: 'GET',
    path: `${API}/tables/${table}/rows`,
    query: page,
    what: `Table ${table}`,
    schema: z.array(RowSchema),
  });
  return data;
}

/** `data` maps column ids to values the columns accept. */
export function insertRow(nc: NextcloudClient, table: number, data: Record<string, unknown>): Promise<Row> {
  return nc.ocs({
    method: 'POST',
    path: `${V2}/tables/${table}/rows`,
    json: { data },
    what: `A row of table ${table}`,
    schema: RowSchema,
    explain: v2Reason,
  });
}

/**
 * Tables answers 500 for changing or deleting a row that does not exist, and 404 only for reading
 * one: so a row is read before it is changed, and a missing one is a NotFoundError.
 */
async function requireRow(nc: NextcloudClient, row: number): Promise<void> {
  await nc.send({ method: 'GET', path: `${API}/rows/${row}`, what: `Row ${row}` });
}

/** The table a row belongs to, read from the row (which also checks that it exists). */
export async function tableOfRow(nc: NextcloudClient, row: number): Promise<number> {
  const schema = z.looseObject({ tableId: z.number() });
  return (await nc.json({ method: 'GET', path: `${API}/rows/${row}`, what: `Row ${row}`, schema })).data
    .tableId;
}

/** Changes a row; `checked` when the caller has just read it (tableOfRow), so it is known to exist. */
export async function updateRow(
  nc: NextcloudClient,
  row: number,
  data: Record<string, unknown>,
  checked = false,
) {
  if (!checked) await requireRow(nc, row);
  const answer = await nc.json({
    method: 'PUT',
    path: `${API}/rows/${row}`,
    json: { data },
    what: `Row ${row}`,
    schema: RowSchema,
  });
  return answer.data;
}

export async function deleteRow(nc: NextcloudClient, row: number): Promise<void> {
  await requireRow(nc, row);
  await nc.send({ method: 'DELETE', path: `${API}/rows/${row}`, what: `Row ${row}` });
}

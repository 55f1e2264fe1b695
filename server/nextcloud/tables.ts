import { z } from 'zod';
import type { NextcloudClient } from './client.js';

/** Tables app API v1 (rows and columns) and v2 (the table list, OCS). */
const API = '/index.php/apps/tables/api/1';
const TABLES_OCS = '/ocs/v2.php/apps/tables/api/2/tables';

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
  data: z.array(z.looseObject({ columnId: z.number(), value: z.unknown() })),
  lastEditAt: z.string().nullish(),
});
export type Row = z.output<typeof RowSchema>;

const TableSchema = z.looseObject({ id: z.number(), title: z.string(), emoji: z.string().nullish() });

export function listTables(nc: NextcloudClient) {
  return nc.ocs({ method: 'GET', path: TABLES_OCS, what: 'The tables', schema: z.array(TableSchema) });
}

export async function columnsOf(nc: NextcloudClient, table: number): Promise<Column[]> {
  const { data } = await nc.json({
    method: 'GET',
    path: `${API}/tables/${table}/columns`,
    what: `Table ${table}`,
    schema: z.array(ColumnSchema),
  });
  return data;
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
export async function insertRow(
  nc: NextcloudClient,
  table: number,
  data: Record<string, unknown>,
): Promise<Row> {
  const answer = await nc.json({
    method: 'POST',
    path: `${API}/tables/${table}/rows`,
    json: { data },
    what: `A row of table ${table}`,
    schema: RowSchema,
  });
  return answer.data;
}

export async function updateRow(nc: NextcloudClient, row: number, data: Record<string, unknown>) {
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
  await nc.send({ method: 'DELETE', path: `${API}/rows/${row}`, what: `Row ${row}` });
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Target } from '../../dev/target.js';
import { createHttpSettings, NextcloudClient } from '../../server/nextcloud/client.js';
import { insertRow } from '../../server/nextcloud/tables.js';
import { basicAuth, call, textOf, unique, useServer } from '../harness.js';
import { hasApp } from '../nextcloud-apps.js';

/** Asks Tables' OCS API v2 as the target's user; its answer's `ocs.data`. */
async function ocs(target: Target, method: string, path: string, body?: object) {
  const answer = await fetch(`${target.url}/ocs/v2.php/apps/tables/api/2${path}`, {
    method,
    headers: {
      authorization: basicAuth(target.user, target.appPassword),
      'ocs-apirequest': 'true',
      accept: 'application/json',
      'content-type': 'application/json',
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (!answer.ok) throw new Error(`${method} ${path}: ${answer.status} ${await answer.text()}`);
  return ((await answer.json()) as { ocs: { data: { id: number } } }).ocs.data;
}

/**
 * A table with text, number, date, selection and check columns, made as Tables' own UI makes one
 * (v2: the table, then a call per column), on the stand-in or a real Tables, and deleted after.
 */
async function createTable(target: Target): Promise<number> {
  const { id } = await ocs(target, 'POST', '/tables', { title: unique('mcp-test'), emoji: '📦' });
  const column = (type: string, fields: object) =>
    ocs(target, 'POST', `/columns/${type}`, { baseNodeId: id, baseNodeType: 'table', ...fields });
  await column('text', { title: 'Name', subtype: 'line', mandatory: true, textMaxLength: 50 });
  await column('number', { title: 'Count', numberMin: 0, numberMax: 100 });
  await column('datetime', { title: 'Due', subtype: 'date' });
  const options = [
    { id: 1, label: 'open' },
    { id: 2, label: 'done' },
  ];
  await column('selection', { title: 'Status', selectionOptions: JSON.stringify(options) });
  await column('selection', {
    title: 'Urgent',
    subtype: 'check',
    selectionOptions: '[]',
    selectionDefault: 'false',
  });
  return id;
}

/** Tables tools against the Tables API stand-in or a real Tables, on a table the suite makes. */
describe.runIf(hasApp('tables'))('tables tools', () => {
  const env = useServer();
  let table = 0;
  beforeAll(async () => {
    table = await createTable(env.target);
  });
  afterAll(async () => {
    if (table) await ocs(env.target, 'DELETE', `/tables/${table}`);
  });

  it('lists tables and reads a schema with selection choices', async () => {
    const tables = await call(env.client, 'nc_tables_list_tables');
    expect(tables.data.tables.map((t: { id: number }) => t.id)).toContain(table);
    const schema = await call(env.client, 'nc_tables_get_schema', { table_id: table });
    expect(schema.data.columns.find((c: { title: string }) => c.title === 'Status')).toMatchObject({
      type: 'selection',
      options: ['open', 'done'],
    });
  });

  it('inserts rows by column title, reads them back with labels, pages and filters', async () => {
    for (const [name, count, status] of [
      ['Bolts', 12, 'open'],
      ['Nuts', 40, 'done'],
      ['Screws', 7, 'open'],
    ] as const) {
      const inserted = await call(env.client, 'nc_tables_insert_row', {
        table_id: table,
        data: { Name: name, Count: count, Due: '2026-12-01', Status: status, Urgent: count < 10 },
      });
      expect(inserted.isError, textOf(inserted)).toBeFalsy();
      expect(inserted.data.values).toMatchObject({ Name: name, Count: count, Status: status });
    }
    // Checks go in as booleans and come back as Tables answers them, "true" or "false"; shown as booleans.
    const urgent = (await call(env.client, 'nc_tables_read_table', { table_id: table })).data.rows.map(
      (row: { values: { Urgent: unknown } }) => row.values.Urgent,
    );
    expect(urgent.slice(-3)).toEqual([false, false, true]);
    const standin = env.target.standin;
    if (standin) {
      const urgentId = standin.tables.tables.get(table)?.columns.find((c) => c.title === 'Urgent')?.id;
      expect(
        [...standin.tables.rows.values()].at(-1)?.data.find((cell) => cell.columnId === urgentId)?.value,
      ).toBe('true');
      // What v2 (OCS, bearer tokens on every Nextcloud) offers is asked of v2.
      expect(standin.log).toContain(`POST /ocs/v2.php/apps/tables/api/2/tables/${table}/rows`);
      expect(standin.log).toContain(`GET /ocs/v2.php/apps/tables/api/2/columns/table/${table}`);
      expect(standin.log.filter((line) => line.includes(`/api/1/tables/${table}/columns`))).toEqual([]);
    }
    const page = await call(env.client, 'nc_tables_read_table', { table_id: table, limit: 2 });
    expect(page.data.rows).toHaveLength(2);
    expect(page.data.next_offset).toBe(2);
    const open = await call(env.client, 'nc_tables_read_table', {
      table_id: table,
      filters: [
        { column: 'Status', value: 'open' },
        { column: 'Count', operator: 'greater_than', value: 10 },
      ],
    });
    expect(open.data.rows.map((r: { values: { Name: string } }) => r.values.Name)).toEqual(['Bolts']);
  });

  it.each([
    [{ Count: 5 }, 'Mandatory columns missing: Name'],
    [{ Name: 'X', Count: 500 }, 'a number ≤ 100'],
    [{ Name: 'X', Count: 'many' }, 'a number'],
    [{ Name: 'X', Due: 'next week' }, 'a date YYYY-MM-DD'],
    [{ Name: 'X', Status: 'maybe' }, 'one of "open", "done"'],
    [{ Name: 'X', Urgent: 'yes' }, 'true or false'],
    [{ Name: 'X', Colour: 'red' }, 'No column "Colour"'],
    [{ Name: 'x'.repeat(51) }, 'at most 50 characters'],
  ])('refuses %j before writing: %s', async (data, message) => {
    const before = (await call(env.client, 'nc_tables_read_table', { table_id: table, limit: 1000 })).data
      .rows.length;
    const refused = await call(env.client, 'nc_tables_insert_row', { table_id: table, data });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain(message);
    expect(
      (await call(env.client, 'nc_tables_read_table', { table_id: table, limit: 1000 })).data.rows.length,
    ).toBe(before);
  });

  it('updates some values of a row and deletes it', async () => {
    const row = (
      await call(env.client, 'nc_tables_insert_row', {
        table_id: table,
        data: { Name: 'Washers', Count: 3 },
      })
    ).data;
    const updated = await call(env.client, 'nc_tables_update_row', {
      row_id: row.id,
      table_id: table,
      data: { Count: 4, Status: 'done' },
    });
    expect(updated.data.values).toMatchObject({ Name: 'Washers', Count: 4, Status: 'done' });
    const deleted = await call(env.client, 'nc_tables_delete_row', { row_id: row.id });
    expect(deleted.data).toEqual({ row_id: row.id, deleted: true });
    const gone = await call(env.client, 'nc_tables_update_row', {
      row_id: row.id,
      table_id: table,
      data: { Count: 1 },
    });
    expect(textOf(gone)).toContain(`Row ${row.id} not found`);
    const again = await call(env.client, 'nc_tables_delete_row', { row_id: row.id });
    expect(again.isError).toBe(true);
    expect(textOf(again)).toContain(`Row ${row.id} not found`);
    expect(textOf(again)).not.toContain('try again');
  });

  it.skipIf(process.env.TEST_NEXTCLOUD_URL)(
    'answers as Tables does for a missing row: 404 to read it, 500 to change or delete it',
    async () => {
      const url = `${env.target.url}/index.php/apps/tables/api/1/rows/999999`;
      const headers = { authorization: basicAuth(env.target.user, env.target.appPassword) };
      expect((await fetch(url, { headers })).status).toBe(404);
      expect((await fetch(url, { method: 'DELETE', headers })).status).toBe(500);
      expect((await fetch(url, { method: 'PUT', headers, body: '{"data":{}}' })).status).toBe(500);
    },
  );

  it.skipIf(process.env.TEST_NEXTCLOUD_URL)("passes on the reason of Tables' own v2 refusals", async () => {
    const nc = new NextcloudClient(createHttpSettings(new URL(env.target.url), 2000), {
      authorization: basicAuth(env.target.user, env.target.appPassword),
      user: env.target.user,
    });
    const count = env.target.standin?.tables.tables.get(table)?.columns.find((c) => c.title === 'Count');
    await expect(insertRow(nc, table, { [String(count?.id)]: 1 })).rejects.toThrow(
      'Column Name is mandatory',
    );
  });
});

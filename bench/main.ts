/**
 * `npm run bench`: every section's figures, measured in this run, as one table.
 * `npm run bench -- proxy` (or any of the section names) runs only those sections.
 */
import { benchCalendar, benchCalendars } from './calendar.js';
import { benchHeaderCheck } from './header-check.js';
import { benchOperator } from './operator.js';
import { benchProxy } from './proxy.js';
import { benchServer, type Row } from './server.js';

const SECTIONS: Readonly<Record<string, () => Promise<Row[]>>> = {
  server: benchServer,
  proxy: async () => [...(await benchProxy()), ...benchHeaderCheck()],
  calendar: async () => [...(await benchCalendar()), ...(await benchCalendars())],
  operator: benchOperator,
};

const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !(name in SECTIONS));
if (unknown.length > 0) {
  throw new Error(
    `unknown bench section ${unknown.join(', ')}; sections: ${Object.keys(SECTIONS).join(', ')}`,
  );
}
const rows: Row[] = [];
for (const [name, run] of Object.entries(SECTIONS)) {
  if (chosen.length === 0 || chosen.includes(name)) rows.push(...(await run()));
}
const width = Math.max(...rows.map((row) => row.metric.length));
process.stdout.write(`${'metric'.padEnd(width)} | value\n${'-'.repeat(width)}-|------\n`);
for (const row of rows) {
  process.stdout.write(
    `${row.metric.padEnd(width)} | ${row.value}${row.target ? `   (target: ${row.target})` : ''}\n`,
  );
}

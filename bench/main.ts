/** `npm run bench`: every section's figures, measured in this run, as one table. */
import { benchCalendar, benchCalendars } from './calendar.js';
import { benchOperator } from './operator.js';
import { benchProxy } from './proxy.js';
import { benchServer, type Row } from './server.js';

const rows: Row[] = [
  ...(await benchServer()),
  ...(await benchProxy()),
  ...(await benchCalendar()),
  ...(await benchCalendars()),
  ...(await benchOperator()),
];
const width = Math.max(...rows.map((row) => row.metric.length));
process.stdout.write(`${'metric'.padEnd(width)} | value\n${'-'.repeat(width)}-|------\n`);
for (const row of rows) {
  process.stdout.write(
    `${row.metric.padEnd(width)} | ${row.value}${row.target ? `   (target: ${row.target})` : ''}\n`,
  );
}

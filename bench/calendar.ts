import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ALL_SCOPES, HEADERS } from '../contract/index.js';
import { startServer } from '../dev/mcp-server.js';
import { basicAuth, startTarget, type Target } from '../dev/target.js';
import { CalDav } from '../server/nextcloud/caldav.js';
import { createHttpSettings, NextcloudClient } from '../server/nextcloud/client.js';
import { eventsInRange, parseCalendar } from '../server/nextcloud/icalendar.js';
import { newEvent } from '../server/nextcloud/icalendar-write.js';
import type { Row } from './server.js';

const EVENTS = 1000;
const RUNS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/**
 * Listing a 1,000-event calendar (Radicale behind the Nextcloud stand-in): 950 single events
 * spread over 2026 and 50 weekly series, listed for one month and for the whole year through
 * nc_calendar_list_events (CalDAV REPORT, iCalendar parsing, recurrence expansion, JSON).
 */
export async function benchCalendar(): Promise<Row[]> {
  const target = await startTarget({ groupware: true });
  const server = await startServer(target);
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(server.url), {
      requestInit: {
        headers: {
          authorization: basicAuth(target.user, target.appPassword),
          [HEADERS.user]: target.user,
          [HEADERS.scopes]: ALL_SCOPES.join(' '),
        },
      },
    }),
  );
  try {
    await client.callTool({
      name: 'nc_calendar_manage_calendar',
      arguments: { action: 'create', calendar_name: 'bench' },
    });
    const put = async (index: number) => {
      const uid = `bench-${index}`;
      const day = new Date(Date.UTC(2026, 0, 1) + (index % 365) * 86_400_000).toISOString().slice(0, 10);
      const ics = newEvent(uid, {
        title: `Event ${index}`,
        start: `${day}T${String(8 + (index % 9)).padStart(2, '0')}:00:00`,
        timezone: 'Europe/Berlin',
        ...(index % 20 === 0 ? { recurrence_rule: 'FREQ=WEEKLY;COUNT=10' } : {}),
      });
      const response = await fetch(`${target.url}/remote.php/dav/principal-${target.user}/bench/${uid}.ics`, {
        method: 'PUT',
        headers: {
          authorization: basicAuth(target.user, target.appPassword),
          'content-type': 'text/calendar',
        },
        body: ics,
      });
      if (!response.ok) throw new Error(`calendar bench: PUT answered ${response.status}`);
    };
    for (let i = 0; i < EVENTS; i += 10) await Promise.all(Array.from({ length: 10 }, (_, j) => put(i + j)));
    const time = async (start_date: string, end_date: string) => {
      const durations: number[] = [];
      let found = 0;
      for (let run = 0; run < RUNS; run++) {
        const started = performance.now();
        const result = await client.callTool({
          name: 'nc_calendar_list_events',
          arguments: { calendar_name: 'bench', start_date, end_date, limit: 2000 },
        });
        durations.push(performance.now() - started);
        found = (result.structuredContent as { total_found: number }).total_found;
      }
      return { ms: median(durations), found };
    };
    const month = await time('2026-03-01', '2026-03-31');
    const year = await time('2026-01-01', '2026-12-31');
    return [
      {
        metric: `calendar: list one month of a ${EVENTS}-event calendar (median of ${RUNS})`,
        value: `${month.ms.toFixed(0)} ms (${month.found} events)`,
      },
      {
        metric: `calendar: list the whole year of it (median of ${RUNS})`,
        value: `${year.ms.toFixed(0)} ms (${year.found} events)`,
      },
    ];
  } finally {
    await client.close();
    await server.stop();
    await target.stop();
  }
}

const CALENDARS = 13;

/** What the listing spends parsing and expanding the objects of every calendar (median of RUNS). */
async function parseTime(target: Target, from: Date, to: Date): Promise<number> {
  const nc = new NextcloudClient(createHttpSettings(new URL(target.url), 30_000), {
    authorization: basicAuth(target.user, target.appPassword),
    user: target.user,
  });
  const dav = new CalDav(nc);
  const calendars = await dav.calendars('VEVENT');
  const objects = (
    await Promise.all(calendars.map((calendar) => dav.objects(calendar, 'VEVENT', { start: from, end: to })))
  ).flat();
  const durations: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    for (const object of objects) eventsInRange(parseCalendar(String(object.data)), from, to);
    durations.push(performance.now() - started);
  }
  return median(durations);
}

/**
 * A listing across many calendars (13, as a user with shared and subscribed calendars has):
 * nc_calendar_list_events with search_all_calendars over a month, and the requests the call
 * sends. The listing should take about two round trips (the calendar home, then every calendar's
 * REPORT at once) plus parsing. A round trip here is the 13 REPORTs sent at once straight to the
 * stand-in (Radicale answers them mostly one after another, where Nextcloud's web server answers
 * them side by side), and parsing is the server's own iCalendar code run over the same objects.
 */
export async function benchCalendars(calendars = CALENDARS): Promise<Row[]> {
  const target = await startTarget({ groupware: true });
  const server = await startServer(target);
  const client = new Client({ name: 'bench', version: '1.0.0' });
  const authorization = basicAuth(target.user, target.appPassword);
  await client.connect(
    new StreamableHTTPClientTransport(new URL(server.url), {
      requestInit: {
        headers: {
          authorization,
          [HEADERS.user]: target.user,
          [HEADERS.scopes]: ALL_SCOPES.join(' '),
        },
      },
    }),
  );
  try {
    const home = `${target.url}/remote.php/dav/principal-${target.user}/`;
    for (let c = 0; c < calendars; c++) {
      await client.callTool({
        name: 'nc_calendar_manage_calendar',
        arguments: { action: 'create', calendar_name: `many-${c}` },
      });
      for (let i = 0; i < 10; i++) {
        const uid = `many-${c}-${i}`;
        const response = await fetch(`${home}many-${c}/${uid}.ics`, {
          method: 'PUT',
          headers: { authorization, 'content-type': 'text/calendar' },
          body: newEvent(uid, {
            title: `Event ${c}.${i}`,
            start: `2026-03-${String(1 + ((c + i * 3) % 28)).padStart(2, '0')}T10:00:00`,
            timezone: 'Europe/Berlin',
          }),
        });
        if (!response.ok) throw new Error(`calendar bench: PUT answered ${response.status}`);
      }
    }
    // One round trip: the calendar-query REPORT the listing sends to each calendar, for one of them.
    const query =
      '<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">' +
      '<d:prop><d:getetag/><c:calendar-data/></d:prop><c:filter><c:comp-filter name="VCALENDAR">' +
      '<c:comp-filter name="VEVENT"><c:time-range start="20260301T000000Z" end="20260401T000000Z"/>' +
      '</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>';
    const report = async (c: number) => {
      const response = await fetch(`${home}many-${c}/`, {
        method: 'REPORT',
        headers: { authorization, depth: '1', 'content-type': 'application/xml' },
        body: query,
      });
      await response.text();
    };
    const roundTrips: number[] = [];
    for (let run = 0; run < RUNS * 2; run++) {
      const started = performance.now();
      await Promise.all(Array.from({ length: calendars }, (_, c) => report(c)));
      roundTrips.push(performance.now() - started);
    }
    const parsing = await parseTime(target, new Date('2026-03-01'), new Date('2026-04-01'));
    const log = target.standin?.log;
    const durations: number[] = [];
    let found = 0;
    let requests = 0;
    for (let run = 0; run < RUNS; run++) {
      const before = log?.length ?? 0;
      const started = performance.now();
      const result = await client.callTool({
        name: 'nc_calendar_list_events',
        arguments: {
          search_all_calendars: true,
          start_date: '2026-03-01',
          end_date: '2026-03-31',
          limit: 2000,
        },
      });
      durations.push(performance.now() - started);
      requests = (log?.length ?? 0) - before;
      found = (result.structuredContent as { total_found: number }).total_found;
    }
    const trip = median(roundTrips);
    const listing = median(durations);
    const bound = 2 * trip + parsing;
    return [
      {
        metric: `calendar: list one month across ${calendars} calendars (median of ${RUNS})`,
        value: `${listing.toFixed(0)} ms (${found} events, ${requests} requests to Nextcloud)`,
        target: `≤ 2 × ${trip.toFixed(0)} ms (the ${calendars} REPORTs at once) + ${parsing.toFixed(0)} ms parsing = ${bound.toFixed(0)} ms: ${listing <= bound ? 'met' : 'not met'}`,
      },
    ];
  } finally {
    await client.close();
    await server.stop();
    await target.stop();
  }
}

import { beforeAll, describe, expect, it } from 'vitest';
import { createTag } from '../dav-client.js';
import { call, groupwareAvailable, useServer, webdavAvailable } from '../harness.js';

/** Faults injected into the stand-in's answers: nothing a real Nextcloud can be made to send. */
const standinOnly = !process.env.TEST_NEXTCLOUD_URL;

/**
 * Answers far larger than the server may hold (its heap is 96 MiB) are cut off while they stream
 * in, and the tool says so, naming the limit; the stand-in stops producing once the server hangs up.
 */

const TOTAL = 48 * 1024 * 1024;
/** What the server may have pulled before hanging up: the limit plus socket buffers, far below TOTAL. */
const MOST_READ = 12 * 1024 * 1024;

/** A Multi-Status of `TOTAL` bytes, produced only as it is read; `produced` counts the bytes sent. */
function hugeMultistatus(entry: (i: number) => string) {
  const meter = { produced: 0 };
  async function* body() {
    yield '<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">';
    for (let i = 0; meter.produced < TOTAL; i++) {
      const chunk = Array.from({ length: 200 }, (_, k) => entry(i * 200 + k)).join('');
      meter.produced += chunk.length;
      yield chunk;
    }
    yield '</d:multistatus>';
  }
  return { meter, body };
}

const fileEntry = (i: number) =>
  `<d:response><d:href>/remote.php/dav/files/alice/big/file-${i}.txt</d:href><d:propstat><d:prop>` +
  '<d:resourcetype/><d:getcontentlength>1</d:getcontentlength><d:getetag>"e"</d:getetag></d:prop>' +
  '<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>';

/** The heap and buffers a call adds, to show the process did not hold the answer. */
async function memoryAfter<T>(run: () => Promise<T>): Promise<{ result: T; grewBy: number }> {
  const used = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const before = used();
  const result = await run();
  return { result, grewBy: used() - before };
}

describe.runIf(webdavAvailable() && standinOnly)('bounded answers from WebDAV', () => {
  const env = useServer({ webdav: true, excludedTags: ['private'] });
  // The tag must exist for its files to be asked for.
  beforeAll(async () => {
    await createTag(env.target, 'private');
  });

  it('refuses a folder listing too large to hold, naming the limit and what to do instead', async (context) => {
    const standin = env.target.standin;
    if (!standin) return context.skip();
    await call(env.client, 'nc_webdav_create_directory', { path: '/big' });
    const huge = hugeMultistatus(fileEntry);
    standin.fail({
      match: /^\/remote\.php\/dav\/files\/alice\/big\/?$/,
      method: 'PROPFIND',
      body: huge.body,
    });
    const { result, grewBy } = await memoryAfter(() =>
      call(env.client, 'nc_webdav_list_directory', { path: '/big' }),
    );
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(
      /^Nextcloud's answer for Folder \/big is larger than the server's limit of 4\.0 MiB for one answer \(ANSWER_MAX_BYTES\); the folder has too many entries to list at once: list its subfolders, or find files in it with nc_webdav_search_files/,
    );
    expect(huge.meter.produced).toBeLessThan(MOST_READ);
    expect(grewBy).toBeLessThan(64 * 1024 * 1024);
  }, 60_000);

  it('fails closed on a tag REPORT too large to hold', async (context) => {
    const standin = env.target.standin;
    if (!standin) return context.skip();
    const huge = hugeMultistatus(fileEntry);
    // Every tagged path is read before a listing: that answer grows with the files tagged.
    standin.fail({ match: /^\/remote\.php\/dav\/files\/alice\/?$/, method: 'REPORT', body: huge.body });
    const { result, grewBy } = await memoryAfter(() =>
      call(env.client, 'nc_webdav_list_directory', { path: '/' }),
    );
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(
      /^The tenant's excluded tags could not be checked, so no file is shown or changed: Nextcloud's answer for The files tagged \d+ is larger than the server's limit of 4\.0 MiB/,
    );
    expect(huge.meter.produced).toBeLessThan(MOST_READ);
    expect(grewBy).toBeLessThan(64 * 1024 * 1024);
  }, 60_000);
});

describe.runIf(groupwareAvailable() && standinOnly)('bounded answers from CalDAV', () => {
  const env = useServer({ groupware: true });

  it('refuses a calendar REPORT too large to hold, through the DAV library', async (context) => {
    const standin = env.target.standin;
    if (!standin) return context.skip();
    const created = await call(env.client, 'nc_calendar_manage_calendar', {
      action: 'create',
      calendar_name: 'huge',
      display_name: 'Huge',
    });
    expect(created.isError, created.text).toBeFalsy();
    try {
      const huge = hugeMultistatus(
        (i) =>
          `<d:response><d:href>/remote.php/dav/principal-alice/huge/${i}.ics</d:href><d:propstat><d:prop>` +
          `<d:getetag>"${i}"</d:getetag><c:calendar-data>BEGIN:VCALENDAR</c:calendar-data></d:prop>` +
          '<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>',
      );
      standin.fail({ match: /\/huge\/$/, method: 'REPORT', body: huge.body });
      const { result, grewBy } = await memoryAfter(() =>
        call(env.client, 'nc_calendar_list_events', {
          calendar_name: 'huge',
          start_date: '2026-01-01',
          end_date: '2026-01-31',
        }),
      );
      expect(result.isError).toBe(true);
      expect(result.text).toMatch(/is larger than the server's limit of 4\.0 MiB for one answer/);
      expect(huge.meter.produced).toBeLessThan(MOST_READ);
      expect(grewBy).toBeLessThan(64 * 1024 * 1024);
    } finally {
      await call(env.client, 'nc_calendar_manage_calendar', { action: 'delete', calendar_name: 'huge' });
    }
  }, 60_000);
});

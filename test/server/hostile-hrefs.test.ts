import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { call, groupwareAvailable, unique, useServer, webdavAvailable } from '../harness.js';

/** Faults injected into the stand-in's answers: nothing a real Nextcloud can be made to send. */
const standinOnly = !process.env.TEST_NEXTCLOUD_URL;

/**
 * A DAV answer pointing elsewhere must never make the server send the user's credential there.
 * "other-host" is a second local server; every href spelling below resolves to it somewhere.
 */

interface OtherHost {
  readonly base: string;
  /** The Authorization header of every request it received (undefined when none was sent). */
  readonly seen: (string | undefined)[];
  readonly server: Server;
}

async function startOtherHost(): Promise<OtherHost> {
  const seen: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers.authorization);
    res.writeHead(207, { 'content-type': 'application/xml' }).end('<d:multistatus xmlns:d="DAV:"/>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { base: `127.0.0.1:${port}`, seen, server };
}

/** The other host for one suite, its record of requests emptied before each test (each counts its own leaks). */
function useOtherHost(): OtherHost {
  const holder = {} as { host: OtherHost };
  beforeAll(async () => {
    holder.host = await startOtherHost();
  });
  beforeEach(() => {
    holder.host.seen.length = 0;
  });
  afterAll(async () => {
    holder.host.server.closeAllConnections();
    await new Promise((resolve) => holder.host.server.close(resolve));
  });
  return {
    get base() {
      return holder.host.base;
    },
    get seen() {
      return holder.host.seen;
    },
    get server() {
      return holder.host.server;
    },
  };
}

/** The spellings of a path on other-host that a careless origin check lets pass. */
function hostileHrefs(host: string, path: string): string[] {
  return [
    `/.//${host}${path}`,
    `//${host}${path}`,
    `/%2e//${host}${path}`,
    `/.\\/${host}${path}`,
    `\\\\${host}${path.replaceAll('/', '\\')}`,
    `/\\${host}${path}`,
    `http://${host}${path}`,
  ];
}

const multistatus = (responses: string) =>
  `<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" ` +
  `xmlns:card="urn:ietf:params:xml:ns:carddav" xmlns:oc="http://owncloud.org/ns">${responses}</d:multistatus>`;
const ok = (href: string, props: string) =>
  `<d:response><d:href>${href}</d:href><d:propstat><d:prop>${props}</d:prop>` +
  '<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>';
const xmlText = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;');

const EVENT = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//test//EN',
  'BEGIN:VEVENT',
  'UID:hostile-1',
  'DTSTAMP:20260101T000000Z',
  'DTSTART:20260102T100000Z',
  'DTEND:20260102T110000Z',
  'SUMMARY:Hostile',
  'END:VEVENT',
  'END:VCALENDAR',
].join('\r\n');

describe.runIf(groupwareAvailable() && standinOnly)('hostile hrefs in CalDAV and CardDAV answers', () => {
  const env = useServer({ groupware: true });
  const other = useOtherHost();

  /**
   * Each tool call, with each hostile href answered once where `answer` says, never reaches
   * other-host. The hostile answer must be read by that very call: a call served from what an
   * earlier answer left cached would prove nothing (and a poisoned cache is a failure too).
   */
  async function neverLeaks(
    answer: (href: string) => { match: RegExp; method: string; body: string },
    tool: string,
    args: Record<string, unknown>,
    path: string,
  ): Promise<void> {
    const standin = env.target.standin;
    if (!standin) return;
    for (const href of hostileHrefs(other.base, path)) {
      const fault = answer(href);
      standin.fail({ ...fault, times: 1 });
      const mark = standin.log.length;
      await call(env.client, tool, args);
      expect(other.seen, `${tool} after ${href}`).toEqual([]);
      const asked = standin.log.slice(mark).map((line) => line.split(' '));
      expect(
        asked.some(([method, at]) => method === fault.method && fault.match.test(at ?? '')),
        `${tool} read the hostile answer ${href}`,
      ).toBe(true);
    }
  }

  // Discovery first: a failed discovery is not cached, so each of these runs it again.
  for (const [kind, tool, args] of [
    ['calendar', 'nc_calendar_list_calendars', {}],
    ['addressbook', 'nc_contacts_list_addressbooks', {}],
  ] as const) {
    it(`never follows a hostile current-user-principal (${kind})`, async () => {
      await neverLeaks(
        (href) => ({
          match: /^\/remote\.php\/dav\/?$/,
          method: 'PROPFIND',
          body: multistatus(
            ok(
              '/remote.php/dav/',
              `<d:current-user-principal><d:href>${href}</d:href></d:current-user-principal>`,
            ),
          ),
        }),
        tool,
        args,
        '/remote.php/dav/principals/alice/',
      );
    });

    it(`never follows a hostile ${kind}-home-set`, async () => {
      const prop = kind === 'calendar' ? 'c:calendar-home-set' : 'card:addressbook-home-set';
      await neverLeaks(
        (href) => ({
          match: /^\/remote\.php\/dav\/principal-alice\/$/,
          method: 'PROPFIND',
          body: multistatus(
            ok('/remote.php/dav/principal-alice/', `<${prop}><d:href>${href}</d:href></${prop}>`),
          ),
        }),
        tool,
        args,
        `/remote.php/dav/${kind}s/alice/`,
      );
    });
  }

  it('never sends a REPORT to a calendar whose href in the home PROPFIND points elsewhere', async () => {
    // Discovered for real first, so only the home listing is hostile.
    expect((await call(env.client, 'nc_calendar_list_calendars')).isError).toBeFalsy();
    await neverLeaks(
      (href) => ({
        match: /^\/remote\.php\/dav\/principal-alice\/$/,
        method: 'PROPFIND',
        body: multistatus(
          ok(
            href,
            '<d:displayname>Elsewhere</d:displayname><d:resourcetype><d:collection/><c:calendar/></d:resourcetype>' +
              '<c:supported-calendar-component-set><c:comp name="VEVENT"/></c:supported-calendar-component-set>',
          ),
        ),
      }),
      'nc_calendar_list_events',
      { calendar_name: 'elsewhere', start_date: '2026-01-01', end_date: '2026-01-31' },
      '/remote.php/dav/calendars/alice/elsewhere/',
    );
  });

  it('never sends a DELETE to an event whose href in the REPORT points elsewhere', async () => {
    const calendar = unique('hostile').toLowerCase();
    const created = await call(env.client, 'nc_calendar_manage_calendar', {
      action: 'create',
      calendar_name: calendar,
      display_name: 'Hostile',
    });
    expect(created.isError, created.text).toBeFalsy();
    try {
      await neverLeaks(
        (href) => ({
          match: new RegExp(`/${calendar}/$`),
          method: 'REPORT',
          body: multistatus(
            ok(href, `<d:getetag>"1"</d:getetag><c:calendar-data>${xmlText(EVENT)}</c:calendar-data>`),
          ),
        }),
        'nc_calendar_delete_event',
        { calendar_name: calendar, event_uid: 'hostile-1' },
        `/remote.php/dav/calendars/alice/${calendar}/hostile-1.ics`,
      );
    } finally {
      await call(env.client, 'nc_calendar_manage_calendar', { action: 'delete', calendar_name: calendar });
    }
  });

  it('never sends a REPORT to an address book whose href in the home PROPFIND points elsewhere', async () => {
    expect((await call(env.client, 'nc_contacts_list_addressbooks')).isError).toBeFalsy();
    await neverLeaks(
      (href) => ({
        match: /^\/remote\.php\/dav\/principal-alice\/$/,
        method: 'PROPFIND',
        body: multistatus(
          ok(
            href,
            '<d:displayname>Elsewhere</d:displayname><d:resourcetype><d:collection/><card:addressbook/></d:resourcetype>',
          ),
        ),
      }),
      'nc_contacts_list_contacts',
      { addressbook: 'elsewhere' },
      '/remote.php/dav/addressbooks/alice/elsewhere/',
    );
  });
});

describe.runIf(webdavAvailable() && standinOnly)('hostile hrefs in WebDAV answers', () => {
  const env = useServer({ webdav: true, excludedTags: ['private'] });
  const other = useOtherHost();

  it('never follows a hostile href in a folder PROPFIND or a tag REPORT, nor lists it', async () => {
    const standin = env.target.standin;
    if (!standin) return;
    await call(env.client, 'nc_webdav_list_directory', { path: '/' });
    for (const href of hostileHrefs(other.base, '/remote.php/dav/files/alice/elsewhere.txt')) {
      const entry = ok(href, '<d:resourcetype/><d:getcontentlength>1</d:getcontentlength>');
      standin.fail({
        match: /^\/remote\.php\/dav\/files\/alice\/?$/,
        method: 'REPORT',
        body: multistatus(entry),
      });
      standin.fail({
        match: /^\/remote\.php\/dav\/files\/alice\/?$/,
        method: 'PROPFIND',
        body: multistatus(entry),
      });
      const listed = await call(env.client, 'nc_webdav_list_directory', { path: '/' });
      expect(listed.isError, listed.text).toBeFalsy();
      expect(listed.data.entries, href).toEqual([]);
      expect(other.seen, href).toEqual([]);
    }
  });
});

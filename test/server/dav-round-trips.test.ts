import { beforeAll, describe, expect, it } from 'vitest';
import { call, groupwareAvailable, textOf, useServer } from '../harness.js';

const COLLECTIONS = 3;

/**
 * What a listing across calendars or address books costs in requests to Nextcloud: the home once
 * (one PROPFIND: no per-collection report probes), then one REPORT per collection that carries the
 * data (no href query followed by a multiget). Counted in the stand-in's request log.
 */
describe.runIf(groupwareAvailable() && !process.env.TEST_NEXTCLOUD_URL)('DAV round trips', () => {
  const env = useServer({ groupware: true });

  beforeAll(async () => {
    for (let n = 0; n < COLLECTIONS; n++) {
      const made = await call(env.client, 'nc_calendar_manage_calendar', {
        action: 'create',
        calendar_name: `trips-${n}`,
      });
      expect(made.isError, textOf(made)).toBeFalsy();
      await call(env.client, 'nc_calendar_create_event', {
        calendar_name: `trips-${n}`,
        title: `Meeting ${n}`,
        start_datetime: '2026-03-10T10:00:00',
      });
      await call(env.client, 'nc_calendar_create_todo', {
        calendar_name: `trips-${n}`,
        summary: `Task ${n}`,
      });
      const book = await call(env.client, 'nc_contacts_create_addressbook', {
        name: `people-${n}`,
        display_name: `Trips ${n}`,
      });
      expect(book.isError, textOf(book)).toBeFalsy();
      const contact = await call(env.client, 'nc_contacts_create_contact', {
        addressbook: `people-${n}`,
        contact_data: { fn: `Person ${n}` },
      });
      expect(contact.isError, textOf(contact)).toBeFalsy();
    }
  });

  /** The DAV requests (method and the collection's last segment) one call sends. */
  async function requestsOf(tool: string, args: Record<string, unknown>) {
    const log = env.target.standin?.log ?? [];
    const before = log.length;
    const result = await call(env.client, tool, args);
    expect(result.isError, textOf(result)).toBeFalsy();
    const sent = log.slice(before).filter((line) => line.includes('/remote.php/dav/'));
    return { result, sent: sent.map((line) => line.split(' ')[0]).sort() };
  }

  const expected = (collections: number) => ['PROPFIND', ...Array(collections).fill('REPORT')].sort();

  it('lists events across calendars with the home once and one REPORT per calendar', async () => {
    const { result, sent } = await requestsOf('nc_calendar_list_events', {
      search_all_calendars: true,
      start_date: '2026-03-01',
      end_date: '2026-03-31',
    });
    const calendars = result.data.events.filter((e: { calendar_name: string }) =>
      e.calendar_name.startsWith('trips-'),
    );
    expect(calendars).toHaveLength(COLLECTIONS);
    expect(sent).toEqual(expected(sent.length - 1));
    expect(sent.length - 1).toBeGreaterThanOrEqual(COLLECTIONS);
  });

  it('searches tasks across calendars the same way', async () => {
    const { result, sent } = await requestsOf('nc_calendar_search_todos', { summary_contains: 'Task' });
    expect(result.data.todos.map((t: { summary: string }) => t.summary).sort()).toEqual(
      Array.from({ length: COLLECTIONS }, (_, n) => `Task ${n}`),
    );
    expect(sent).toEqual(expected(sent.length - 1));
  });

  it('searches contacts across address books with the home once and one REPORT per book', async () => {
    const { result, sent } = await requestsOf('nc_contacts_search_contacts', { query: 'Person' });
    expect(result.data.contacts.map((c: { fn: string }) => c.fn).sort()).toEqual(
      Array.from({ length: COLLECTIONS }, (_, n) => `Person ${n}`),
    );
    const books = (await call(env.client, 'nc_contacts_list_addressbooks')).data.addressbooks.length;
    expect(sent).toEqual(expected(books));
  });

  it('keeps a display name of digits as the text it is', async () => {
    await call(env.client, 'nc_calendar_manage_calendar', {
      action: 'create',
      calendar_name: 'year',
      display_name: '2026',
    });
    await call(env.client, 'nc_contacts_create_addressbook', { name: 'class', display_name: '1999' });
    const calendars = await call(env.client, 'nc_calendar_list_calendars');
    expect(calendars.data.calendars).toContainEqual(
      expect.objectContaining({ name: 'year', display_name: '2026' }),
    );
    const books = await call(env.client, 'nc_contacts_list_addressbooks');
    expect(books.data.addressbooks).toContainEqual(
      expect.objectContaining({ uri: 'class', displayname: '1999' }),
    );
  });
});

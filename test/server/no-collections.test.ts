import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, connectClient, groupwareAvailable, STANDIN_USERS, useServer } from '../harness.js';

/**
 * A user whose calendar and address-book home holds nothing, as an account `user_oidc` created for a
 * bearer token has (Nextcloud makes the default calendar and address book at a first browser login):
 * the tools say so and how to create one, instead of failing on a calendar that is not there.
 */
describe.runIf(groupwareAvailable() && !process.env.TEST_NEXTCLOUD_URL)(
  'a user without calendars or address books',
  () => {
    const env = useServer({ groupware: true });
    let bob: Client;
    const noCalendars =
      'You have no calendars yet (an account Nextcloud created at a first sign-in with a token starts ' +
      'without any): create one with nc_calendar_manage_calendar (action "create")';
    const noTaskCalendars = noCalendars.replace('no calendars', 'no calendars with tasks');
    const noBooks =
      'You have no address books yet (an account Nextcloud created at a first sign-in with a token starts ' +
      'without any): create one with nc_contacts_create_addressbook';

    beforeAll(async () => {
      // Bob never used calendars or contacts: Radicale's home for him is empty.
      bob = await connectClient(env.server.url, {
        ...env.target,
        user: 'bob',
        appPassword: STANDIN_USERS.bob,
      });
    });
    afterAll(() => bob.close());

    it('lists no calendars and no address books, without an error', async () => {
      const calendars = await call(bob, 'nc_calendar_list_calendars');
      expect(calendars.isError).toBeFalsy();
      expect(calendars.data).toEqual({ calendars: [], total_count: 0 });
      const books = await call(bob, 'nc_contacts_list_addressbooks');
      expect(books.isError).toBeFalsy();
      expect(books.data).toEqual({ addressbooks: [], total_count: 0 });
    });

    it.each([
      ['nc_calendar_list_events', { calendar_name: 'personal' }, noCalendars],
      ['nc_calendar_list_events', { search_all_calendars: true }, noCalendars],
      [
        'nc_calendar_create_event',
        { calendar_name: 'personal', title: 'x', start_datetime: '2026-03-02T09:00:00' },
        noCalendars,
      ],
      ['nc_calendar_get_upcoming_events', {}, noCalendars],
      ['nc_calendar_search_todos', {}, noTaskCalendars],
      ['nc_calendar_create_todo', { calendar_name: 'tasks', summary: 'x' }, noTaskCalendars],
      ['nc_contacts_search_contacts', { query: 'ann' }, noBooks],
      ['nc_contacts_create_contact', { addressbook: 'contacts', contact_data: { fn: 'Ann' } }, noBooks],
    ])('%s says there is none and how to create one', async (tool, args, message) => {
      const result = await call(bob, tool, args);
      expect(result.isError).toBe(true);
      expect(result.text).toBe(message);
    });

    it('works once the user created a calendar', async () => {
      const made = await call(bob, 'nc_calendar_manage_calendar', {
        action: 'create',
        calendar_name: 'personal',
      });
      expect(made.isError, made.text).toBeFalsy();
      const listed = await call(bob, 'nc_calendar_list_events', { search_all_calendars: true });
      expect(listed.isError, listed.text).toBeFalsy();
      expect(listed.data.total_found).toBe(0);
    });
  },
);

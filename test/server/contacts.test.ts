import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { davHome } from '../dav-client.js';
import { basicAuth, call, groupwareAvailable, textOf, unique, useServer } from '../harness.js';

/** Contact tools (CardDAV) against Radicale behind the Nextcloud stand-in (or a real Nextcloud). */
describe.runIf(groupwareAvailable())('contact tools', () => {
  const env = useServer({ groupware: true });
  const book = unique('book')
    .replace(/[^\w-]/g, '-')
    .toLowerCase();

  beforeAll(async () => {
    const made = await call(env.client, 'nc_contacts_create_addressbook', {
      name: book,
      display_name: 'MCP test contacts',
    });
    expect(made.isError, textOf(made)).toBeFalsy();
  });
  afterAll(async () => {
    await call(env.client, 'nc_contacts_delete_addressbook', { name: book });
  });

  it('lists the address book it created, with the numeric ctag Nextcloud sends', async () => {
    const books = await call(env.client, 'nc_contacts_list_addressbooks');
    expect(books.isError, books.text).toBeFalsy();
    expect(books.data.addressbooks).toContainEqual(
      expect.objectContaining({
        uri: book,
        displayname: 'MCP test contacts',
        ctag: expect.stringMatching(/^\d+$/),
      }),
    );
  });

  it('creates, lists and searches contacts', async () => {
    const created = await call(env.client, 'nc_contacts_create_contact', {
      addressbook: book,
      contact_data: {
        fn: 'Ann Lee',
        email: ['ann@example.com', 'ann@work.example'],
        tel: '+49 30 1234567',
        birthday: '1990-05-17',
        org: 'ACME',
      },
    });
    expect(created.isError, textOf(created)).toBeFalsy();
    expect(created.data).toMatchObject({
      fn: 'Ann Lee',
      emails: [
        { value: 'ann@example.com', preferred: false },
        { value: 'ann@work.example', preferred: false },
      ],
      phones: [{ value: '+49 30 1234567' }],
      birthday: '1990-05-17',
      org: 'ACME',
      addressbook: book,
    });
    await call(env.client, 'nc_contacts_create_contact', {
      addressbook: book,
      uid: 'bob-1',
      contact_data: { fn: 'Bob Stone' },
    });
    const listed = await call(env.client, 'nc_contacts_list_contacts', { addressbook: book });
    expect(listed.data.contacts.map((c: { fn: string }) => c.fn).sort()).toEqual(['Ann Lee', 'Bob Stone']);
    for (const query of ['lee', 'work.example', '1234567', 'acme']) {
      const found = await call(env.client, 'nc_contacts_search_contacts', { query });
      expect(
        found.data.contacts.map((c: { fn: string }) => c.fn),
        query,
      ).toEqual(['Ann Lee']);
    }
  });

  it('says a contact UID already there exists, with Nextcloud\'s reason, not "changed since you read it"', async () => {
    const again = await call(env.client, 'nc_contacts_create_contact', {
      addressbook: book,
      uid: 'bob-1',
      contact_data: { fn: 'Bob Again' },
    });
    expect(again.isError).toBe(true);
    // Nextcloud answers the If-None-Match: * of a create with 412, as it answers a stale If-Match.
    expect(again.text).toBe(
      'Contact bob-1 already exists: An If-None-Match header was specified, but the ETag matched (or * was specified)',
    );
    if (!env.target.standin) return;
    // Another client's card under another file name with the same UID: CardDavBackend's refusal.
    const home = `${env.target.url}/remote.php/dav${await davHome(env.target, 'addressbook')}${book}/`;
    const raw = await fetch(`${home}other-client.vcf`, {
      method: 'PUT',
      headers: {
        authorization: basicAuth(env.target.user, env.target.appPassword),
        'content-type': 'text/vcard',
      },
      body: 'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:carl-1\r\nFN:Carl\r\nEND:VCARD\r\n',
    });
    expect(raw.status).toBe(201);
    const clash = await call(env.client, 'nc_contacts_create_contact', {
      addressbook: book,
      uid: 'carl-1',
      contact_data: { fn: 'Carl Again' },
    });
    expect(clash.text).toBe(
      'Nextcloud refused the request for Contact carl-1: VCard object with uid already exists in this addressbook collection.',
    );
  });

  it('updates only what it is given, refuses a stale etag, and deletes', async () => {
    const read = await call(env.client, 'nc_contacts_search_contacts', { query: 'Bob', addressbook: book });
    const bob = read.data.contacts[0];
    const updated = await call(env.client, 'nc_contacts_update_contact', {
      addressbook: book,
      uid: 'bob-1',
      contact_data: { email: 'bob@example.com' },
      etag: bob.etag,
    });
    expect(updated.isError, textOf(updated)).toBeFalsy();
    expect(updated.data).toMatchObject({ fn: 'Bob Stone', emails: [{ value: 'bob@example.com' }] });
    const stale = await call(env.client, 'nc_contacts_update_contact', {
      addressbook: book,
      uid: 'bob-1',
      contact_data: { fn: 'Robert Stone' },
      etag: bob.etag,
    });
    expect(stale.isError).toBe(true);
    expect(textOf(stale)).toContain('changed since you read it');
    const deleted = await call(env.client, 'nc_contacts_delete_contact', { addressbook: book, uid: 'bob-1' });
    expect(deleted.data).toEqual({ uid: 'bob-1', deleted: true });
    const gone = await call(env.client, 'nc_contacts_update_contact', {
      addressbook: book,
      uid: 'bob-1',
      contact_data: { fn: 'X' },
    });
    expect(textOf(gone)).toContain('not found');
  });

  it('refuses contact fields it does not know, before reaching Nextcloud', async () => {
    const refused = await call(env.client, 'nc_contacts_create_contact', {
      addressbook: book,
      contact_data: { fn: 'X', shoe_size: 44 },
    });
    expect(refused.isError).toBe(true);
  });
});

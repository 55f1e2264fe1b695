import {
  createVCard,
  type DAVAddressBook,
  DAVNamespaceShort,
  type DAVVCard,
  davRequest,
  deleteVCard,
  fetchAddressBooks,
  fetchVCards,
  updateVCard,
} from 'tsdav';
import { errorForStatus } from '../errors.js';
import type { NextcloudClient } from './client.js';
import { type CollectionName, collectionName, DavHome, findCollection } from './dav-discovery.js';

/** An address book as tools name it: the last segment of its URL (Nextcloud's `contacts`, …). */
export interface AddressBookRef extends CollectionName {
  readonly url: string;
  readonly ctag: string | null;
  readonly dav: DAVAddressBook;
}

/** Address books of the caller over CardDAV, in the discovered address-book home. */
export class CardDav extends DavHome {
  constructor(nc: NextcloudClient) {
    super(nc, 'carddav', 'Address book');
  }

  async addressBooks(): Promise<AddressBookRef[]> {
    const books = await fetchAddressBooks({ account: await this.discover(), fetch: this.fetch });
    return books.map((book) => ({
      ...collectionName(book),
      url: book.url,
      // Nextcloud's ctag is its sync token, which tsdav reads as a number; other servers send text.
      ctag: book.ctag === undefined || book.ctag === null ? null : String(book.ctag),
      dav: book,
    }));
  }

  async addressBook(name: string): Promise<AddressBookRef> {
    return findCollection(await this.addressBooks(), name, 'Address book', 'address books');
  }

  /** Extended MKCOL (RFC 5689) of an address book below the discovered home. */
  async create(name: string, displayName: string): Promise<void> {
    const responses = await davRequest({
      url: await this.childUrl(name),
      init: {
        method: 'MKCOL',
        namespace: DAVNamespaceShort.DAV,
        body: {
          mkcol: {
            _attributes: { 'xmlns:d': 'DAV:', 'xmlns:card': 'urn:ietf:params:xml:ns:carddav' },
            set: {
              prop: {
                [`${DAVNamespaceShort.DAV}:resourcetype`]: {
                  [`${DAVNamespaceShort.DAV}:collection`]: {},
                  [`${DAVNamespaceShort.CARDDAV}:addressbook`]: {},
                },
                [`${DAVNamespaceShort.DAV}:displayname`]: displayName,
              },
            },
          },
        },
      },
      fetch: this.fetch,
    });
    const failed = responses.find((response) => !response.ok && response.status !== undefined);
    if (failed) throw errorForStatus(failed.status, `Address book ${name}`, failed.statusText);
  }

  remove(book: AddressBookRef): Promise<void> {
    return this.deleteCollection(book.url, `Address book ${book.name}`);
  }

  async cards(book: AddressBookRef): Promise<DAVVCard[]> {
    return fetchVCards({ addressBook: book.dav, fetch: this.fetch });
  }

  async createCard(book: AddressBookRef, uid: string, data: string): Promise<void> {
    await createVCard({
      addressBook: book.dav,
      vCardString: data,
      filename: `${encodeURIComponent(uid)}.vcf`,
      headers: { 'if-none-match': '*' },
      fetch: this.fetchFor(`Contact ${uid}`),
    });
  }

  /** PUT with If-Match: a contact someone changed since it was read is never overwritten. */
  async updateCard(card: DAVVCard, data: string, what: string): Promise<void> {
    await updateVCard({ vCard: { ...card, data }, fetch: this.fetchFor(what) });
  }

  async deleteCard(card: DAVVCard, what: string): Promise<void> {
    await deleteVCard({ vCard: card, fetch: this.fetchFor(what, [404]) });
  }
}

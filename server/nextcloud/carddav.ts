import {
  createVCard,
  type DAVAccount,
  type DAVAddressBook,
  DAVNamespaceShort,
  type DAVVCard,
  davRequest,
  deleteObject,
  deleteVCard,
  fetchAddressBooks,
  fetchVCards,
  updateVCard,
} from 'tsdav';
import { errorForStatus, NotFoundError } from '../errors.js';
import type { NextcloudClient } from './client.js';
import { discoverAccount } from './dav-discovery.js';
import { davFetch } from './dav-fetch.js';

/** An address book as tools name it: the last segment of its URL (Nextcloud's `contacts`, …). */
export interface AddressBookRef {
  readonly name: string;
  readonly displayName: string;
  readonly url: string;
  readonly ctag: string | null;
  readonly dav: DAVAddressBook;
}

const nameOf = (url: string) => decodeURIComponent(url.replace(/\/+$/, '').split('/').pop() ?? '');

/** Address books of the caller over CardDAV (tsdav), found by discovery (addressbook-home-set). */
export class CardDav {
  private readonly fetch: typeof fetch;
  private account?: DAVAccount;

  constructor(private readonly nc: NextcloudClient) {
    this.fetch = davFetch(nc, 'Address book');
  }

  private async discover(): Promise<DAVAccount> {
    this.account ??= await discoverAccount(this.nc, 'carddav', this.fetch);
    return this.account;
  }

  async addressBooks(): Promise<AddressBookRef[]> {
    const books = await fetchAddressBooks({ account: await this.discover(), fetch: this.fetch });
    return books.map((book) => ({
      name: nameOf(book.url),
      displayName:
        typeof book.displayName === 'string' && book.displayName ? book.displayName : nameOf(book.url),
      url: book.url,
      ctag: book.ctag ?? null,
      dav: book,
    }));
  }

  async addressBook(name: string): Promise<AddressBookRef> {
    const all = await this.addressBooks();
    const found = all.find((book) => book.name === name) ?? all.find((book) => book.displayName === name);
    if (!found)
      throw new NotFoundError(
        `Address book "${name}" not found; address books: ${all.map((b) => b.name).join(', ') || 'none'}`,
      );
    return found;
  }

  /** Extended MKCOL (RFC 5689) of an address book below the discovered home. */
  async create(name: string, displayName: string): Promise<void> {
    const account = await this.discover();
    const responses = await davRequest({
      url: new URL(`${encodeURIComponent(name)}/`, account.homeUrl).href,
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

  async remove(book: AddressBookRef): Promise<void> {
    const response = await deleteObject({ url: book.url, fetch: this.fetch });
    if (!response.ok && response.status !== 404)
      throw errorForStatus(response.status, `Address book ${book.name}`);
  }

  async cards(book: AddressBookRef): Promise<DAVVCard[]> {
    return fetchVCards({ addressBook: book.dav, fetch: this.fetch });
  }

  async createCard(book: AddressBookRef, uid: string, data: string): Promise<void> {
    const response = await createVCard({
      addressBook: book.dav,
      vCardString: data,
      filename: `${encodeURIComponent(uid)}.vcf`,
      headers: { 'if-none-match': '*' },
      fetch: this.fetch,
    });
    if (!response.ok) throw errorForStatus(response.status, `Contact ${uid}`);
  }

  /** PUT with If-Match: a contact someone changed since it was read is never overwritten. */
  async updateCard(card: DAVVCard, data: string, what: string): Promise<void> {
    const response = await updateVCard({ vCard: { ...card, data }, fetch: this.fetch });
    if (!response.ok) throw errorForStatus(response.status, what);
  }

  async deleteCard(card: DAVVCard, what: string): Promise<void> {
    const response = await deleteVCard({ vCard: card, fetch: this.fetch });
    if (!response.ok && response.status !== 404) throw errorForStatus(response.status, what);
  }
}

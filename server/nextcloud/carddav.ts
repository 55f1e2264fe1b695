import {
  addressBookQuery,
  createVCard,
  type DAVAddressBook,
  DAVNamespaceShort,
  type DAVVCard,
  davRequest,
  deleteVCard,
  updateVCard,
} from 'tsdav';
import { errorForStatus } from '../errors.js';
import type { NextcloudClient } from './client.js';
import {
  type CollectionName,
  collectionName,
  DavHome,
  findCollection,
  reportedObjects,
} from './dav-discovery.js';

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

  /** The address books of the home, read once per service object (one tool call). */
  private home: Promise<AddressBookRef[]> | undefined;

  addressBooks(): Promise<AddressBookRef[]> {
    this.home ??= this.readHome().catch((error: unknown) => {
      this.home = undefined;
      throw error;
    });
    return this.home;
  }

  private async readHome(): Promise<AddressBookRef[]> {
    const collections = await this.homeCollections(
      {
        [`${DAVNamespaceShort.CALENDAR_SERVER}:getctag`]: {},
        [`${DAVNamespaceShort.DAV}:sync-token`]: {},
      },
      'addressbook',
    );
    return collections.map(({ url, displayName, props }) => {
      const book: DAVAddressBook = { url, displayName, ctag: props.getctag, syncToken: props.syncToken };
      return {
        ...collectionName(book),
        url,
        // Nextcloud's ctag is its sync token, which tsdav reads as a number; other servers send text.
        ctag: props.getctag === undefined || props.getctag === null ? null : String(props.getctag),
        dav: book,
      };
    });
  }

  async addressBook(name: string): Promise<AddressBookRef> {
    return findCollection(await this.addressBooks(), name, 'Address book', 'address books');
  }

  /** Extended MKCOL (RFC 5689) of an address book below the discovered home. */
  async create(name: string, displayName: string): Promise<void> {
    this.home = undefined;
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
    this.home = undefined;
    return this.deleteCollection(book.url, `Address book ${book.name}`);
  }

  /**
   * Every card of the book with its data: one addressbook-query REPORT (tsdav's fetchVCards asks
   * for the hrefs, then multi-gets them: two round trips). Its filter, as tsdav's, is "has an FN",
   * which every valid vCard has.
   */
  async cards(book: AddressBookRef): Promise<DAVVCard[]> {
    const responses = await addressBookQuery({
      url: book.url,
      props: { [`${DAVNamespaceShort.DAV}:getetag`]: {}, [`${DAVNamespaceShort.CARDDAV}:address-data`]: {} },
      depth: '1',
      fetch: this.fetchFor(`Address book ${book.name}`),
    });
    return reportedObjects(responses, book.url, 'addressData');
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

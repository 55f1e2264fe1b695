import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { createAccount, type DAVAccount, type DAVResponse, deleteObject, propfind } from 'tsdav';
import { ForbiddenError, NotFoundError } from '../errors.js';
import type { NextcloudClient } from './client.js';
import { davFetch } from './dav-fetch.js';

/**
 * Where a caller's principal and calendar/address-book homes are, discovered once and kept for a
 * few minutes per credential (hashed): every calendar or contact call would otherwise spend two or
 * three PROPFINDs finding them again. Keyed by the credential, so no caller sees another's.
 */
const accounts = new LRUCache<string, DAVAccount>({ max: 1000, ttl: 5 * 60_000 });

/** A calendar or address book as tools name it: the last segment of its URL, and its display name. */
export interface CollectionName {
  readonly name: string;
  readonly displayName: string;
}

/**
 * The caller's CalDAV or CardDAV home (tsdav). The DAV principal and the home are discovered
 * (current-user-principal, calendar-home-set or addressbook-home-set), never derived from the
 * login name, since LDAP and OIDC users often have another principal.
 */
export abstract class DavHome {
  protected readonly fetch: typeof fetch;
  private account?: DAVAccount;

  constructor(
    protected readonly nc: NextcloudClient,
    private readonly accountType: 'caldav' | 'carddav',
    private readonly what: string,
  ) {
    this.fetch = davFetch(nc, what);
  }

  /** A fetch whose failures name `what` ("Contact 42"); `accept` statuses are answers, not failures. */
  protected fetchFor(what: string, accept: readonly number[] = []): typeof fetch {
    return davFetch(this.nc, what, accept);
  }

  protected async discover(): Promise<DAVAccount> {
    if (!this.account) {
      const key = `${this.accountType}:${this.nc.cacheKey}`;
      this.account = accounts.get(key);
      if (!this.account) {
        // Nextcloud's DAV root is known: no /.well-known service discovery (two more round trips).
        const root = this.nc.url('/remote.php/dav/').href;
        const account = await createAccount({
          account: { serverUrl: root, rootUrl: root, accountType: this.accountType },
          fetch: this.fetch,
        });
        // A home elsewhere would fail every call until the cache forgot it: refused, never kept.
        if (!this.nc.below(account.homeUrl ?? '') || !this.nc.below(account.principalUrl ?? ''))
          throw new ForbiddenError(`${this.what}: the server pointed to a URL outside this Nextcloud`);
        this.account = account;
        accounts.set(key, account);
      }
    }
    return this.account;
  }

  /**
   * The home's collections of one resource type, with the props asked for: one Depth 1 PROPFIND.
   * (tsdav's fetchCalendars and fetchAddressBooks also ask each collection for its supported
   * reports, one more round trip per collection for what nothing here reads.)
   */
  protected async homeCollections(
    props: Record<string, object>,
    resourceType: 'calendar' | 'addressbook',
  ): Promise<{ url: string; displayName: string; props: NonNullable<DAVResponse['props']> }[]> {
    const homeUrl = (await this.discover()).homeUrl ?? '';
    const responses = await propfind({
      url: homeUrl,
      props: { 'd:displayname': {}, 'd:resourcetype': {}, ...props },
      depth: '1',
      fetch: this.fetchFor(`${this.what} home`),
    });
    // A collection outside this Nextcloud could only fail: left out of the listing.
    return responses.flatMap((response) => {
      const url = new URL(response.href ?? '', homeUrl).href;
      const found = response.props ?? {};
      if (!Object.keys(found.resourcetype ?? {}).includes(resourceType) || !this.nc.below(url)) return [];
      const displayName = found.displayname?._cdata ?? found.displayname;
      // The XML parser tsdav uses reads a name of digits ("2026") as a number.
      const name =
        typeof displayName === 'string' || typeof displayName === 'number' ? String(displayName) : '';
      return [{ url, displayName: name, props: found }];
    });
  }

  /** The URL of a new collection `name` below the discovered home. */
  protected async childUrl(name: string): Promise<string> {
    return new URL(`${encodeURIComponent(name)}/`, (await this.discover()).homeUrl).href;
  }

  /** DELETE of a whole collection; one already gone counts as deleted. */
  protected async deleteCollection(url: string, what: string): Promise<void> {
    await deleteObject({ url, fetch: this.fetchFor(what, [404]) });
  }
}

/**
 * The objects of a REPORT that asked for their data (`calendarData` or `addressData`): URL, ETag
 * and text, as tsdav's own fetches shape them. Responses without data (the collection) are left out.
 */
export function reportedObjects(
  responses: readonly DAVResponse[],
  base: string,
  data: 'calendarData' | 'addressData',
): { url: string; etag: string | undefined; data: unknown }[] {
  return responses
    .filter((response) => response.href && response.props?.[data] !== undefined)
    .map((response) => {
      const text = response.props?.[data];
      const etag = response.props?.getetag;
      return {
        url: new URL(response.href ?? '', base).href,
        etag: etag === undefined || etag === null ? undefined : String(etag),
        data: text?._cdata ?? text,
      };
    });
}

/** A collection's tool name and display name (the name again when it has none). */
export function collectionName(collection: { url: string; displayName?: unknown }): CollectionName {
  const name = decodeURIComponent(collection.url.replace(/\/+$/, '').split('/').pop() ?? '');
  const { displayName } = collection;
  return { name, displayName: typeof displayName === 'string' && displayName ? displayName : name };
}

/** How to make the first collection of a kind, for a caller who has none. */
const CREATE_FIRST = {
  calendars: 'nc_calendar_manage_calendar (action "create")',
  'calendars with tasks': 'nc_calendar_manage_calendar (action "create")',
  'address books': 'nc_contacts_create_addressbook',
} as const;

/**
 * The error for a caller without a single calendar or address book: accounts Nextcloud creates for a
 * bearer token (`user_oidc` provisioning) have none, since the default ones are made at a first login
 * in the browser. It says how to create one.
 */
export function noCollections(plural: keyof typeof CREATE_FIRST): NotFoundError {
  return new NotFoundError(
    `You have no ${plural} yet (an account Nextcloud created at a first sign-in with a token starts ` +
      `without any): create one with ${CREATE_FIRST[plural]}`,
  );
}

/**
 * A collection by its name or, failing that, its display name; the error lists the names there
 * are, so a model can pick one, or says how to create the first. `kind` is e.g. "Calendar" and
 * `plural` "calendars".
 */
export function findCollection<T extends CollectionName>(
  all: readonly T[],
  name: string,
  kind: string,
  plural: keyof typeof CREATE_FIRST,
): T {
  if (all.length === 0) throw noCollections(plural);
  const found = all.find((item) => item.name === name) ?? all.find((item) => item.displayName === name);
  if (!found) {
    throw new NotFoundError(
      `${kind} "${name}" not found; ${plural}: ${all.map((item) => item.name).join(', ') || 'none'}`,
    );
  }
  return found;
}

/**
 * How many collections one call queries at once: a cross-calendar listing takes about one round
 * trip for up to this many calendars, without one caller taking the whole connection pool.
 */
export const PARALLEL_COLLECTIONS = 16;

/** `work` over every item, at most `limit` at a time; results in the items' order. */
export async function mapBounded<T, R>(
  items: readonly T[],
  work: (item: T) => Promise<R>,
  limit = PARALLEL_COLLECTIONS,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Every object of some collections, read in parallel (bounded), turned into items by `parse`. An
 * object `parse` throws on (not valid iCalendar or vCard) is left out, counted and logged with
 * `skipped`, so one broken object written by another client does not fail the listing.
 */
export async function readEach<C, O extends { url: string }, R>(
  collections: readonly C[],
  read: (collection: C) => Promise<readonly O[]>,
  parse: (object: O, collection: C) => Iterable<R>,
  log: Logger,
  skipped: string,
): Promise<{ items: R[]; skipped: number }> {
  const objects = await mapBounded(collections, read);
  const items: R[] = [];
  let count = 0;
  collections.forEach((collection, index) => {
    for (const object of objects[index] ?? []) {
      try {
        items.push(...parse(object, collection));
      } catch (error) {
        count++;
        log.warn({ url: object.url, err: (error as Error).message }, skipped);
      }
    }
  });
  return { items, skipped: count };
}

import { LRUCache } from 'lru-cache';
import { createAccount, type DAVAccount, deleteObject } from 'tsdav';
import { NotFoundError } from '../errors.js';
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
    what: string,
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
        this.account = await createAccount({
          account: { serverUrl: root, rootUrl: root, accountType: this.accountType },
          fetch: this.fetch,
        });
        accounts.set(key, this.account);
      }
    }
    return this.account;
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

/** A collection's tool name and display name (the name again when it has none). */
export function collectionName(collection: { url: string; displayName?: unknown }): CollectionName {
  const name = decodeURIComponent(collection.url.replace(/\/+$/, '').split('/').pop() ?? '');
  const { displayName } = collection;
  return { name, displayName: typeof displayName === 'string' && displayName ? displayName : name };
}

/**
 * A collection by its name or, failing that, its display name; the error lists the names there
 * are, so a model can pick one. `kind` is e.g. "Calendar" and `plural` "calendars".
 */
export function findCollection<T extends CollectionName>(
  all: readonly T[],
  name: string,
  kind: string,
  plural: string,
): T {
  const found = all.find((item) => item.name === name) ?? all.find((item) => item.displayName === name);
  if (!found) {
    throw new NotFoundError(
      `${kind} "${name}" not found; ${plural}: ${all.map((item) => item.name).join(', ') || 'none'}`,
    );
  }
  return found;
}

import { LRUCache } from 'lru-cache';
import { createAccount, type DAVAccount } from 'tsdav';
import type { NextcloudClient } from './client.js';

/**
 * Where a caller's principal and calendar/address-book homes are, discovered once and kept for a
 * few minutes per credential (hashed): every calendar or contact call would otherwise spend two or
 * three PROPFINDs finding them again. Keyed by the credential, so no caller sees another's.
 */
const accounts = new LRUCache<string, DAVAccount>({ max: 1000, ttl: 5 * 60_000 });

export async function discoverAccount(
  nc: NextcloudClient,
  accountType: 'caldav' | 'carddav',
  fetch: typeof globalThis.fetch,
): Promise<DAVAccount> {
  const key = `${accountType}:${nc.cacheKey}`;
  const cached = accounts.get(key);
  if (cached) return cached;
  const account = await createAccount({
    account: { serverUrl: nc.url('/remote.php/dav/').href, accountType },
    fetch,
  });
  accounts.set(key, account);
  return account;
}

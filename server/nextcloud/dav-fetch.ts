import { ForbiddenError } from '../errors.js';
import type { NextcloudClient } from './client.js';

function headersOf(init: RequestInit | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  new Headers(init?.headers).forEach((value, key) => {
    // The client's own credential is the only one ever sent.
    if (key !== 'authorization') headers[key] = value;
  });
  return headers;
}

/**
 * A `fetch` for the CalDAV/CardDAV library (tsdav) that sends every request through the one
 * Nextcloud client (deadline, cancellation, retries of safe methods, every failure mapped by the one
 * status table, which sees the request's If-Match or If-None-Match and Nextcloud's reason), and only
 * to Nextcloud itself: a server answering with an href elsewhere cannot make the server send the
 * user's token there. `what` names the object in error messages; statuses in `accept` (a 404 to a
 * DELETE) come back to the library as answers.
 */
export function davFetch(nc: NextcloudClient, what: string, accept: readonly number[] = []): typeof fetch {
  return async (input, init) => {
    const href = input instanceof Request ? input.url : String(input);
    const target = nc.below(href);
    if (!target) throw new ForbiddenError(`${what}: the server pointed to a URL outside this Nextcloud`);
    const body = init?.body;
    const response = await nc.send({
      method: init?.method ?? 'GET',
      path: target.path,
      query: Object.fromEntries(target.query),
      headers: headersOf(init),
      ...(typeof body === 'string' ? { body } : {}),
      what,
      accept,
    });
    const headers = new Headers();
    for (const [key, value] of Object.entries(response.headers)) {
      if (typeof value === 'string') headers.set(key, value);
    }
    const empty = response.status === 204 || response.status === 304;
    return new Response(empty ? null : new Uint8Array(response.body), { status: response.status, headers });
  };
}

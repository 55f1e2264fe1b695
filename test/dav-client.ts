import { expect } from 'vitest';
import { basicAuth, type Target } from './harness.js';

/**
 * Nextcloud's DAV API called directly, as the Files app does, for what the tools do not offer
 * (creating and assigning system tags, personal tags): tests set up state with it.
 */
export async function dav(
  target: Target,
  method: string,
  path: string,
  options: { body?: string; contentType?: string; depth?: string } = {},
): Promise<Response> {
  const encoded = path.split('/').map(encodeURIComponent).join('/');
  return fetch(`${target.url}/remote.php/dav${encoded}`, {
    method,
    headers: {
      authorization: basicAuth(target.user, target.appPassword),
      'content-type': options.contentType ?? 'application/xml; charset=utf-8',
      // Uncompressed, as the tools ask: the stand-in's groupware proxy rewrites 207 bodies as text.
      'accept-encoding': 'identity',
      ...(options.depth ? { depth: options.depth } : {}),
    },
    ...(options.body === undefined ? {} : { body: options.body }),
  });
}

/** Creates a visible, assignable system tag and returns its id. */
export async function createTag(target: Target, name: string): Promise<number> {
  const response = await dav(target, 'POST', '/systemtags/', {
    body: JSON.stringify({ name, userVisible: true, userAssignable: true }),
    contentType: 'application/json',
  });
  expect(response.status).toBe(201);
  return Number(response.headers.get('content-location')?.split('/').pop());
}

/**
 * The id of the suite's own system tag, created on first use. Only admins may delete a system tag,
 * so on a real Nextcloud the tag outlives the run: a fixed name per suite (not a unique one) has a
 * run find the tag the last one left instead of adding another every time.
 */
export async function suiteTag(target: Target, name: string): Promise<number> {
  const response = await dav(target, 'PROPFIND', '/systemtags/', {
    depth: '1',
    body:
      '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">' +
      '<d:prop><oc:id/><oc:display-name/></d:prop></d:propfind>',
  });
  expect(response.status).toBe(207);
  for (const [, xml] of (await response.text()).matchAll(/<d:response>(.*?)<\/d:response>/gs)) {
    const id = /<oc:id>(\d+)<\/oc:id>/.exec(xml ?? '')?.[1];
    if (id && (xml ?? '').includes(`<oc:display-name>${name}</oc:display-name>`)) return Number(id);
  }
  return createTag(target, name);
}

/** Deletes a tag where the test user may (admins only); elsewhere it stays, as a real Nextcloud keeps it. */
export async function deleteTag(target: Target, id: number): Promise<void> {
  await dav(target, 'DELETE', `/systemtags/${id}`);
}

/** Assigns a system tag to a file or folder by its id. */
export async function assignTag(target: Target, fileId: number, tagId: number): Promise<void> {
  const response = await dav(target, 'PUT', `/systemtags-relations/files/${fileId}/${tagId}`);
  expect(response.status).toBe(201);
}

/** Removes a system tag from a file or folder. */
export async function unassignTag(target: Target, fileId: number, tagId: number): Promise<void> {
  const response = await dav(target, 'DELETE', `/systemtags-relations/files/${fileId}/${tagId}`);
  expect(response.status).toBe(204);
}

/** Marks a file as favorite the way Nextcloud's web UI does (PROPPATCH oc:favorite). */
export async function markFavorite(target: Target, path: string): Promise<void> {
  const response = await dav(target, 'PROPPATCH', `/files/${target.user}${path}`, {
    body:
      '<?xml version="1.0"?><d:propertyupdate xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">' +
      '<d:set><d:prop><oc:favorite>1</oc:favorite></d:prop></d:set></d:propertyupdate>',
  });
  expect(response.status).toBe(207);
}

/**
 * The user's calendar or address-book home, found as a DAV client finds it (current-user-principal,
 * then its home set): Nextcloud's principal is the user id, the stand-in's is not, as for LDAP users.
 */
export async function davHome(target: Target, kind: 'calendar' | 'addressbook'): Promise<string> {
  const find = async (path: string, prop: string, ns: string) => {
    const response = await dav(target, 'PROPFIND', path, {
      depth: '0',
      body: `<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:x="${ns}"><d:prop><${prop}/></d:prop></d:propfind>`,
    });
    expect(response.status).toBe(207);
    const href = new RegExp(`<[\\w-]*:?${prop.split(':')[1]}[^>]*>\\s*<[\\w-]*:?href>([^<]+)<`).exec(
      await response.text(),
    )?.[1];
    if (!href) throw new Error(`no ${prop} at ${path}`);
    return href.replace(/^https?:\/\/[^/]+/, '').replace(/^\/remote\.php\/dav/, '');
  };
  const principal = await find('/', 'd:current-user-principal', 'DAV:');
  return kind === 'calendar'
    ? find(principal, 'x:calendar-home-set', 'urn:ietf:params:xml:ns:caldav')
    : find(principal, 'x:addressbook-home-set', 'urn:ietf:params:xml:ns:carddav');
}

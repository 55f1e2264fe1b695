import type { ServerResponse } from 'node:http';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';

/** XML as the Nextcloud stand-in's DAV answers need it: requests parsed, Multi-Status built. */

export const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) => ['response', 'propstat'].includes(name),
});
const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: true,
  // Sabre writes oc:can-assign="true"; a bare attribute is not XML.
  suppressBooleanAttributes: false,
});

/** A resource's properties by local name, each with the prefixed element name it is written as. */
export type PropSet = Record<string, readonly [element: string, value: unknown]>;

export interface DavResource {
  readonly href: string;
  readonly props: PropSet;
  /** Properties this server knows but does not serve for the resource: a 404 propstat, as Sabre writes it. */
  readonly withheld?: readonly (readonly [local: string, element: string])[];
}

/**
 * The local names of the properties a PROPFIND, REPORT or SEARCH asks for; undefined for
 * `allprop` or an empty body, which Sabre answers with every property.
 */
export function requestedProps(body: Buffer): Set<string> | undefined {
  if (body.length === 0) return undefined;
  const doc = parser.parse(body.toString('utf8')) as Record<string, Record<string, unknown> | undefined>;
  const prop =
    doc.propfind?.prop ??
    doc['filter-files']?.prop ??
    (doc.searchrequest?.basicsearch as { select?: { prop?: unknown } } | undefined)?.select?.prop;
  return typeof prop === 'object' && prop !== null ? new Set(Object.keys(prop)) : undefined;
}

/** Answers 207 with the requested properties of each resource (all when none were named). */
export function sendMultistatus(
  res: ServerResponse,
  resources: readonly DavResource[],
  requested: Set<string> | undefined,
): void {
  const xml = builder.build({
    'd:multistatus': {
      '@_xmlns:d': 'DAV:',
      '@_xmlns:oc': 'http://owncloud.org/ns',
      '@_xmlns:nc': 'http://nextcloud.org/ns',
      'd:response': resources.map((resource) => {
        const found = Object.entries(resource.props).filter(([local]) => !requested || requested.has(local));
        const withheld = (resource.withheld ?? []).filter(([local]) => !requested || requested.has(local));
        return {
          'd:href': resource.href,
          'd:propstat': [
            {
              'd:prop': Object.fromEntries(found.map(([, [element, value]]) => [element, value])),
              'd:status': 'HTTP/1.1 200 OK',
            },
            ...(withheld.length > 0
              ? [
                  {
                    'd:prop': Object.fromEntries(withheld.map(([, element]) => [element, ''])),
                    'd:status': 'HTTP/1.1 404 Not Found',
                  },
                ]
              : []),
          ],
        };
      }),
    },
  });
  res.writeHead(207, { 'content-type': 'application/xml; charset=utf-8' }).end(xml);
}

/** A Sabre exception as Nextcloud's DAV server writes it. */
export function sendDavError(res: ServerResponse, status: number, exception: string, message: string): void {
  const xml = builder.build({
    'd:error': {
      '@_xmlns:d': 'DAV:',
      '@_xmlns:s': 'http://sabredav.org/ns',
      's:exception': `Sabre\\DAV\\Exception\\${exception}`,
      's:message': message,
    },
  });
  res.writeHead(status, { 'content-type': 'application/xml; charset=utf-8' }).end(xml);
}

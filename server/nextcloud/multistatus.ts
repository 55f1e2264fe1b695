import { XMLParser } from 'fast-xml-parser';

/** The properties a resource of a Multi-Status was found with, by local name. */
export type DavProps = Record<string, unknown>;

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) => name === 'response' || name === 'propstat',
});

/**
 * The resources of a WebDAV Multi-Status body: each href as the server wrote it (the caller decides
 * what an href may point at) and the properties of its 200 propstats merged.
 */
export function multistatus(body: Buffer): { href: string; props: DavProps }[] {
  const doc = parser.parse(body.toString('utf8')) as {
    multistatus?: { response?: { href?: unknown; propstat?: { prop?: DavProps; status?: string }[] }[] };
  };
  return (doc.multistatus?.response ?? []).map((item) => ({
    href: String(item.href ?? ''),
    props: Object.assign(
      {},
      ...(item.propstat ?? []).filter((ps) => / 200 /.test(ps.status ?? '')).map((ps) => ps.prop ?? {}),
    ) as DavProps,
  }));
}

/** A property's text ('' for an empty or structured one). */
export const propText = (value: unknown): string =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : '';

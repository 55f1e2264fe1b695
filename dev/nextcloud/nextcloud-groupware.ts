import { Agent, request } from 'undici';
import type { NextcloudStandin, RequestContext } from './nextcloud.js';
import { HOP_BY_HOP } from './nextcloud-dav.js';
import { sendDavError } from './nextcloud-dav-xml.js';

/**
 * Nextcloud's address-book ctag is its sync token, a number (`3`); Radicale's is a quoted hash.
 * Each hash Radicale hands out gets the next number, so a changed book gets a new, larger ctag.
 */
const ctagNumbers = new WeakMap<NextcloudStandin, Map<string, number>>();

function numericCtags(standin: NextcloudStandin, xml: string): string {
  const known = ctagNumbers.get(standin) ?? new Map<string, number>();
  ctagNumbers.set(standin, known);
  return xml.replace(/<(?:[\w-]+:)?response>[\s\S]*?<\/(?:[\w-]+:)?response>/g, (response) =>
    /<(?:[\w-]+:)?addressbook\s*\/>/.test(response)
      ? response.replace(
          /(<(?:[\w-]+:)?getctag>)([^<]+)(<\/(?:[\w-]+:)?getctag>)/,
          (_all, open: string, hash: string, close: string) => {
            if (!known.has(hash)) known.set(hash, known.size + 1);
            return `${open}${known.get(hash)}${close}`;
          },
        )
      : response,
  );
}

/**
 * Connections to Radicale, kept alive and fewer than its listen backlog (Python's socketserver
 * queues 5): more new connections at once lose their SYN and wait a second for its retry.
 */
const toRadicale = new Agent({ connections: 4, keepAliveTimeout: 30_000 });

/**
 * Calendars and address books: forwarded to Radicale as the authenticated user's DAV principal
 * (reverse-proxy authentication), below the same DAV root as Nextcloud's.
 */
export async function groupware(ctx: RequestContext, base: string): Promise<void> {
  const { req, res, url } = ctx;
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (typeof value === 'string' && !HOP_BY_HOP.has(key)) headers[key] = value;
  }
  // Answers are rewritten below (ctags, corrupted data), so Radicale must not compress them.
  delete headers['accept-encoding'];
  headers['x-remote-user'] = ctx.standin.options.davPrincipal?.(ctx.user) ?? ctx.user;
  headers['x-script-name'] = '/remote.php/dav';
  if (headers.destination)
    headers.destination = new URL(
      new URL(headers.destination).pathname.replace(/^\/remote\.php\/dav/, ''),
      base,
    ).href;
  const upstream = await request(
    new URL(url.pathname.replace(/^\/remote\.php\/dav/, '') + url.search, base),
    {
      method: req.method as 'GET',
      headers,
      dispatcher: toRadicale,
      body: ctx.body.length > 0 ? ctx.body : undefined,
    },
  );
  let body = Buffer.from(await upstream.body.arrayBuffer());
  if (req.method === 'PUT' && (upstream.statusCode === 412 || upstream.statusCode === 409))
    return refusePut(ctx, upstream.statusCode, body.toString('utf8'));
  if (upstream.statusCode === 207) {
    let xml = numericCtags(ctx.standin, body.toString('utf8'));
    const marker = ctx.standin.corruptCalendarData;
    if (marker) {
      // Breaks the calendar-data of the objects holding the marker: their VEVENT never ends.
      xml = xml.replace(
        /(calendar-data[^>]*>)([^<]*)(<)/g,
        (all, open: string, data: string, close: string) =>
          data.includes(marker) ? `${open}${data.replace(/END:VEVENT/g, '')}${close}` : all,
      );
    }
    body = Buffer.from(xml);
  }
  const outHeaders: Record<string, string> = {};
  for (const [key, value] of Object.entries(upstream.headers)) {
    if (typeof value === 'string' && !HOP_BY_HOP.has(key)) outHeaders[key] = value;
  }
  if (req.method !== 'HEAD') outHeaders['content-length'] = String(body.length);
  res.writeHead(upstream.statusCode, outHeaders).end(body);
}

/**
 * A refused PUT of a calendar object or vCard as Nextcloud 29 (Sabre) answers it, where Radicale
 * answers otherwise: a failed If-None-Match or If-Match is a 412 with Sabre's message, and a UID
 * already used by another object of the collection (Radicale's 409 no-uid-conflict) is
 * CardDavBackend's or CalDavBackend's 400.
 */
function refusePut(ctx: RequestContext, status: number, radicale: string): void {
  const { req, res, url } = ctx;
  if (status === 409 && radicale.includes('no-uid-conflict')) {
    const message = url.pathname.endsWith('.vcf')
      ? 'VCard object with uid already exists in this addressbook collection.'
      : 'Calendar object with uid already exists in this calendar collection.';
    return sendDavError(res, 400, 'BadRequest', message);
  }
  if (status === 412 && req.headers['if-none-match'])
    return sendDavError(
      res,
      412,
      'PreconditionFailed',
      'An If-None-Match header was specified, but the ETag matched (or * was specified)',
    );
  if (status === 412 && req.headers['if-match'])
    return sendDavError(
      res,
      412,
      'PreconditionFailed',
      'An If-Match header was specified, but none of the specified ETags matched.',
    );
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(radicale);
}

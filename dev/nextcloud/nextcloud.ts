import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import { type CollectivesState, handleCollectives, newCollectives } from './nextcloud-collectives.js';
import { type CookbookState, handleCookbook, newCookbook } from './nextcloud-cookbook.js';
import { handleDav } from './nextcloud-dav.js';
import { type DeckState, handleDeck, newDeck } from './nextcloud-deck.js';
import { type FilesMetaState, newFilesMeta } from './nextcloud-files-meta.js';
import { handleMailOcs } from './nextcloud-mail.js';
import { handleMailApi } from './nextcloud-mail-api.js';
import { type MailState, seededMail } from './nextcloud-mail-state.js';
import { handleNews, type NewsState, seededNews } from './nextcloud-news.js';
import { handleNotes, type NotesState } from './nextcloud-notes.js';
import { handleOcs, type OcsState } from './nextcloud-ocs.js';
import { handleSearch, type SearchState, seededSearch } from './nextcloud-search.js';
import { handleTables, seededTables, type TablesState } from './nextcloud-tables.js';
import { handleTalk, newTalk, type TalkState } from './nextcloud-talk.js';
import type { TrashState } from './nextcloud-trashbin.js';
import type { VersionsState } from './nextcloud-versions.js';

/**
 * A stand-in for the Nextcloud HTTP APIs the server uses, following their documentation:
 * Notes API v1, OCS (capabilities, Share API v1, v2 envelopes), Tables, Cookbook, Deck, Talk,
 * Mail, and WebDAV, which it serves by passing requests to a real WebDAV server (Apache
 * mod_dav) after authenticating them, and by answering Nextcloud's SEARCH, filter-files
 * REPORT, system tags and comments over that server's files.
 *
 * Authentication as Nextcloud does it: app passwords by Basic auth, and bearer tokens as the
 * `user_oidc` app checks them (JWKS signature, exact issuer, audience, exp with 60 s leeway), then
 * refused on the apps' own routes as the server of `nextcloudVersion` refuses them.
 */
export interface StandinOptions {
  /** user id → app password */
  readonly users: Record<string, string>;
  readonly groups?: Record<string, string[]>;
  /** Base URL of the WebDAV server holding `/remote.php/dav/files/<user>/`. */
  readonly davUrl?: string;
  readonly bearer?: { readonly issuer: string; readonly audience: string; readonly jwksUrl: string };
  /** Base URL of the CalDAV/CardDAV server (Radicale) behind `/remote.php/dav/` outside `files/`. */
  readonly groupwareUrl?: string;
  /**
   * The DAV principal of a user, when it is not the login name (as for LDAP or OIDC users):
   * clients must discover it.
   */
  readonly davPrincipal?: (user: string) => string;
  /** Where to listen (loopback unless a cluster's pods must reach it, as in the kind e2e). */
  readonly host?: string;
  /**
   * The major version answered as (capabilities `version`), 32 unless set. From 31 on
   * `OCS-APIRequest: true` passes the CSRF check (nextcloud/server PR #46760), which lets a bearer
   * token through the apps' own routes; up to 30 those refuse a bearer token whatever it sends.
   */
  readonly nextcloudVersion?: number;
}

/**
 * A fault the next matching requests meet: a status, a delay, or both; or an answer of its own
 * (`body`, with `status` 207 unless set) in place of the real one, e.g. a hostile or huge one. A
 * function body is streamed as the client reads it, so a client that stops reading stops it.
 */
export interface Fault {
  readonly match: RegExp;
  readonly method?: string;
  readonly status?: number;
  readonly delayMs?: number;
  readonly headers?: Record<string, string>;
  readonly body?: string | (() => AsyncIterable<string | Buffer>);
  times: number;
}

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly user: string;
  readonly body: Buffer;
  readonly standin: NextcloudStandin;
}

export interface NextcloudStandin {
  readonly url: string;
  readonly options: StandinOptions;
  readonly httpServer: Server;
  readonly notes: NotesState;
  readonly tables: TablesState;
  readonly cookbook: CookbookState;
  readonly deck: DeckState;
  readonly talk: TalkState;
  readonly mail: MailState;
  readonly news: NewsState;
  readonly collectives: CollectivesState;
  readonly ocs: OcsState;
  /** File ids, system and personal tags, comments. */
  readonly filesMeta: FilesMetaState;
  readonly trash: TrashState;
  readonly versions: VersionsState;
  /** The unified search providers besides files, and what each finds. */
  readonly search: SearchState;
  /** Every request seen, as "METHOD /path", for assertions. */
  readonly log: string[];
  /** The claims of every bearer token accepted, in order. */
  readonly bearerClaims: JWTPayload[];
  fail(fault: Omit<Fault, 'times'> & { times?: number }): void;
  /**
   * Calendar data containing this marker comes back as broken iCalendar (as a server holding a
   * malformed object would answer), for "skipped with a warning, the rest still listed".
   */
  corruptCalendarData?: string;
  stop(): Promise<void>;
}

export async function startNextcloudStandin(options: StandinOptions): Promise<NextcloudStandin> {
  const faults: Fault[] = [];
  const jwks = options.bearer ? createRemoteJWKSet(new URL(options.bearer.jwksUrl)) : undefined;
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`stand-in error: ${String(error)}`);
    });
  });

  async function authenticate(req: IncomingMessage): Promise<string | undefined> {
    const header = req.headers.authorization ?? '';
    const [scheme, value = ''] = header.split(' ', 2);
    if (scheme === 'Basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const user = decoded.slice(0, colon);
      return colon > 0 && options.users[user] === decoded.slice(colon + 1) ? user : undefined;
    }
    if (scheme === 'Bearer' && jwks && options.bearer) {
      const verified = await jwtVerify(value, jwks, {
        issuer: options.bearer.issuer,
        audience: options.bearer.audience,
        clockTolerance: 60,
        requiredClaims: ['exp'],
      }).catch(() => undefined);
      const claims = verified?.payload;
      const user = claims ? String(claims.preferred_username ?? claims.sub ?? '') : '';
      if (!(claims && user in options.users)) return undefined;
      standin.bearerClaims.push(claims);
      return user;
    }
    return undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://standin');
    standin.log.push(`${req.method} ${url.pathname}`);
    const fault = faults.find(
      (candidate) =>
        candidate.times > 0 &&
        candidate.match.test(url.pathname) &&
        (candidate.method === undefined || candidate.method === req.method),
    );
    if (fault) {
      fault.times--;
      if (fault.delayMs) await sleep(fault.delayMs);
      if (fault.body !== undefined) return answerWith(res, fault);
      if (fault.status) {
        res.writeHead(fault.status, { 'content-type': 'text/plain' }).end('injected fault');
        return;
      }
    }
    const user = await authenticate(req);
    if (!user) return unauthorized(res, url);
    const body = await readAll(req);
    const ctx: RequestContext = { req, res, url, user, body, standin };
    if (refusedAppRoute(ctx)) return;
    if (url.pathname.startsWith('/index.php/apps/notes/api/v1/')) return handleNotes(ctx);
    if (url.pathname.startsWith('/index.php/apps/cookbook/api/')) return handleCookbook(ctx);
    if (url.pathname.startsWith('/index.php/apps/deck/') || url.pathname.startsWith('/ocs/v2.php/apps/deck/'))
      return handleDeck(ctx);
    if (url.pathname.startsWith('/index.php/apps/news/api/v1-3/')) return handleNews(ctx);
    if (
      url.pathname.startsWith('/index.php/apps/tables/') ||
      url.pathname.startsWith('/ocs/v2.php/apps/tables/')
    )
      return handleTables(ctx);
    if (url.pathname.startsWith('/ocs/v2.php/apps/spreed/')) return handleTalk(ctx);
    if (url.pathname.startsWith('/ocs/v2.php/apps/mail/')) return handleMailOcs(ctx);
    if (url.pathname.startsWith('/index.php/apps/mail/')) return handleMailApi(ctx);
    if (url.pathname.startsWith('/ocs/v2.php/apps/collectives/')) return handleCollectives(ctx);
    if (url.pathname.startsWith('/ocs/v2.php/search/')) return handleSearch(ctx);
    if (url.pathname.startsWith('/ocs/')) return handleOcs(ctx);
    if (url.pathname.startsWith('/remote.php/dav/')) return handleDav(ctx);
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const standin: NextcloudStandin = {
    url: `http://${host}:${port}`,
    options,
    httpServer: server,
    notes: { notes: new Map() },
    tables: seededTables(Object.keys(options.users)[0] ?? 'admin'),
    cookbook: newCookbook(),
    deck: newDeck(),
    talk: newTalk(),
    mail: seededMail(Object.keys(options.users)),
    news: seededNews(Object.keys(options.users)[0] ?? 'admin'),
    collectives: newCollectives(),
    ocs: {
      shares: new Map(),
      nextId: 1,
      missingApps: new Set(),
      remoteServers: new Set(['cloud.example.org']),
    },
    filesMeta: newFilesMeta(),
    trash: new Map(),
    versions: new Map(),
    search: seededSearch(),
    log: [],
    bearerClaims: [],
    fail(fault) {
      faults.push({ ...fault, times: fault.times ?? 1 });
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return standin;
}

/** Answers a fault's own body; a streamed one ends when the client goes away. */
async function answerWith(res: ServerResponse, fault: Fault): Promise<void> {
  const { body } = fault;
  res.writeHead(fault.status ?? 207, {
    'content-type': 'application/xml; charset=utf-8',
    ...fault.headers,
  });
  if (typeof body === 'string') {
    res.end(body);
    return;
  }
  // A client that hangs up is the point of a huge answer: its end is no error here.
  await pipeline(Readable.from(body ? body() : []), res).catch(() => undefined);
}

/**
 * The apps' REST APIs are CORS routes (`#[CORS]`): Nextcloud's CORS middleware logs a session out
 * unless it passes the CSRF check, and a bearer token is a session; Basic auth logs in again.
 */
const CORS_ROUTES = /^\/index\.php\/apps\/(notes|cookbook|deck|news|tables)\/api\//;
/** App routes the web UI uses, CSRF-checked; Mail's check itself, since its attachment downloads are exempt. */
const CSRF_ROUTES = /^\/index\.php\/apps\/deck\/(?!api\/)/;

/** The version this stand-in answers as. */
export function nextcloudVersion(standin: NextcloudStandin): number {
  return standin.options.nextcloudVersion ?? 32;
}

/** Nextcloud's CSRF check for a client without a CSRF token (never for a bearer token up to 30). */
export function passesCsrfCheck(ctx: RequestContext): boolean {
  const bearer = String(ctx.req.headers.authorization).startsWith('Bearer ');
  return ctx.req.headers['ocs-apirequest'] === 'true' && (!bearer || nextcloudVersion(ctx.standin) >= 31);
}

/** Answers what the security middlewares answer on an app route the request does not pass; true if it did. */
function refusedAppRoute(ctx: RequestContext): boolean {
  const { pathname } = ctx.url;
  if (CORS_ROUTES.test(pathname)) {
    const basic = String(ctx.req.headers.authorization).startsWith('Basic ');
    if (basic || passesCsrfCheck(ctx)) return false;
    sendJson(ctx.res, 401, { message: 'CORS requires basic auth' });
    return true;
  }
  if (CSRF_ROUTES.test(pathname) && !passesCsrfCheck(ctx)) {
    sendJson(ctx.res, 412, { message: 'CSRF check failed' });
    return true;
  }
  return false;
}

function unauthorized(res: ServerResponse, url: URL): void {
  if (url.pathname.startsWith('/ocs/')) {
    sendOcs(res, 401, null, 'Current user is not logged in');
    return;
  }
  res
    .writeHead(401, {
      'www-authenticate': 'Basic realm="Nextcloud", charset="UTF-8"',
      'content-type': 'application/json',
    })
    .end(JSON.stringify({ message: 'Current user is not logged in' }));
}

export async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
    .end(JSON.stringify(body));
}

/** An OCS v2 envelope: the HTTP status mirrors `statuscode`. */
export function sendOcs(
  res: ServerResponse,
  status: number,
  data: unknown,
  message = status < 300 ? 'OK' : '',
) {
  sendJson(res, status, {
    ocs: { meta: { status: status < 300 ? 'ok' : 'failure', statuscode: status, message }, data: data ?? [] },
  });
}

export function md5(value: string): string {
  return createHash('md5').update(value).digest('hex');
}

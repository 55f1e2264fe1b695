/**
 * The Nextcloud apps a tenant can enable and the OAuth scopes that guard them.
 * Names match the existing Python `nextcloud-mcp-server` and its Keycloak realm so
 * tokens and realms carry over.
 */

/**
 * Every app a tenant may enable (`spec.apps`, `APPS`) and the access levels its tools are
 * guarded by, in the order scopes are listed (read before write).
 */
export const APP_LEVELS = {
  notes: ['read', 'write'],
  calendar: ['read', 'write'],
  todo: ['read', 'write'],
  contacts: ['read', 'write'],
  files: ['read', 'write'],
  sharing: ['read', 'write'],
  deck: ['read', 'write'],
  tables: ['read', 'write'],
  cookbook: ['read', 'write'],
  talk: ['read', 'write'],
  mail: ['read', 'write', 'send'],
  news: ['read'],
  collectives: ['read', 'write'],
  /**
   * Nextcloud's unified search across apps; it only asks the providers whose app's read scope the
   * caller also holds, so it never shows more than the other tools could.
   */
  search: ['read'],
} as const satisfies Record<string, readonly string[]>;

/** One app a tenant may enable. */
export type App = keyof typeof APP_LEVELS;

/** Every app a tenant may enable, in catalogue order. */
export const APPS: readonly App[] = Object.keys(APP_LEVELS) as App[];

/** A tool scope, `<app>:<level>`, e.g. `notes:read`. */
export type Scope = { [A in App]: `${A}:${(typeof APP_LEVELS)[A][number]}` }[App];

/**
 * What each scope lets a client do, in the words a person sees on a consent page; typed so a new
 * app or level cannot ship without one.
 */
export const SCOPE_DESCRIPTIONS: Readonly<Record<Scope, string>> = {
  'notes:read': 'Read your notes',
  'notes:write': 'Create, change and delete your notes',
  'calendar:read': 'Read your calendars and events',
  'calendar:write': 'Create, change and delete calendar events',
  'todo:read': 'Read your tasks',
  'todo:write': 'Create, change and delete tasks',
  'contacts:read': 'Read your address books and contacts',
  'contacts:write': 'Create, change and delete contacts',
  'files:read': 'Read and download your files',
  'files:write': 'Upload, change, move and delete your files',
  'sharing:read': 'See what you share and what is shared with you',
  'sharing:write': 'Create, change and remove shares, including public links',
  'deck:read': 'Read your Deck boards and cards',
  'deck:write': 'Create, change and delete Deck boards and cards',
  'tables:read': 'Read your tables and their rows',
  'tables:write': 'Add, change and delete table rows',
  'cookbook:read': 'Read your recipes',
  'cookbook:write': 'Import, create, change and delete recipes',
  'talk:read': 'Read your Talk conversations and messages',
  'talk:write': 'Send Talk messages and manage conversations',
  'mail:read': 'Read your mail accounts, mailboxes and messages',
  'mail:write': 'Flag, tag, move and delete your mail',
  'mail:send': 'Send mail in your name',
  'news:read': 'Read your news feeds and items',
  'collectives:read': 'Read your collectives and their pages',
  'collectives:write': 'Create, change and delete collectives and pages',
  'search:read': 'Search across the apps you also allow reading',
};

/** True when `value` names an app in {@link APPS}. */
export function isApp(value: string): value is App {
  return Object.hasOwn(APP_LEVELS, value);
}

/** Every scope of the given apps, in catalogue order (read before write). */
export function scopesForApps(apps: readonly App[]): Scope[] {
  return APPS.filter((app) => apps.includes(app)).flatMap((app) =>
    (APP_LEVELS[app] as readonly string[]).map((level) => `${app}:${level}` as Scope),
  );
}

/** Every scope of every app. */
export const ALL_SCOPES: readonly Scope[] = scopesForApps(APPS);

/** True when `value` is a tool scope. */
export function isScope(value: string): value is Scope {
  return (ALL_SCOPES as readonly string[]).includes(value);
}

/**
 * Parses a space-separated scope string (OAuth `scope` claim or the scopes header),
 * keeping only tool scopes; OpenID scopes such as `openid` are dropped.
 */
export function parseScopes(value: string | undefined): Set<Scope> {
  const scopes = new Set<Scope>();
  for (const part of (value ?? '').split(' ')) if (isScope(part)) scopes.add(part);
  return scopes;
}

/**
 * The Nextcloud apps a tenant can enable and the OAuth scopes that guard them.
 * Names match the existing Python `nextcloud-mcp-server` and its Keycloak realm so
 * tokens and realms carry over.
 */

/** Every app a tenant may enable (`spec.apps`, `APPS`). */
export const APPS = [
  'notes',
  'calendar',
  'todo',
  'contacts',
  'files',
  'sharing',
  'deck',
  'tables',
  'cookbook',
] as const;

/** One of {@link APPS}. */
export type App = (typeof APPS)[number];

/** The access levels every app has. */
export const ACCESS_LEVELS = ['read', 'write'] as const;

/** A tool scope, `<app>:<level>`, e.g. `notes:read`. */
export type Scope = `${App}:${(typeof ACCESS_LEVELS)[number]}`;

/** True when `value` names an app in {@link APPS}. */
export function isApp(value: string): value is App {
  return (APPS as readonly string[]).includes(value);
}

/** Every scope of the given apps, in catalogue order (read before write). */
export function scopesForApps(apps: readonly App[]): Scope[] {
  return APPS.filter((app) => apps.includes(app)).flatMap((app) =>
    ACCESS_LEVELS.map((level): Scope => `${app}:${level}`),
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

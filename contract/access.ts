import { appOf, type CatalogueEntry, catalogueEntry } from './catalogue.js';
import type { App, Scope } from './scopes.js';

/**
 * The answer to "may this caller use this tool": the one rule the server (tools/list, tools/call)
 * and the proxy (step-up before forwarding) render their answers from.
 * - `unknown`: no such tool, or it belongs to an app this tenant has not enabled.
 * - `app-off`: the tenant enabled the app but this Nextcloud lacks it for the caller.
 * - `missing`: the caller's token lacks these scopes.
 */
export type ToolAccess =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'app-off'; readonly entry: CatalogueEntry; readonly apps: readonly App[] }
  | { readonly kind: 'missing'; readonly entry: CatalogueEntry; readonly scopes: readonly Scope[] }
  | { readonly kind: 'ok'; readonly entry: CatalogueEntry };

export interface AccessContext {
  /** The tool scopes the caller's token holds. */
  readonly scopes: ReadonlySet<Scope>;
  /** The apps the tenant enabled. */
  readonly apps: ReadonlySet<App>;
  /** The apps this Nextcloud has for the caller; the tenant's when not known. */
  readonly present?: ReadonlySet<App>;
}

/** Decides access to the tool `name` (its name or alias), in the order the answers above are listed. */
export function toolAccess(name: string, ctx: AccessContext): ToolAccess {
  const entry = catalogueEntry(name);
  if (!entry) return { kind: 'unknown' };
  const apps = entry.scopes.map((scope) => appOf(scope));
  if (!apps.every((app) => ctx.apps.has(app))) return { kind: 'unknown' };
  const absent = apps.filter((app) => ctx.present && !ctx.present.has(app));
  if (absent.length > 0) return { kind: 'app-off', entry, apps: absent };
  const missing = entry.scopes.filter((scope) => !ctx.scopes.has(scope));
  if (missing.length > 0) return { kind: 'missing', entry, scopes: missing };
  return { kind: 'ok', entry };
}

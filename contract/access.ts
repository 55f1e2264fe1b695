import { appOf, type CatalogueEntry, catalogueEntry, type ToolName } from './catalogue.js';
import type { App, Scope } from './scopes.js';

/**
 * The answer to "may this caller use this tool": the one rule the server (tools/list, tools/call)
 * and the proxy (step-up before forwarding) render their answers from.
 * - `unknown`: no such tool, or it belongs to an app this tenant has not enabled.
 * - `app-off`: the tenant enabled the app but this Nextcloud lacks it for the caller, or refuses
 *   the caller's credential on the routes the tool uses; `reason` says which, after the tool's name.
 * - `missing`: the caller's token lacks these scopes.
 */
export type ToolAccess =
  | { readonly kind: 'unknown' }
  | {
      readonly kind: 'app-off';
      readonly entry: CatalogueEntry;
      readonly apps: readonly App[];
      readonly reason: string;
    }
  | { readonly kind: 'missing'; readonly entry: CatalogueEntry; readonly scopes: readonly Scope[] }
  | { readonly kind: 'ok'; readonly entry: CatalogueEntry };

export interface AccessContext {
  /** The tool scopes the caller's token holds. */
  readonly scopes: ReadonlySet<Scope>;
  /** The apps the tenant enabled. */
  readonly apps: ReadonlySet<App>;
  /** The apps this Nextcloud has for the caller; the tenant's when not known. */
  readonly present?: ReadonlySet<App>;
  /** Apps whose own REST routes refuse the caller's credential, with the reason (see {@link APP_ROUTES}). */
  readonly refused?: ReadonlyMap<App, string>;
}

/**
 * The tools that reach an app through its own REST routes (`/index.php/apps/<app>/...`) rather
 * than OCS or DAV, which Nextcloud 30 and older refuse to a bearer token: every tool of the app
 * but those `except`ed, or `only` those named; `api` names the routes in a reason. Deck's comments, Mail's reading and sending, and
 * Tables' list, schema and new rows use OCS; Mail's attachment download is exempt from the check.
 */
export const APP_ROUTES: Partial<
  Record<
    App,
    { readonly api: string } & (
      | { readonly except: readonly ToolName[] }
      | { readonly only: readonly ToolName[] }
    )
  >
> = {
  notes: { api: 'the Notes API', except: [] },
  cookbook: { api: 'the Cookbook API', except: [] },
  news: { api: 'the News API', except: [] },
  deck: {
    api: 'the Deck REST API',
    except: [
      'deck_get_card_comments',
      'deck_create_card_comment',
      'deck_update_card_comment',
      'deck_delete_card_comment',
    ],
  },
  tables: {
    api: 'the Tables API v1',
    only: ['nc_tables_read_table', 'nc_tables_update_row', 'nc_tables_delete_row'],
  },
  mail: {
    api: "Mail's REST routes",
    only: [
      'nc_mail_set_flags',
      'nc_mail_create_tag',
      'nc_mail_set_tag',
      'nc_mail_remove_tag',
      'nc_mail_move_message',
      'nc_mail_delete_message',
    ],
  },
};

/**
 * Whether the caller holds `scope` in an app the tenant enabled: what a tool that reaches into
 * another app than its own (unified search, a share to a Deck card) asks of each app it reaches,
 * by the same two conditions {@link toolAccess} applies to a tool's own scopes.
 */
export function scopeAccess(
  scope: Scope,
  ctx: Pick<AccessContext, 'scopes' | 'apps'>,
): 'ok' | 'app-not-enabled' | 'missing' {
  if (!ctx.apps.has(appOf(scope))) return 'app-not-enabled';
  return ctx.scopes.has(scope) ? 'ok' : 'missing';
}

function usesAppRoutes(tool: ToolName, app: App): boolean {
  const routes = APP_ROUTES[app];
  if (!routes) return false;
  return 'only' in routes ? routes.only.includes(tool) : !routes.except.includes(tool);
}

/** Decides access to the tool `name` (its name or alias), in the order the answers above are listed. */
export function toolAccess(name: string, ctx: AccessContext): ToolAccess {
  const entry = catalogueEntry(name);
  if (!entry) return { kind: 'unknown' };
  const apps = entry.scopes.map((scope) => appOf(scope));
  if (!apps.every((app) => ctx.apps.has(app))) return { kind: 'unknown' };
  const absent = apps.filter((app) => ctx.present && !ctx.present.has(app));
  if (absent.length > 0) {
    const reason = `needs the ${absent.join(' and ')} app, which is not enabled on this Nextcloud for you`;
    return { kind: 'app-off', entry, apps: absent, reason };
  }
  const refused = apps.filter((app) => ctx.refused?.has(app) && usesAppRoutes(entry.name, app));
  if (refused.length > 0) {
    const reason = refused.map((app) => ctx.refused?.get(app)).join('; ');
    return { kind: 'app-off', entry, apps: refused, reason };
  }
  const missing = entry.scopes.filter((scope) => !ctx.scopes.has(scope));
  if (missing.length > 0) return { kind: 'missing', entry, scopes: missing };
  return { kind: 'ok', entry };
}

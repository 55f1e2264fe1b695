import type { App, Scope } from './scopes.js';

/** One row of the catalogue as written: a tool's name and the scope it needs. */
interface Row {
  readonly name: string;
  readonly scope: Scope;
  /**
   * Scopes of other apps the tool also needs because it reaches into their data (attaching a
   * file to a Deck card shares that file; creating or widening a share hands on what reading the
   * path would, so it needs files:read, else sharing:write alone could publish any file and probe
   * which paths exist); the tool is hidden unless all are held and enabled.
   */
  readonly alsoNeeds?: readonly Scope[];
}

/**
 * Every MCP tool the server offers and the scope each one needs. This is the single source
 * for the server's filtering, the proxy's step-up checks and `scopes_supported`, and the
 * operator's Keycloak client scopes. Names follow `nc_<app>_<verb>_<object>` as the Python
 * server names them.
 */
const ROWS = [
  { name: 'nc_notes_list_notes', scope: 'notes:read' },
  { name: 'nc_notes_get_note', scope: 'notes:read' },
  { name: 'nc_notes_search_notes', scope: 'notes:read' },
  { name: 'nc_notes_get_attachment', scope: 'notes:read' },
  { name: 'nc_notes_create_note', scope: 'notes:write' },
  { name: 'nc_notes_update_note', scope: 'notes:write' },
  { name: 'nc_notes_append_content', scope: 'notes:write' },
  { name: 'nc_notes_delete_note', scope: 'notes:write' },

  { name: 'nc_webdav_list_directory', scope: 'files:read' },
  { name: 'nc_webdav_read_file', scope: 'files:read' },
  { name: 'nc_webdav_search_files', scope: 'files:read' },
  { name: 'nc_webdav_find_by_name', scope: 'files:read' },
  { name: 'nc_webdav_find_by_type', scope: 'files:read' },
  { name: 'nc_webdav_list_favorites', scope: 'files:read' },
  { name: 'nc_webdav_write_file', scope: 'files:write' },
  { name: 'nc_webdav_create_directory', scope: 'files:write' },
  { name: 'nc_webdav_delete_resource', scope: 'files:write' },
  { name: 'nc_webdav_move_resource', scope: 'files:write' },
  { name: 'nc_webdav_copy_resource', scope: 'files:write' },
  { name: 'nc_webdav_get_file_tags', scope: 'files:read' },
  { name: 'nc_webdav_list_comments', scope: 'files:read' },
  { name: 'nc_webdav_create_comment', scope: 'files:write' },
  { name: 'nc_trashbin_list', scope: 'files:read' },
  { name: 'nc_trashbin_restore', scope: 'files:write' },
  { name: 'nc_trashbin_delete', scope: 'files:write' },
  { name: 'nc_trashbin_empty', scope: 'files:write' },
  { name: 'nc_versions_list', scope: 'files:read' },
  { name: 'nc_versions_restore', scope: 'files:write' },

  { name: 'nc_calendar_list_calendars', scope: 'calendar:read' },
  { name: 'nc_calendar_list_events', scope: 'calendar:read' },
  { name: 'nc_calendar_get_event', scope: 'calendar:read' },
  { name: 'nc_calendar_get_upcoming_events', scope: 'calendar:read' },
  { name: 'nc_calendar_find_availability', scope: 'calendar:read' },
  { name: 'nc_calendar_create_event', scope: 'calendar:write' },
  { name: 'nc_calendar_update_event', scope: 'calendar:write' },
  { name: 'nc_calendar_delete_event', scope: 'calendar:write' },
  { name: 'nc_calendar_create_meeting', scope: 'calendar:write' },
  { name: 'nc_calendar_manage_calendar', scope: 'calendar:write' },
  { name: 'nc_calendar_bulk_operations', scope: 'calendar:write' },

  { name: 'nc_calendar_list_todos', scope: 'todo:read' },
  { name: 'nc_calendar_search_todos', scope: 'todo:read' },
  { name: 'nc_calendar_create_todo', scope: 'todo:write' },
  { name: 'nc_calendar_update_todo', scope: 'todo:write' },
  { name: 'nc_calendar_complete_todo', scope: 'todo:write' },
  { name: 'nc_calendar_delete_todo', scope: 'todo:write' },

  { name: 'nc_contacts_list_addressbooks', scope: 'contacts:read' },
  { name: 'nc_contacts_list_contacts', scope: 'contacts:read' },
  { name: 'nc_contacts_search_contacts', scope: 'contacts:read' },
  { name: 'nc_contacts_create_addressbook', scope: 'contacts:write' },
  { name: 'nc_contacts_delete_addressbook', scope: 'contacts:write' },
  { name: 'nc_contacts_create_contact', scope: 'contacts:write' },
  { name: 'nc_contacts_update_contact', scope: 'contacts:write' },
  { name: 'nc_contacts_delete_contact', scope: 'contacts:write' },

  { name: 'nc_tables_list_tables', scope: 'tables:read' },
  { name: 'nc_tables_get_schema', scope: 'tables:read' },
  { name: 'nc_tables_read_table', scope: 'tables:read' },
  { name: 'nc_tables_insert_row', scope: 'tables:write' },
  { name: 'nc_tables_update_row', scope: 'tables:write' },
  { name: 'nc_tables_delete_row', scope: 'tables:write' },

  { name: 'nc_cookbook_list_recipes', scope: 'cookbook:read' },
  { name: 'nc_cookbook_get_recipe', scope: 'cookbook:read' },
  { name: 'nc_cookbook_search_recipes', scope: 'cookbook:read' },
  { name: 'nc_cookbook_list_categories', scope: 'cookbook:read' },
  { name: 'nc_cookbook_get_recipes_in_category', scope: 'cookbook:read' },
  { name: 'nc_cookbook_list_keywords', scope: 'cookbook:read' },
  { name: 'nc_cookbook_get_recipes_with_keywords', scope: 'cookbook:read' },
  { name: 'nc_cookbook_get_config', scope: 'cookbook:read' },
  { name: 'nc_cookbook_import_recipe', scope: 'cookbook:write' },
  { name: 'nc_cookbook_create_recipe', scope: 'cookbook:write' },
  { name: 'nc_cookbook_update_recipe', scope: 'cookbook:write' },
  { name: 'nc_cookbook_delete_recipe', scope: 'cookbook:write' },
  { name: 'nc_cookbook_set_config', scope: 'cookbook:write' },
  { name: 'nc_cookbook_reindex', scope: 'cookbook:write' },

  { name: 'deck_get_boards', scope: 'deck:read' },
  { name: 'deck_get_board', scope: 'deck:read' },
  { name: 'deck_get_board_overview', scope: 'deck:read' },
  { name: 'deck_get_stacks', scope: 'deck:read' },
  { name: 'deck_get_stack', scope: 'deck:read' },
  { name: 'deck_get_archived_stacks', scope: 'deck:read' },
  { name: 'deck_get_cards', scope: 'deck:read' },
  { name: 'deck_get_card', scope: 'deck:read' },
  { name: 'deck_get_labels', scope: 'deck:read' },
  { name: 'deck_get_label', scope: 'deck:read' },
  { name: 'deck_get_card_comments', scope: 'deck:read' },
  { name: 'deck_list_attachments', scope: 'deck:read' },
  { name: 'deck_create_board', scope: 'deck:write' },
  { name: 'deck_create_stack', scope: 'deck:write' },
  { name: 'deck_update_stack', scope: 'deck:write' },
  { name: 'deck_delete_stack', scope: 'deck:write' },
  { name: 'deck_create_card', scope: 'deck:write' },
  { name: 'deck_update_card', scope: 'deck:write' },
  { name: 'deck_delete_card', scope: 'deck:write' },
  { name: 'deck_archive_card', scope: 'deck:write' },
  { name: 'deck_unarchive_card', scope: 'deck:write' },
  { name: 'deck_reorder_card', scope: 'deck:write' },
  { name: 'deck_move_card_to_board', scope: 'deck:write' },
  { name: 'deck_create_label', scope: 'deck:write' },
  { name: 'deck_update_label', scope: 'deck:write' },
  { name: 'deck_delete_label', scope: 'deck:write' },
  { name: 'deck_assign_label_to_card', scope: 'deck:write' },
  { name: 'deck_remove_label_from_card', scope: 'deck:write' },
  { name: 'deck_assign_user_to_card', scope: 'deck:write' },
  { name: 'deck_unassign_user_from_card', scope: 'deck:write' },
  { name: 'deck_assign_dependent_card', scope: 'deck:write' },
  { name: 'deck_remove_dependent_card', scope: 'deck:write' },
  { name: 'deck_create_card_comment', scope: 'deck:write' },
  { name: 'deck_update_card_comment', scope: 'deck:write' },
  { name: 'deck_delete_card_comment', scope: 'deck:write' },
  { name: 'deck_delete_attachment', scope: 'deck:write' },
  { name: 'deck_attach_file', scope: 'deck:write', alsoNeeds: ['files:read'] },
  { name: 'deck_attach_note', scope: 'deck:write', alsoNeeds: ['files:read', 'notes:read'] },
  { name: 'talk_list_conversations', scope: 'talk:read' },
  { name: 'talk_get_conversation', scope: 'talk:read' },
  { name: 'talk_get_messages', scope: 'talk:read' },
  { name: 'talk_list_participants', scope: 'talk:read' },
  { name: 'talk_list_reactions', scope: 'talk:read' },
  { name: 'talk_send_message', scope: 'talk:write' },
  { name: 'talk_mark_as_read', scope: 'talk:write' },
  { name: 'talk_create_conversation', scope: 'talk:write' },
  { name: 'talk_add_participant', scope: 'talk:write' },
  { name: 'talk_react', scope: 'talk:write' },
  { name: 'talk_remove_reaction', scope: 'talk:write' },
  { name: 'nc_mail_list_accounts', scope: 'mail:read' },
  { name: 'nc_mail_list_mailboxes', scope: 'mail:read' },
  { name: 'nc_mail_list_messages', scope: 'mail:read' },
  { name: 'nc_mail_get_message', scope: 'mail:read' },
  { name: 'nc_mail_get_message_source', scope: 'mail:read' },
  { name: 'nc_mail_get_attachment', scope: 'mail:read' },
  { name: 'nc_mail_set_flags', scope: 'mail:write' },
  { name: 'nc_mail_create_tag', scope: 'mail:write' },
  { name: 'nc_mail_set_tag', scope: 'mail:write' },
  { name: 'nc_mail_remove_tag', scope: 'mail:write' },
  { name: 'nc_mail_move_message', scope: 'mail:write' },
  { name: 'nc_mail_delete_message', scope: 'mail:write' },
  { name: 'nc_mail_send_message', scope: 'mail:send' },
  { name: 'nc_news_list_folders', scope: 'news:read' },
  { name: 'nc_news_list_feeds', scope: 'news:read' },
  { name: 'nc_news_list_items', scope: 'news:read' },
  { name: 'nc_news_get_item', scope: 'news:read' },
  { name: 'nc_news_get_starred_items', scope: 'news:read' },
  { name: 'nc_news_get_unread_items', scope: 'news:read' },
  { name: 'nc_news_get_feed_health', scope: 'news:read' },
  { name: 'nc_news_get_status', scope: 'news:read' },
  { name: 'collectives_get_collectives', scope: 'collectives:read' },
  { name: 'collectives_get_pages', scope: 'collectives:read' },
  { name: 'collectives_get_page', scope: 'collectives:read' },
  { name: 'collectives_search_pages', scope: 'collectives:read' },
  { name: 'collectives_get_tags', scope: 'collectives:read' },
  { name: 'collectives_get_trashed_pages', scope: 'collectives:read' },
  { name: 'collectives_get_trashed_collectives', scope: 'collectives:read' },
  { name: 'collectives_create_collective', scope: 'collectives:write' },
  { name: 'collectives_set_collective_emoji', scope: 'collectives:write' },
  { name: 'collectives_trash_collective', scope: 'collectives:write' },
  { name: 'collectives_delete_collective', scope: 'collectives:write' },
  { name: 'collectives_restore_collective', scope: 'collectives:write' },
  { name: 'collectives_create_page', scope: 'collectives:write' },
  { name: 'collectives_move_page', scope: 'collectives:write' },
  { name: 'collectives_trash_page', scope: 'collectives:write' },
  { name: 'collectives_restore_page', scope: 'collectives:write' },
  { name: 'collectives_set_page_emoji', scope: 'collectives:write' },
  { name: 'collectives_create_tag', scope: 'collectives:write' },
  { name: 'collectives_assign_tag', scope: 'collectives:write' },
  { name: 'collectives_remove_tag', scope: 'collectives:write' },

  { name: 'nc_share_list', scope: 'sharing:read' },
  { name: 'nc_share_get', scope: 'sharing:read' },
  { name: 'nc_share_create', scope: 'sharing:write', alsoNeeds: ['files:read'] },
  { name: 'nc_share_create_public_link', scope: 'sharing:write', alsoNeeds: ['files:read'] },
  { name: 'nc_share_update', scope: 'sharing:write', alsoNeeds: ['files:read'] },
  { name: 'nc_share_delete', scope: 'sharing:write' },

  { name: 'nc_unified_search_providers', scope: 'search:read' },
  { name: 'nc_unified_search', scope: 'search:read' },
] as const satisfies readonly Row[];

/** The name of a tool in {@link CATALOGUE}. */
export type ToolName = (typeof ROWS)[number]['name'];

/** One tool of the catalogue: its row and what follows from it. */
export interface CatalogueEntry extends Row {
  readonly name: ToolName;
  /** The app of its own scope. */
  readonly app: App;
  /** Every scope it needs: its own and those of the other apps it reaches into. */
  readonly scopes: readonly Scope[];
  /**
   * A second name `tools/call` accepts; `tools/list` shows only {@link name}, so a model sees each
   * tool once. Tools the Python server names without the `nc_` prefix (`deck_*`, `talk_*`,
   * `collectives_*`) also answer to `nc_` + name.
   */
  readonly alias?: string;
}

/** The app a scope belongs to. */
export function appOf(scope: Scope): App {
  return scope.slice(0, scope.indexOf(':')) as App;
}

export const CATALOGUE: readonly CatalogueEntry[] = (ROWS as readonly (Row & { name: ToolName })[]).map(
  (row) => ({
    ...row,
    app: appOf(row.scope),
    scopes: [row.scope, ...(row.alsoNeeds ?? [])],
    ...(row.name.startsWith('nc_') ? {} : { alias: `nc_${row.name}` }),
  }),
);

const BY_NAME: ReadonlyMap<string, CatalogueEntry> = new Map(
  CATALOGUE.flatMap((entry) => [
    [entry.name, entry],
    ...(entry.alias ? [[entry.alias, entry] as const] : []),
  ]),
);

/** The catalogue entry of a tool by its name or alias, or `undefined` for a name that is not a tool. */
export function catalogueEntry(name: string): CatalogueEntry | undefined {
  return BY_NAME.get(name);
}

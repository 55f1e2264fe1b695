import type { App, Scope } from './scopes.js';

/** One tool of the catalogue: its name, the app it belongs to, and the scope it needs. */
export interface CatalogueEntry {
  readonly name: string;
  readonly app: App;
  readonly scope: Scope;
  /**
   * Scopes of other apps the tool also needs because it reaches into their data (attaching a
   * file to a Deck card shares that file); the tool is hidden unless all are held and enabled.
   */
  readonly alsoNeeds?: readonly Scope[];
  /**
   * A second name `tools/call` accepts for the tool; `tools/list` shows only {@link name}, so a
   * model sees each tool once. Deck keeps the Python server's `deck_*` names and takes `nc_deck_*`.
   */
  readonly alias?: string;
}

/**
 * Every MCP tool the server offers and the scope each one needs. This is the single source
 * for the server's filtering, the proxy's step-up checks and `scopes_supported`, and the
 * operator's Keycloak client scopes. Names follow `nc_<app>_<verb>_<object>` as the Python
 * server names them.
 */
export const CATALOGUE = [
  { name: 'nc_notes_list_notes', app: 'notes', scope: 'notes:read' },
  { name: 'nc_notes_get_note', app: 'notes', scope: 'notes:read' },
  { name: 'nc_notes_search_notes', app: 'notes', scope: 'notes:read' },
  { name: 'nc_notes_get_attachment', app: 'notes', scope: 'notes:read' },
  { name: 'nc_notes_create_note', app: 'notes', scope: 'notes:write' },
  { name: 'nc_notes_update_note', app: 'notes', scope: 'notes:write' },
  { name: 'nc_notes_append_content', app: 'notes', scope: 'notes:write' },
  { name: 'nc_notes_delete_note', app: 'notes', scope: 'notes:write' },

  { name: 'nc_webdav_list_directory', app: 'files', scope: 'files:read' },
  { name: 'nc_webdav_read_file', app: 'files', scope: 'files:read' },
  { name: 'nc_webdav_search_files', app: 'files', scope: 'files:read' },
  { name: 'nc_webdav_find_by_name', app: 'files', scope: 'files:read' },
  { name: 'nc_webdav_find_by_type', app: 'files', scope: 'files:read' },
  { name: 'nc_webdav_list_favorites', app: 'files', scope: 'files:read' },
  { name: 'nc_webdav_write_file', app: 'files', scope: 'files:write' },
  { name: 'nc_webdav_create_directory', app: 'files', scope: 'files:write' },
  { name: 'nc_webdav_delete_resource', app: 'files', scope: 'files:write' },
  { name: 'nc_webdav_move_resource', app: 'files', scope: 'files:write' },
  { name: 'nc_webdav_copy_resource', app: 'files', scope: 'files:write' },
  { name: 'nc_webdav_get_file_tags', app: 'files', scope: 'files:read' },
  { name: 'nc_webdav_list_comments', app: 'files', scope: 'files:read' },
  { name: 'nc_webdav_create_comment', app: 'files', scope: 'files:write' },

  { name: 'nc_calendar_list_calendars', app: 'calendar', scope: 'calendar:read' },
  { name: 'nc_calendar_list_events', app: 'calendar', scope: 'calendar:read' },
  { name: 'nc_calendar_get_event', app: 'calendar', scope: 'calendar:read' },
  { name: 'nc_calendar_get_upcoming_events', app: 'calendar', scope: 'calendar:read' },
  { name: 'nc_calendar_find_availability', app: 'calendar', scope: 'calendar:read' },
  { name: 'nc_calendar_create_event', app: 'calendar', scope: 'calendar:write' },
  { name: 'nc_calendar_update_event', app: 'calendar', scope: 'calendar:write' },
  { name: 'nc_calendar_delete_event', app: 'calendar', scope: 'calendar:write' },
  { name: 'nc_calendar_create_meeting', app: 'calendar', scope: 'calendar:write' },
  { name: 'nc_calendar_manage_calendar', app: 'calendar', scope: 'calendar:write' },
  { name: 'nc_calendar_bulk_operations', app: 'calendar', scope: 'calendar:write' },

  { name: 'nc_calendar_list_todos', app: 'todo', scope: 'todo:read' },
  { name: 'nc_calendar_search_todos', app: 'todo', scope: 'todo:read' },
  { name: 'nc_calendar_create_todo', app: 'todo', scope: 'todo:write' },
  { name: 'nc_calendar_update_todo', app: 'todo', scope: 'todo:write' },
  { name: 'nc_calendar_complete_todo', app: 'todo', scope: 'todo:write' },
  { name: 'nc_calendar_delete_todo', app: 'todo', scope: 'todo:write' },

  { name: 'nc_contacts_list_addressbooks', app: 'contacts', scope: 'contacts:read' },
  { name: 'nc_contacts_list_contacts', app: 'contacts', scope: 'contacts:read' },
  { name: 'nc_contacts_search_contacts', app: 'contacts', scope: 'contacts:read' },
  { name: 'nc_contacts_create_addressbook', app: 'contacts', scope: 'contacts:write' },
  { name: 'nc_contacts_delete_addressbook', app: 'contacts', scope: 'contacts:write' },
  { name: 'nc_contacts_create_contact', app: 'contacts', scope: 'contacts:write' },
  { name: 'nc_contacts_update_contact', app: 'contacts', scope: 'contacts:write' },
  { name: 'nc_contacts_delete_contact', app: 'contacts', scope: 'contacts:write' },

  { name: 'nc_tables_list_tables', app: 'tables', scope: 'tables:read' },
  { name: 'nc_tables_get_schema', app: 'tables', scope: 'tables:read' },
  { name: 'nc_tables_read_table', app: 'tables', scope: 'tables:read' },
  { name: 'nc_tables_insert_row', app: 'tables', scope: 'tables:write' },
  { name: 'nc_tables_update_row', app: 'tables', scope: 'tables:write' },
  { name: 'nc_tables_delete_row', app: 'tables', scope: 'tables:write' },

  { name: 'nc_cookbook_list_recipes', app: 'cookbook', scope: 'cookbook:read' },
  { name: 'nc_cookbook_get_recipe', app: 'cookbook', scope: 'cookbook:read' },
  { name: 'nc_cookbook_search_recipes', app: 'cookbook', scope: 'cookbook:read' },
  { name: 'nc_cookbook_list_categories', app: 'cookbook', scope: 'cookbook:read' },
  { name: 'nc_cookbook_get_recipes_in_category', app: 'cookbook', scope: 'cookbook:read' },
  { name: 'nc_cookbook_list_keywords', app: 'cookbook', scope: 'cookbook:read' },
  { name: 'nc_cookbook_get_recipes_with_keywords', app: 'cookbook', scope: 'cookbook:read' },
  { name: 'nc_cookbook_get_config', app: 'cookbook', scope: 'cookbook:read' },
  { name: 'nc_cookbook_import_recipe', app: 'cookbook', scope: 'cookbook:write' },
  { name: 'nc_cookbook_create_recipe', app: 'cookbook', scope: 'cookbook:write' },
  { name: 'nc_cookbook_update_recipe', app: 'cookbook', scope: 'cookbook:write' },
  { name: 'nc_cookbook_delete_recipe', app: 'cookbook', scope: 'cookbook:write' },
  { name: 'nc_cookbook_set_config', app: 'cookbook', scope: 'cookbook:write' },
  { name: 'nc_cookbook_reindex', app: 'cookbook', scope: 'cookbook:write' },

  { name: 'deck_get_boards', alias: 'nc_deck_get_boards', app: 'deck', scope: 'deck:read' },
  { name: 'deck_get_board', alias: 'nc_deck_get_board', app: 'deck', scope: 'deck:read' },
  { name: 'deck_get_board_overview', alias: 'nc_deck_get_board_overview', app: 'deck', scope: 'deck:read' },
  { name: 'deck_get_stacks', alias: 'nc_deck_get_stacks', app: 'deck', scope: 'deck:read' },
  { name: 'deck_get_stack', alias: 'nc_deck_get_stack', app: 'deck', scope: 'deck:read' },
  { name: 'deck_get_archived_stacks', alias: 'nc_deck_get_archived_stacks', app: 'deck', scope: 'deck:read' },
  { name: 'deck_get_cards', alias: 'nc_deck_get_cards', app: 'deck', scope: 'deck:read' },
  { name: 'deck_get_card', alias: 'nc_deck_get_card', app: 'deck', scope: 'deck:read' },
  { name: 'deck_get_labels', alias: 'nc_deck_get_labels', app: 'deck', scope: 'deck:read' },
  { name: 'deck_get_label', alias: 'nc_deck_get_label', app: 'deck', scope: 'deck:read' },
  { name: 'deck_get_card_comments', alias: 'nc_deck_get_card_comments', app: 'deck', scope: 'deck:read' },
  { name: 'deck_list_attachments', alias: 'nc_deck_list_attachments', app: 'deck', scope: 'deck:read' },
  { name: 'deck_create_board', alias: 'nc_deck_create_board', app: 'deck', scope: 'deck:write' },
  { name: 'deck_create_stack', alias: 'nc_deck_create_stack', app: 'deck', scope: 'deck:write' },
  { name: 'deck_update_stack', alias: 'nc_deck_update_stack', app: 'deck', scope: 'deck:write' },
  { name: 'deck_delete_stack', alias: 'nc_deck_delete_stack', app: 'deck', scope: 'deck:write' },
  { name: 'deck_create_card', alias: 'nc_deck_create_card', app: 'deck', scope: 'deck:write' },
  { name: 'deck_update_card', alias: 'nc_deck_update_card', app: 'deck', scope: 'deck:write' },
  { name: 'deck_delete_card', alias: 'nc_deck_delete_card', app: 'deck', scope: 'deck:write' },
  { name: 'deck_archive_card', alias: 'nc_deck_archive_card', app: 'deck', scope: 'deck:write' },
  { name: 'deck_unarchive_card', alias: 'nc_deck_unarchive_card', app: 'deck', scope: 'deck:write' },
  { name: 'deck_reorder_card', alias: 'nc_deck_reorder_card', app: 'deck', scope: 'deck:write' },
  { name: 'deck_move_card_to_board', alias: 'nc_deck_move_card_to_board', app: 'deck', scope: 'deck:write' },
  { name: 'deck_create_label', alias: 'nc_deck_create_label', app: 'deck', scope: 'deck:write' },
  { name: 'deck_update_label', alias: 'nc_deck_update_label', app: 'deck', scope: 'deck:write' },
  { name: 'deck_delete_label', alias: 'nc_deck_delete_label', app: 'deck', scope: 'deck:write' },
  {
    name: 'deck_assign_label_to_card',
    alias: 'nc_deck_assign_label_to_card',
    app: 'deck',
    scope: 'deck:write',
  },
  {
    name: 'deck_remove_label_from_card',
    alias: 'nc_deck_remove_label_from_card',
    app: 'deck',
    scope: 'deck:write',
  },
  {
    name: 'deck_assign_user_to_card',
    alias: 'nc_deck_assign_user_to_card',
    app: 'deck',
    scope: 'deck:write',
  },
  {
    name: 'deck_unassign_user_from_card',
    alias: 'nc_deck_unassign_user_from_card',
    app: 'deck',
    scope: 'deck:write',
  },
  {
    name: 'deck_assign_dependent_card',
    alias: 'nc_deck_assign_dependent_card',
    app: 'deck',
    scope: 'deck:write',
  },
  {
    name: 'deck_remove_dependent_card',
    alias: 'nc_deck_remove_dependent_card',
    app: 'deck',
    scope: 'deck:write',
  },
  {
    name: 'deck_create_card_comment',
    alias: 'nc_deck_create_card_comment',
    app: 'deck',
    scope: 'deck:write',
  },
  {
    name: 'deck_update_card_comment',
    alias: 'nc_deck_update_card_comment',
    app: 'deck',
    scope: 'deck:write',
  },
  {
    name: 'deck_delete_card_comment',
    alias: 'nc_deck_delete_card_comment',
    app: 'deck',
    scope: 'deck:write',
  },
  { name: 'deck_delete_attachment', alias: 'nc_deck_delete_attachment', app: 'deck', scope: 'deck:write' },
  {
    name: 'deck_attach_file',
    alias: 'nc_deck_attach_file',
    app: 'deck',
    scope: 'deck:write',
    alsoNeeds: ['files:read'],
  },
  {
    name: 'deck_attach_note',
    alias: 'nc_deck_attach_note',
    app: 'deck',
    scope: 'deck:write',
    alsoNeeds: ['files:read', 'notes:read'],
  },
  { name: 'talk_list_conversations', alias: 'nc_talk_list_conversations', app: 'talk', scope: 'talk:read' },
  { name: 'talk_get_conversation', alias: 'nc_talk_get_conversation', app: 'talk', scope: 'talk:read' },
  { name: 'talk_get_messages', alias: 'nc_talk_get_messages', app: 'talk', scope: 'talk:read' },
  { name: 'talk_list_participants', alias: 'nc_talk_list_participants', app: 'talk', scope: 'talk:read' },
  { name: 'talk_list_reactions', alias: 'nc_talk_list_reactions', app: 'talk', scope: 'talk:read' },
  { name: 'talk_send_message', alias: 'nc_talk_send_message', app: 'talk', scope: 'talk:write' },
  { name: 'talk_mark_as_read', alias: 'nc_talk_mark_as_read', app: 'talk', scope: 'talk:write' },
  {
    name: 'talk_create_conversation',
    alias: 'nc_talk_create_conversation',
    app: 'talk',
    scope: 'talk:write',
  },
  { name: 'talk_add_participant', alias: 'nc_talk_add_participant', app: 'talk', scope: 'talk:write' },
  { name: 'talk_react', alias: 'nc_talk_react', app: 'talk', scope: 'talk:write' },
  { name: 'talk_remove_reaction', alias: 'nc_talk_remove_reaction', app: 'talk', scope: 'talk:write' },
  { name: 'nc_mail_list_accounts', app: 'mail', scope: 'mail:read' },
  { name: 'nc_mail_list_mailboxes', app: 'mail', scope: 'mail:read' },
  { name: 'nc_mail_list_messages', app: 'mail', scope: 'mail:read' },
  { name: 'nc_mail_get_message', app: 'mail', scope: 'mail:read' },
  { name: 'nc_mail_get_message_source', app: 'mail', scope: 'mail:read' },
  { name: 'nc_mail_get_attachment', app: 'mail', scope: 'mail:read' },
  { name: 'nc_mail_set_flags', app: 'mail', scope: 'mail:write' },
  { name: 'nc_mail_create_tag', app: 'mail', scope: 'mail:write' },
  { name: 'nc_mail_set_tag', app: 'mail', scope: 'mail:write' },
  { name: 'nc_mail_remove_tag', app: 'mail', scope: 'mail:write' },
  { name: 'nc_mail_move_message', app: 'mail', scope: 'mail:write' },
  { name: 'nc_mail_delete_message', app: 'mail', scope: 'mail:write' },
  { name: 'nc_mail_send_message', app: 'mail', scope: 'mail:send' },
  { name: 'nc_news_list_folders', app: 'news', scope: 'news:read' },
  { name: 'nc_news_list_feeds', app: 'news', scope: 'news:read' },
  { name: 'nc_news_list_items', app: 'news', scope: 'news:read' },
  { name: 'nc_news_get_item', app: 'news', scope: 'news:read' },
  { name: 'nc_news_get_starred_items', app: 'news', scope: 'news:read' },
  { name: 'nc_news_get_unread_items', app: 'news', scope: 'news:read' },
  { name: 'nc_news_get_feed_health', app: 'news', scope: 'news:read' },
  { name: 'nc_news_get_status', app: 'news', scope: 'news:read' },
  {
    name: 'collectives_get_collectives',
    alias: 'nc_collectives_get_collectives',
    app: 'collectives',
    scope: 'collectives:read',
  },
  {
    name: 'collectives_get_pages',
    alias: 'nc_collectives_get_pages',
    app: 'collectives',
    scope: 'collectives:read',
  },
  {
    name: 'collectives_get_page',
    alias: 'nc_collectives_get_page',
    app: 'collectives',
    scope: 'collectives:read',
  },
  {
    name: 'collectives_search_pages',
    alias: 'nc_collectives_search_pages',
    app: 'collectives',
    scope: 'collectives:read',
  },
  {
    name: 'collectives_get_tags',
    alias: 'nc_collectives_get_tags',
    app: 'collectives',
    scope: 'collectives:read',
  },
  {
    name: 'collectives_get_trashed_pages',
    alias: 'nc_collectives_get_trashed_pages',
    app: 'collectives',
    scope: 'collectives:read',
  },
  {
    name: 'collectives_get_trashed_collectives',
    alias: 'nc_collectives_get_trashed_collectives',
    app: 'collectives',
    scope: 'collectives:read',
  },
  {
    name: 'collectives_create_collective',
    alias: 'nc_collectives_create_collective',
    app: 'collectives',
    scope: 'collectives:write',
  },
  {
    name: 'collectives_set_collective_emoji',
    alias: 'nc_collectives_set_collective_emoji',
    app: 'collectives',
    scope: 'collectives:write',
  },
  {
    name: 'collectives_trash_collective',
    alias: 'nc_collectives_trash_collective',
    app: 'collectives',
    scope: 'collectives:write',
  },
  {
    name: 'collectives_delete_collective',
    alias: 'nc_collectives_delete_collective',
    app: 'collectives',
    scope: 'collectives:write',
  },
  {
    name: 'collectives_restore_collective',
    alias: 'nc_collectives_restore_collective',
    app: 'collectives',
    scope: 'collectives:write',
  },
  {
    name: 'collectives_create_page',
    alias: 'nc_collectives_create_page',
    app: 'collectives',
    scope: 'collectives:write',
  },
  {
    name: 'collectives_move_page',
    alias: 'nc_collectives_move_page',
    app: 'collectives',
    scope: 'collectives:write',
  },
  {
    name: 'collectives_trash_page',
    alias: 'nc_collectives_trash_page',
    app: 'collectives',
    scope: 'collectives:write',
  },
  {
    name: 'collectives_restore_page',
    alias: 'nc_collectives_restore_page',
    app: 'collectives',
    scope: 'collectives:write',
  },
  {
    name: 'collectives_set_page_emoji',
    alias: 'nc_collectives_set_page_emoji',
    app: 'collectives',
    scope: 'collectives:write',
  },
  {
    name: 'collectives_create_tag',
    alias: 'nc_collectives_create_tag',
    app: 'collectives',
    scope: 'collectives:write',
  },
  {
    name: 'collectives_assign_tag',
    alias: 'nc_collectives_assign_tag',
    app: 'collectives',
    scope: 'collectives:write',
  },
  {
    name: 'collectives_remove_tag',
    alias: 'nc_collectives_remove_tag',
    app: 'collectives',
    scope: 'collectives:write',
  },

  { name: 'nc_share_list', app: 'sharing', scope: 'sharing:read' },
  { name: 'nc_share_get', app: 'sharing', scope: 'sharing:read' },
  { name: 'nc_share_create', app: 'sharing', scope: 'sharing:write' },
  { name: 'nc_share_create_public_link', app: 'sharing', scope: 'sharing:write' },
  { name: 'nc_share_update', app: 'sharing', scope: 'sharing:write' },
  { name: 'nc_share_delete', app: 'sharing', scope: 'sharing:write' },
] as const satisfies readonly CatalogueEntry[];

/** The name of a tool in {@link CATALOGUE}. */
export type ToolName = (typeof CATALOGUE)[number]['name'];

const BY_NAME: ReadonlyMap<string, CatalogueEntry> = new Map(
  (CATALOGUE as readonly CatalogueEntry[]).flatMap((entry) => [
    [entry.name, entry],
    ...(entry.alias ? [[entry.alias, entry] as const] : []),
  ]),
);

/** Every scope a tool needs: its own and those of the other apps it reaches into. */
export function scopesOf(entry: CatalogueEntry): readonly Scope[] {
  return [entry.scope, ...(entry.alsoNeeds ?? [])];
}

/** The app a scope belongs to. */
export function appOf(scope: Scope): App {
  return scope.slice(0, scope.indexOf(':')) as App;
}

/** The catalogue entry of a tool by its name or alias, or `undefined` for a name that is not a tool. */
export function catalogueEntry(name: string): CatalogueEntry | undefined {
  return BY_NAME.get(name);
}

/**
 * Whether a caller holding `scopes` on a tenant with `apps` may see and call the tool.
 * Unknown tools are never permitted.
 */
export function isToolPermitted(name: string, scopes: ReadonlySet<Scope>, apps: ReadonlySet<App>): boolean {
  const entry = BY_NAME.get(name);
  return entry !== undefined && scopesOf(entry).every((scope) => apps.has(appOf(scope)) && scopes.has(scope));
}

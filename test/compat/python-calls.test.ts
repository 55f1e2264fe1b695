/**
 * Every call the Python nextcloud-mcp-server (v0.181.0) accepts works here: generated from its
 * tool signatures (python-tools.json), each of its tools is called with argument sets a Python
 * caller could send, and each must pass validation and reach Nextcloud.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../contract/index.js';
import { argumentSchema } from '../../server/tool-arguments.js';
import { ALL_TOOLS } from '../../server/tools/index.js';
import { call, groupwareAvailable, useServer, webdavAvailable } from '../harness.js';
import { SAMPLES, TOOL_SAMPLES } from './sample-values.js';

interface PythonParam {
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
  readonly default?: unknown;
}
interface PythonTool {
  readonly name: string;
  readonly params: readonly PythonParam[];
}

const PYTHON: readonly PythonTool[] = JSON.parse(
  readFileSync(new URL('./python-tools.json', import.meta.url), 'utf8'),
).tools;

/** Python tools that are no tools here, and why. */
const EXCLUDED: Readonly<Record<string, string>> = {
  nc_auth_provision_access: 'login flow of its own; here the OAuth proxy holds the grant',
  nc_auth_check_status: 'login flow of its own; here the OAuth proxy holds the grant',
  nc_auth_update_scopes: 'scopes come from the token the proxy checked, not from a tool',
  provision_nextcloud_access: 'offline-access provisioning of its own; the proxy does it here',
  revoke_nextcloud_access: 'offline-access provisioning of its own; the proxy does it here',
  check_provisioning_status: 'offline-access provisioning of its own; the proxy does it here',
  check_logged_in: 'login flow of its own; here the OAuth proxy holds the grant',
  nc_semantic_search: 'needs its vector database (Qdrant); no semantic index here',
  nc_get_vector_sync_status: 'needs its vector database (Qdrant); no semantic index here',
};

/**
 * Tools whose sample sets include one the Python server refuses too, before asking Nextcloud: the
 * refusal here must be that one. Each names Python's check.
 */
const PYTHON_REFUSES: Readonly<Record<string, RegExp>> = {
  // "calendar_name is required when search_all_calendars is False".
  nc_calendar_list_events: /calendar_name is required/,
  // "No update data provided for update operation" (operation="update" without a new_* field).
  nc_calendar_bulk_operations: /at least one new_/,
  // "No flags given; pass at least one of seen, flagged, answered, junk".
  nc_mail_set_flags: /at least one of seen, flagged, answered or junk/,
  // "room_name is required for room_type=2" (group and public conversations).
  talk_create_conversation: /room_name is required/,
  // ValueError for a user or group share without share_with (its default share_type is 0).
  nc_share_create: /needs share_with/,
};

/** A Python default the signature names by a constant the extractor could not read. */
const isExpression = (value: unknown) => typeof value === 'object' && value !== null && 'expr' in value;

function sample(tool: string, param: string): unknown {
  const perTool = TOOL_SAMPLES[tool];
  if (perTool && Object.hasOwn(perTool, param)) return perTool[param];
  if (Object.hasOwn(SAMPLES, param)) return SAMPLES[param];
  throw new Error(`sample-values.ts has no value for ${tool}.${param}`);
}

const asJsonText = (value: unknown) =>
  typeof value === 'object' && value !== null ? JSON.stringify(value) : value;

/** The argument sets a Python caller could send: the four the brief names. */
function argumentSets(tool: PythonTool): [string, Record<string, unknown>][] {
  const required = Object.fromEntries(
    tool.params.filter((p) => p.required).map((p) => [p.name, sample(tool.name, p.name)]),
  );
  const optional = tool.params.filter((p) => !p.required);
  const defaults = Object.fromEntries(
    optional.filter((p) => !isExpression(p.default)).map((p) => [p.name, p.default]),
  );
  const nulls = Object.fromEntries(optional.map((p) => [p.name, null]));
  const asText = Object.fromEntries(tool.params.map((p) => [p.name, asJsonText(sample(tool.name, p.name))]));
  return [
    ['required only', required],
    ["Python's defaults", { ...required, ...defaults }],
    ['optionals as null', { ...required, ...nulls }],
    ['every parameter, lists and objects as JSON text', asText],
  ];
}

const here = new Set(CATALOGUE.map((entry) => entry.name as string));
const shared = PYTHON.filter((tool) => !Object.hasOwn(EXCLUDED, tool.name));

describe.skipIf(!(webdavAvailable() && groupwareAvailable()))('calls written for the Python server', () => {
  const env = useServer({ webdav: true, groupware: true });

  it('covers every Python tool: each is a tool here or a known exclusion', () => {
    expect(shared.filter((tool) => !here.has(tool.name)).map((tool) => tool.name)).toEqual([]);
    expect(Object.keys(EXCLUDED).filter((name) => here.has(name))).toEqual([]);
    expect(shared).toHaveLength(160);
  });

  describe.each(shared.map((tool) => [tool.name, tool] as const))('%s', (_name, tool) => {
    it.each(argumentSets(tool))('accepts %s and reaches Nextcloud', async (_set, args) => {
      const standin = env.target.standin;
      // A real account's data is real: its writes, with guessed ids, are checked for validation
      // alone (the stand-in runs them); its reads run.
      const definition = ALL_TOOLS.find((candidate) => candidate.name === tool.name);
      if (!standin && definition && !definition.hints.readOnlyHint) {
        const parsed = argumentSchema(definition.input, definition.aliases).safeParse(args);
        expect(parsed.error?.issues, JSON.stringify(args)).toBeUndefined();
        return;
      }
      const before = standin?.log.length ?? 0;
      const result = await call(env.client, tool.name, args);
      expect(result.text, JSON.stringify(args)).not.toMatch(/Input validation error|failed unexpectedly/);
      // A request made: what came back is Nextcloud's answer, not a refusal of ours. (A real
      // Nextcloud keeps no log to ask; there the validation above is what is checked.)
      if (!standin || standin.log.length > before) return;
      const refusal = PYTHON_REFUSES[tool.name];
      expect(refusal && result.isError ? result.text : `no request to Nextcloud: ${result.text}`).toMatch(
        refusal ?? /^$/,
      );
    });
  });

  it.each([
    ['nc_webdav_write_file', { path: '/compat-misspelt.md', content: 'x', ifmatch: '"abc"' }],
    ['nc_notes_update_note', { note_id: 900_001, etag: '"abc"', content: 'x', e_tag: '"abc"' }],
    ['deck_update_card', { board_id: 1, stack_id: 1, card_id: 1, title: 'x', if_match: '"abc"' }],
    ['nc_calendar_update_event', { calendar_name: 'personal', event_uid: 'u', title: 'x', etags: '"a"' }],
    ['nc_tables_update_row', { row_id: 1, data: { '1': 'x' }, tableid: 1 }],
    ['nc_share_create', { path: '/x', share_type: 0, share_with: 'bob', permission: 31 }],
    ['nc_webdav_move_resource', { source_path: '/a', destination_path: '/b', if_destination: '"a"' }],
    ['nc_calendar_complete_todo', { calendar_name: 'personal', todo_uid: 'u', e_tag: '"a"' }],
  ])('still refuses a misspelt parameter of %s, before any request', async (name, args) => {
    const before = env.target.standin?.log.length ?? 0;
    const result = await call(env.client, name, args);
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/Input validation error/);
    if (env.target.standin) expect(env.target.standin.log.length).toBe(before);
  });
});

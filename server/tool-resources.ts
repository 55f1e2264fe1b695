import type { ResourceTemplateType } from '@modelcontextprotocol/server';
import { CATALOGUE, type Scope, type ToolName } from '../contract/index.js';
import { InvalidInputError } from './errors.js';
import type { ToolContext } from './registry.js';
import type { ResourceDefinition, ResourceText } from './resources.js';
import { argumentSchema } from './tool-arguments.js';
import { ALL_TOOLS } from './tools/index.js';

/**
 * The Python server's resource URIs (`nc://Notes/{note_id}`, `nc://Deck/boards/{board_id}/…`,
 * `nc://Cookbook/{recipe_id}`, `cookbook://config`), answered by the tool that reads the same thing: the URI's parts
 * are its arguments, its structured result is the resource's JSON (a note attachment: its file).
 * One path for both, so a resource sees what the tool sees, excluded tags included.
 */
interface ToolResource {
  readonly uri: string;
  readonly title: string;
  readonly tool: ToolName;
  /** Arguments besides the URI's, where the Python resource reads more than the tool's defaults. */
  readonly fixed?: Readonly<Record<string, unknown>>;
}

const DECK_FULL = { detail: 'full', status: 'all' } as const;

const PYTHON_RESOURCES: readonly ToolResource[] = [
  { uri: 'nc://Notes/{note_id}', title: 'Note', tool: 'nc_notes_get_note' },
  {
    uri: 'nc://Notes/{note_id}/attachments/{attachment_filename}',
    title: 'Note attachment',
    tool: 'nc_notes_get_attachment',
  },
  { uri: 'nc://Cookbook/{recipe_id}', title: 'Recipe', tool: 'nc_cookbook_get_recipe' },
  { uri: 'cookbook://config', title: 'Cookbook settings', tool: 'nc_cookbook_get_config' },
  { uri: 'nc://Deck/boards', title: 'Deck boards', tool: 'deck_get_boards' },
  { uri: 'nc://Deck/boards/{board_id}', title: 'Deck board', tool: 'deck_get_board' },
  {
    uri: 'nc://Deck/boards/{board_id}/stacks',
    title: 'Deck stacks',
    tool: 'deck_get_stacks',
    fixed: DECK_FULL,
  },
  {
    uri: 'nc://Deck/boards/{board_id}/stacks/{stack_id}',
    title: 'Deck stack',
    tool: 'deck_get_stack',
    fixed: DECK_FULL,
  },
  {
    uri: 'nc://Deck/boards/{board_id}/stacks/{stack_id}/cards',
    title: 'Deck cards',
    tool: 'deck_get_cards',
    fixed: DECK_FULL,
  },
  {
    uri: 'nc://Deck/boards/{board_id}/stacks/{stack_id}/cards/{card_id}',
    title: 'Deck card',
    tool: 'deck_get_card',
  },
  { uri: 'nc://Deck/boards/{board_id}/labels', title: 'Deck labels', tool: 'deck_get_labels' },
  { uri: 'nc://Deck/boards/{board_id}/labels/{label_id}', title: 'Deck label', tool: 'deck_get_label' },
];

/** A URI part: an id is digits; a file name is anything but a slash (percent-decoded). */
const PART = (name: string) => (name.endsWith('_id') ? '(\\d{1,10})' : '([^/]{1,765})');

function toolResource(spec: ToolResource): ResourceDefinition {
  const tool = ALL_TOOLS.find((candidate) => candidate.name === spec.tool);
  const entry = CATALOGUE.find((candidate) => candidate.name === spec.tool);
  if (!(tool && entry)) throw new Error(`resource ${spec.uri} names no tool ${spec.tool}`);
  // A resource is offered on one scope (ResourceDefinition.needs): a tool needing more is not one.
  if (entry.scopes.length !== 1) throw new Error(`resource ${spec.uri}: ${spec.tool} needs several scopes`);
  const names = [...spec.uri.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string);
  const pattern = new RegExp(
    `^${spec.uri.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{(\w+)\\?\}/g, (_, name) => PART(name))}$`,
  );
  const accepts = argumentSchema(tool.input, tool.aliases);
  const described = { uri: spec.uri, name: spec.tool, title: spec.title, mimeType: 'application/json' };
  const fixed = names.length === 0;
  return {
    needs: { app: entry.app, scope: entry.scopes[0] as Scope },
    ...(fixed
      ? { resource: described }
      : { template: { ...described, uriTemplate: spec.uri } as ResourceTemplateType }),
    // Only a fixed one lists itself: the instances of a template are what the tools list.
    list: async () => (fixed ? [described] : []),
    match(uri) {
      const found = pattern.exec(uri);
      if (!found) return undefined;
      try {
        return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(found[i + 1] ?? '')]));
      } catch {
        return undefined; // a malformed %-escape names nothing
      }
    },
    async read(ctx: ToolContext, params): Promise<ResourceText> {
      const raw = Object.fromEntries(
        Object.entries(params).map(([name, value]) => [name, name.endsWith('_id') ? Number(value) : value]),
      );
      const args = accepts.safeParse({ ...spec.fixed, ...raw });
      if (!args.success)
        throw new InvalidInputError(`${spec.uri.split('{')[0]}…: ${args.error.issues[0]?.message}`);
      const output = await tool.run(args.data, ctx);
      const block = output.content?.[0];
      if (spec.tool === 'nc_notes_get_attachment' && block) {
        if (block.type === 'text') return { mimeType: 'text/plain', text: block.text };
        if (block.type === 'image' || block.type === 'audio')
          return { mimeType: block.mimeType, blob: block.data };
        if (block.type === 'resource') return block.resource as ResourceText;
      }
      return { mimeType: 'application/json', text: JSON.stringify(output.structured) };
    },
  };
}

/** The Python server's resources and templates that have a tool here. */
export const PYTHON_TOOL_RESOURCES: readonly ResourceDefinition[] = PYTHON_RESOURCES.map(toolResource);

import type { Resource, ResourceTemplateType } from '@modelcontextprotocol/server';
import type { App, Scope } from '../contract/index.js';
import { capabilities } from './nextcloud/capabilities.js';
import { getVersion } from './nextcloud/cookbook.js';
import { getNote, listNotes, notesSettings } from './nextcloud/notes.js';
import type { ToolContext } from './registry.js';
import { PYTHON_TOOL_RESOURCES } from './tool-resources.js';

/** What reading a resource gives: one text, or one binary (base64) blob, with its mime type. */
export type ResourceText =
  | { readonly mimeType: string; readonly text: string }
  | { readonly mimeType: string; readonly blob: string };

/**
 * A resource as data, like a tool: `mcp.ts` lists and reads those the caller may see. A fixed
 * resource has one URI; a template's instances come from `list`.
 */
export interface ResourceDefinition {
  /** The app and scope a caller needs to see it; absent: every caller. */
  readonly needs?: { readonly app: App; readonly scope: Scope };
  readonly resource?: Resource;
  readonly template?: ResourceTemplateType;
  /** The resources this definition lists now (a fixed one lists itself); `ctx` as a tool gets it. */
  list(ctx: ToolContext): Promise<Resource[]>;
  /** The parameters of `uri` when it names this resource, else undefined. */
  match(uri: string): Record<string, string> | undefined;
  read(ctx: ToolContext, params: Record<string, string>): Promise<ResourceText>;
}

/** A resource with one URI, listed as it is. */
function fixedResource(resource: Resource, read: (ctx: ToolContext) => Promise<ResourceText>) {
  return {
    resource,
    list: async () => [resource],
    match: (uri: string) => (uri === resource.uri ? {} : undefined),
    read,
  } satisfies ResourceDefinition;
}

const capabilitiesResource = fixedResource(
  {
    uri: 'nc://capabilities',
    name: 'capabilities',
    title: 'Nextcloud capabilities',
    description: 'Server version and enabled apps',
    mimeType: 'application/json',
  },
  async ({ nc }) => ({ mimeType: 'application/json', text: JSON.stringify(await capabilities(nc)) }),
);

/** A fixed resource of one app's JSON, seen by callers with that app and scope. */
function appJson(
  needs: ResourceDefinition['needs'] & {},
  resource: Omit<Resource, 'mimeType'>,
  read: (ctx: ToolContext) => Promise<unknown>,
): ResourceDefinition {
  return {
    needs,
    ...fixedResource({ ...resource, mimeType: 'application/json' }, async (ctx) => ({
      mimeType: 'application/json',
      text: JSON.stringify(await read(ctx)),
    })),
  };
}

/** The Python server's `notes://settings` and `cookbook://version` (v0.181.0). */
const appSettingsResources = [
  appJson(
    { app: 'notes', scope: 'notes:read' },
    {
      uri: 'notes://settings',
      name: 'notes_settings',
      title: 'Notes settings',
      description: 'The Notes app settings: notes folder, file suffix, editor mode',
    },
    ({ nc }) => notesSettings(nc),
  ),
  appJson(
    { app: 'cookbook', scope: 'cookbook:read' },
    {
      uri: 'cookbook://version',
      name: 'cookbook_version',
      title: 'Cookbook version',
      description: 'The Cookbook app version and its API version',
    },
    ({ nc }) => getVersion(nc),
  ),
];

const NOTE_URI = /^nc:\/\/notes\/(\d{1,10})$/;

const noteResources: ResourceDefinition = {
  needs: { app: 'notes', scope: 'notes:read' },
  template: { uriTemplate: 'nc://notes/{id}', name: 'note', title: 'Note', mimeType: 'text/markdown' },
  // One chunk: a resource list is for browsing, and the notes tools page through the rest.
  async list(ctx) {
    const { notes } = await listNotes(ctx, { chunkSize: 200 });
    return notes.map((note) => ({
      uri: `nc://notes/${note.id}`,
      name: note.title,
      mimeType: 'text/markdown',
    }));
  },
  match(uri) {
    const id = NOTE_URI.exec(uri)?.[1];
    return id ? { id } : undefined;
  },
  async read(ctx, { id }) {
    const note = await getNote(ctx, Number(id));
    return { mimeType: 'text/markdown', text: note.content ?? '' };
  },
};

/** Every resource the server offers. */
export const ALL_RESOURCES: readonly ResourceDefinition[] = [
  capabilitiesResource,
  noteResources,
  ...appSettingsResources,
  ...PYTHON_TOOL_RESOURCES,
];

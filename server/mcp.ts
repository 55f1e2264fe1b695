import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { NotFoundError } from './errors.js';
import { type AnyTool, type Caller, registerTools } from './registry.js';
import { type ApiNote, isFull, NOTES_API } from './tools/notes.js';

export const SERVER_INFO = { name: 'nextcloud-mcp', version: '0.1.0' };

/**
 * One validator for every per-request server: the SDK otherwise builds a fresh Ajv instance
 * per server, which dominated a tool call's cost. It only compiles elicitation schemas.
 */
const validator = new AjvJsonSchemaValidator();

/**
 * Builds the MCP server one caller sees: the tools they may use, and the resources
 * (`nc://capabilities` for everyone, notes for holders of `notes:read`).
 */
export function createMcpServer(tools: readonly AnyTool[], caller: Caller): McpServer {
  const server = new McpServer(SERVER_INFO, {
    capabilities: { tools: {}, resources: {} },
    jsonSchemaValidator: validator,
    instructions:
      "Tools for the user's Nextcloud: notes, files and shares. Read before you write: updates need the etag " +
      'you read, so nothing someone else changed in between is overwritten.',
  });
  registerTools(server, tools, caller);
  registerResources(server, caller);
  return server;
}

function registerResources(server: McpServer, caller: Caller): void {
  server.registerResource(
    'capabilities',
    'nc://capabilities',
    {
      title: 'Nextcloud capabilities',
      description: 'Server version and enabled apps',
      mimeType: 'application/json',
    },
    async (uri, extra) => {
      const { nc } = caller.context(extra.signal);
      const data = await nc.ocs<unknown>({
        method: 'GET',
        path: '/ocs/v2.php/cloud/capabilities',
        what: 'Capabilities',
      });
      return json(uri.href, data);
    },
  );
  if (!(caller.apps.has('notes') && caller.scopes.has('notes:read'))) return;
  server.registerResource(
    'note',
    new ResourceTemplate('nc://notes/{id}', {
      list: async (extra) => {
        const { nc } = caller.context(extra.signal);
        const { data } = await nc.json<Partial<ApiNote>[]>({
          method: 'GET',
          path: `${NOTES_API}/notes`,
          query: { exclude: 'content', chunkSize: 200 },
          what: 'The notes list',
        });
        return {
          resources: data.filter(isFull).map((note) => ({
            uri: `nc://notes/${note.id}`,
            name: note.title,
            mimeType: 'text/markdown',
          })),
        };
      },
    }),
    { title: 'Note', description: "A note's markdown content", mimeType: 'text/markdown' },
    async (uri, variables, extra) => {
      const id = Number(variables.id);
      if (!Number.isInteger(id) || id <= 0) throw new NotFoundError(`No note at ${uri.href}`);
      const { nc } = caller.context(extra.signal);
      const { data } = await nc.json<{ content: string }>({
        method: 'GET',
        path: `${NOTES_API}/notes/${id}`,
        what: `Note ${id}`,
      });
      return { contents: [{ uri: uri.href, mimeType: 'text/markdown', text: data.content }] };
    },
  );
}

function json(uri: string, data: unknown): ReadResourceResult {
  return { contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(data) }] };
}

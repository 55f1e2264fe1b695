import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  type ReadResourceResult,
  type Resource,
} from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { type AnyTool, type Caller, registerTools } from './registry.js';
import { type ApiNote, isFull, NOTES_API } from './tools/notes.js';

export const SERVER_INFO = { name: 'nextcloud-mcp', version: '0.1.0' };

/**
 * One validator for every per-request server: the SDK otherwise builds a fresh Ajv instance
 * per server, which dominated a tool call's cost. It only compiles elicitation schemas.
 */
const validator = new AjvJsonSchemaValidator();

const CAPABILITIES: Resource = {
  uri: 'nc://capabilities',
  name: 'capabilities',
  title: 'Nextcloud capabilities',
  description: 'Server version and enabled apps',
  mimeType: 'application/json',
};
const NOTE_URI = /^nc:\/\/notes\/(\d{1,10})$/;

/**
 * The MCP server one caller sees: the tools they may use, and the resources
 * (`nc://capabilities` for everyone, notes as `nc://notes/{id}` for holders of `notes:read`).
 */
export function createMcpServer(tools: readonly AnyTool[], caller: Caller): Server {
  const server = new Server(SERVER_INFO, {
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

function registerResources(server: Server, caller: Caller): void {
  const notes = caller.apps.has('notes') && caller.scopes.has('notes:read');
  server.setRequestHandler(ListResourcesRequestSchema, async (_request, extra) => {
    if (!notes) return { resources: [CAPABILITIES] };
    const { nc } = caller.context(extra.signal);
    const { data } = await nc.json<Partial<ApiNote>[]>({
      method: 'GET',
      path: `${NOTES_API}/notes`,
      query: { exclude: 'content', chunkSize: 200 },
      what: 'The notes list',
    });
    const listed = data
      .filter(isFull)
      .map(
        (note): Resource => ({ uri: `nc://notes/${note.id}`, name: note.title, mimeType: 'text/markdown' }),
      );
    return { resources: [CAPABILITIES, ...listed] };
  });
  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({
    resourceTemplates: notes
      ? [{ uriTemplate: 'nc://notes/{id}', name: 'note', title: 'Note', mimeType: 'text/markdown' }]
      : [],
  }));
  server.setRequestHandler(ReadResourceRequestSchema, async (request, extra): Promise<ReadResourceResult> => {
    const { uri } = request.params;
    const { nc } = caller.context(extra.signal);
    if (uri === CAPABILITIES.uri) {
      const data = await nc.ocs<unknown>({
        method: 'GET',
        path: '/ocs/v2.php/cloud/capabilities',
        what: 'Capabilities',
      });
      return { contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(data) }] };
    }
    const id = NOTE_URI.exec(uri)?.[1];
    if (!(notes && id)) throw new McpError(ErrorCode.InvalidParams, `Resource ${uri} not found`);
    const { data } = await nc.json<ApiNote>({
      method: 'GET',
      path: `${NOTES_API}/notes/${id}`,
      what: `Note ${id}`,
    });
    return { contents: [{ uri, mimeType: 'text/markdown', text: data.content ?? '' }] };
  });
}

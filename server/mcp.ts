import {
  ProtocolError,
  ProtocolErrorCode,
  type ReadResourceResult,
  Server,
} from '@modelcontextprotocol/server';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/server/validators/ajv';
import { type AnyTool, type Caller, cacheable, registerTools } from './registry.js';
import { ALL_RESOURCES, type ResourceDefinition } from './resources.js';

export const SERVER_INFO = { name: 'nextcloud-mcp', version: '0.1.0' };

/**
 * One validator for every per-request server: the SDK otherwise builds a fresh Ajv instance
 * per server, which dominated a tool call's cost. It only compiles elicitation schemas.
 */
const validator = new AjvJsonSchemaValidator();

const INSTRUCTIONS =
  "Tools for the user's Nextcloud: files and shares, notes, calendars and tasks, contacts, Deck boards, " +
  'Tables, Cookbook recipes, Talk conversations, Mail, News feeds and Collectives; you see the tools of ' +
  'the apps this Nextcloud has for the user and your token allows. Read before you write: updates that ' +
  'take an etag need the one you read, so nothing someone else changed in between is overwritten.';

/**
 * The MCP server one caller sees: the tools they may use, and the resources of `resources.ts`
 * they may read.
 */
export function createMcpServer(tools: readonly AnyTool[], caller: Caller): Server {
  const server = new Server(SERVER_INFO, {
    capabilities: { tools: {}, resources: {} },
    jsonSchemaValidator: validator,
    instructions: INSTRUCTIONS,
    // The one result the SDK builds itself; the lists and reads carry their own hints (`cacheable`).
    cacheHints: { 'server/discover': { ttlMs: DISCOVER_TTL_MS, cacheScope: 'public' } },
    // No confirmation is ever asked of a 2025 caller (`canAsk`): its leg here is stateless HTTP,
    // where the SDK's shim could only fail; off, a question that slipped through fails loudly.
    // No `requestState.verify` either: a state that does not match asks again, which a hook
    // could not (it answers -32602); `confirmation.ts` checks it and says why no key is needed.
    inputRequired: { legacyShim: false },
  });
  registerTools(server, tools, caller);
  registerResources(server, ALL_RESOURCES, caller);
  return server;
}

/**
 * `server/discover` says what this server can do, the same for every caller (what a caller may
 * use is in the lists, which are private): any cache may keep it until a release changes it.
 */
const DISCOVER_TTL_MS = 60 * 60_000;

/** The templates change only with the tenant's apps and the caller's scopes. */
const TEMPLATES_TTL_MS = 5 * 60_000;

function registerResources(server: Server, all: readonly ResourceDefinition[], caller: Caller): void {
  const resources = all.filter(
    ({ needs }) => !needs || (caller.apps.has(needs.app) && caller.scopes.has(needs.scope)),
  );
  server.setRequestHandler('resources/list', async (_request, ctx) => {
    const context = caller.context(ctx.mcpReq.signal);
    const listed = await Promise.all(resources.map((resource) => resource.list(context)));
    // Notes and other listed data change at any time: fresh on every listing.
    return cacheable({ resources: listed.flat() }, 0);
  });
  server.setRequestHandler('resources/templates/list', () =>
    cacheable(
      { resourceTemplates: resources.flatMap(({ template }) => (template ? [template] : [])) },
      TEMPLATES_TTL_MS,
    ),
  );
  server.setRequestHandler('resources/read', async (request, ctx): Promise<ReadResourceResult> => {
    const { uri } = request.params;
    for (const resource of resources) {
      const params = resource.match(uri);
      if (!params) continue;
      return cacheable(
        { contents: [{ uri, ...(await resource.read(caller.context(ctx.mcpReq.signal), params)) }] },
        0,
      );
    }
    throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Resource ${uri} not found`);
  });
}

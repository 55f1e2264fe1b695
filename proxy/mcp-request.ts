import { type App, parseBoundedJson, type Scope, toolAccess } from '../contract/index.js';
import { BadRequestError, InsufficientScopeError } from './errors.js';

interface RpcMessage {
  method?: unknown;
  params?: { name?: unknown };
}

/** What the proxy needs to know of a POST /mcp body: for the audit log and the scope check. */
export interface RpcSummary {
  readonly method: string | undefined;
  /** Tools called by the message(s). */
  readonly tools: readonly string[];
  readonly isInitialize: boolean;
}

/** Reads a JSON-RPC message (or batch) from a POST /mcp body, within the JSON limits both programs apply. */
export function summarize(body: Buffer): RpcSummary {
  const parsed = parseBoundedJson(body);
  if ('refused' in parsed) throw new BadRequestError(`body refused: ${parsed.refused}`);
  const messages = (Array.isArray(parsed.value) ? parsed.value : [parsed.value]) as RpcMessage[];
  if (messages.length === 0 || messages.some((message) => typeof message !== 'object' || message === null)) {
    throw new BadRequestError('body is not a JSON-RPC message');
  }
  const method = messages[0]?.method;
  return {
    method: typeof method === 'string' ? method : undefined,
    tools: messages.flatMap((message) =>
      message.method === 'tools/call' && typeof message.params?.name === 'string'
        ? [message.params.name]
        : [],
    ),
    isInitialize: messages.some((message) => message.method === 'initialize'),
  };
}

/**
 * Refuses, before the body is read, a caller without any of the tenant's tool scopes; returns
 * the tenant scopes the caller holds.
 */
export function requireTenantScope(granted: ReadonlySet<Scope>, tenantScopes: readonly Scope[]): Scope[] {
  const held = tenantScopes.filter((scope) => granted.has(scope));
  if (held.length === 0) throw new InsufficientScopeError(tenantScopes, 'no tool scope of this tenant');
  return held;
}

/**
 * Refuses, before anything is forwarded, a `tools/call` of a tool whose scope the caller lacks
 * (step-up: the challenge names the scopes needed plus the tenant scopes already granted, which
 * the client must keep asking for). Unknown tools go on to the server, which answers them.
 */
export function requireToolScopes(
  rpc: RpcSummary,
  granted: ReadonlySet<Scope>,
  apps: ReadonlySet<App>,
  held: readonly Scope[],
): void {
  for (const tool of rpc.tools) {
    const access = toolAccess(tool, { scopes: granted, apps });
    if (access.kind === 'missing') {
      throw new InsufficientScopeError(
        [...access.scopes, ...held],
        `tool ${access.entry.name} needs ${access.scopes.join(' and ')}`,
      );
    }
  }
}

import { type App, appOf, catalogueEntry, type Scope, scopesForApps, scopesOf } from '../contract/index.js';
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

/** Reads a JSON-RPC message (or batch) from a POST /mcp body. */
export function summarize(body: Buffer): RpcSummary {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new BadRequestError('body is not JSON', { cause: error });
  }
  const messages = (Array.isArray(parsed) ? parsed : [parsed]) as RpcMessage[];
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
 * Refuses, before anything is forwarded, a caller without any of the tenant's tool scopes and a
 * `tools/call` of a tool whose scope the caller lacks (step-up: the challenge names the scope
 * needed plus the tenant scopes already granted, which the client must keep asking for).
 */
export function checkScopes(
  rpc: RpcSummary | undefined,
  granted: ReadonlySet<Scope>,
  apps: readonly App[],
  tenantScopes: readonly Scope[] = scopesForApps(apps),
): void {
  const held = tenantScopes.filter((scope) => granted.has(scope));
  if (held.length === 0) throw new InsufficientScopeError(tenantScopes, 'no tool scope of this tenant');
  for (const tool of rpc?.tools ?? []) {
    const entry = catalogueEntry(tool);
    const needed = entry ? scopesOf(entry) : [];
    const missing = needed.filter((scope) => !granted.has(scope));
    if (entry && needed.every((scope) => apps.includes(appOf(scope))) && missing.length) {
      throw new InsufficientScopeError(
        [...missing, ...held],
        `tool ${entry.name} needs ${missing.join(' and ')}`,
      );
    }
  }
}

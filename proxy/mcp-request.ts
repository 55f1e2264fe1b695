import type { IncomingHttpHeaders } from 'node:http';
import {
  type App,
  type Era,
  eraOf,
  headerMismatch,
  MCP_REQUEST_HEADERS,
  mirroredHeaders,
  parseBoundedJson,
  rpcIdOf,
  type Scope,
  targetOf,
  toolAccess,
} from '../contract/index.js';
import { BadRequestError, HeaderMismatchError, InsufficientScopeError } from './errors.js';

interface RpcMessage {
  id?: unknown;
  method?: unknown;
  params?: { name?: unknown };
}

/** What the proxy needs to know of a POST /mcp body: for the audit log, the scope and header checks. */
export interface RpcSummary {
  readonly era: Era;
  /** The JSON-RPC id a 2026 error answer echoes (null for a batch or a notification). */
  readonly id: string | number | null;
  readonly method: string | undefined;
  /** What the body names for `Mcp-Name` (tool, prompt or resource URI), for the audit log. */
  readonly target: string | undefined;
  /** Tools called by the message(s). */
  readonly tools: readonly string[];
  readonly isInitialize: boolean;
  /** Why the mirrored headers disagree with the body, if they do. */
  readonly mismatch: string | undefined;
}

/**
 * Reads a JSON-RPC message (or a 2025 batch) from a POST /mcp body, within the JSON limits both
 * programs apply; the body, never a header, says what is invoked.
 */
export function summarize(body: Buffer, headers: IncomingHttpHeaders): RpcSummary {
  const parsed = parseBoundedJson(body);
  if ('refused' in parsed) throw new BadRequestError(`body refused: ${parsed.refused}`, true);
  const batch = Array.isArray(parsed.value);
  const messages = (batch ? parsed.value : [parsed.value]) as RpcMessage[];
  if (messages.length === 0 || messages.some((message) => typeof message !== 'object' || message === null)) {
    throw new BadRequestError('body is not a JSON-RPC message');
  }
  const era = eraOf(parsed.value, headers[MCP_REQUEST_HEADERS.protocolVersion]);
  // 2026-07-28 has one message per POST.
  if (batch && era === 'modern') throw new BadRequestError('batch in a 2026 request');
  const first = messages[0];
  const method = first?.method;
  return {
    era,
    id: rpcIdOf(parsed.value),
    method: typeof method === 'string' ? method : undefined,
    target: batch ? undefined : targetOf(first),
    tools: messages.flatMap((message) =>
      message.method === 'tools/call' && typeof message.params?.name === 'string'
        ? [message.params.name]
        : [],
    ),
    isInitialize: messages.some((message) => message.method === 'initialize'),
    mismatch: headerMismatch(parsed.value, mirroredHeaders(headers), era),
  };
}

/** Refuses (400) a request whose routing headers its body contradicts, before it is exchanged or forwarded. */
export function requireHeadersAgree(rpc: RpcSummary): void {
  if (rpc.mismatch) throw new HeaderMismatchError(rpc.mismatch);
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
 * Refuses, before anything is forwarded, a `tools/call` of a tool whose scope the caller lacks.
 * Step-up: one challenge names every scope the message(s) need plus the tenant scopes already
 * held, since clients replace their scope set with the challenge's (MCP 2026 authorization,
 * "Step-Up Authorization Flow"). Unknown tools go on to the server, which answers them.
 */
export function requireToolScopes(
  rpc: RpcSummary,
  granted: ReadonlySet<Scope>,
  apps: ReadonlySet<App>,
  held: readonly Scope[],
): void {
  const missing = new Set<Scope>();
  const tools: string[] = [];
  for (const tool of rpc.tools) {
    const access = toolAccess(tool, { scopes: granted, apps });
    if (access.kind !== 'missing') continue;
    for (const scope of access.scopes) missing.add(scope);
    tools.push(`${access.entry.name} needs ${access.scopes.join(' and ')}`);
  }
  if (missing.size > 0) throw new InsufficientScopeError([...missing, ...held], `tool ${tools.join('; ')}`);
}

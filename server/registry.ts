import {
  type CallToolResult,
  type ContentBlock,
  type InputRequiredResult,
  ProtocolError,
  ProtocolErrorCode,
  type Server,
  type ServerContext,
  type Tool,
  type ToolAnnotations,
} from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import { z } from 'zod';
import { type App, CATALOGUE, type Scope, type ToolName, toolAccess } from '../contract/index.js';
import { type Confirmation, canAsk, decide } from './confirmation.js';
import { ServerError } from './errors.js';
import type { Grants } from './grants.js';
import { toolJsonSchema } from './json-schema.js';
import type { Availability } from './nextcloud/capabilities.js';
import type { NextcloudClient } from './nextcloud/client.js';
import type { UserFiles } from './nextcloud/files.js';
import { type Aliases, argumentSchema } from './tool-arguments.js';

/** What a tool handler gets besides its arguments. */
export interface ToolContext {
  readonly nc: NextcloudClient;
  readonly log: Logger;
  /** Server-side limits from the configuration. */
  readonly limits: { readonly readMaxBytes: number };
  /** The caller's files, through the gateway that applies the tenant's excluded tags. */
  readonly files: UserFiles;
  /** What else the caller may reach, for a tool that spans apps. */
  readonly grants: Grants;
  /** Ends when the call does (the client cancelled or went away). */
  readonly signal: AbortSignal;
  /**
   * Tells the client how far a long call is (MCP `notifications/progress`); present only when it
   * asked, with a progress token. `done` must grow from one call to the next.
   */
  readonly progress?: (done: number, total: number, message: string) => void;
}

/** A handler's answer: the structured result and, optionally, content blocks other than its JSON. */
export interface ToolOutput<O> {
  readonly structured: O;
  readonly content?: ContentBlock[];
}

/** The hints every tool must state (MCP annotations); `openWorldHint` is always false here. */
export type ToolHints = Required<
  Pick<ToolAnnotations, 'readOnlyHint' | 'destructiveHint' | 'idempotentHint'>
>;

/** A tool as data: the registry turns these into MCP tools. Its scope comes from the catalogue. */
export interface ToolDefinition<I extends z.ZodRawShape, O extends z.ZodRawShape> {
  readonly name: ToolName;
  readonly title: string;
  readonly description: string;
  readonly input: I;
  readonly output: O;
  readonly hints: ToolHints;
  /** The Python server's names for parameters that are named otherwise here. */
  readonly aliases?: Aliases;
  /**
   * For a tool whose effect the user should see before it happens: the question to ask, from
   * what the call would affect, or undefined when nothing needs asking (nothing matches). Asked
   * only of 2026-07-28 clients that can show a form; the others run the tool as before.
   */
  confirm?(
    args: z.output<z.ZodObject<I>>,
    ctx: ToolContext,
  ): Promise<Confirmation<z.output<z.ZodObject<O>>> | undefined>;
  handler(args: z.output<z.ZodObject<I>>, ctx: ToolContext): Promise<ToolOutput<z.output<z.ZodObject<O>>>>;
}

/** A definition with its types erased so tools of different shapes share one list. */
export interface AnyTool {
  readonly name: ToolName;
  readonly title: string;
  readonly description: string;
  readonly input: z.ZodRawShape;
  readonly output: z.ZodRawShape;
  readonly hints: ToolHints;
  readonly aliases?: Aliases;
  confirm?(args: unknown, ctx: ToolContext): Promise<Confirmation<unknown> | undefined>;
  run(args: unknown, ctx: ToolContext): Promise<ToolOutput<unknown>>;
}

/** Declares a tool; `registerTools` validates arguments against `input` before `handler` runs. */
export function defineTool<I extends z.ZodRawShape, O extends z.ZodRawShape>(
  def: ToolDefinition<I, O>,
): AnyTool {
  const { handler, confirm, ...rest } = def;
  type Args = z.output<z.ZodObject<I>>;
  return {
    ...rest,
    ...(confirm ? { confirm: (args: unknown, ctx: ToolContext) => confirm(args as Args, ctx) } : {}),
    run: (args, ctx) => handler(args as Args, ctx),
  };
}

/** Who is calling and what they may do; built from trusted headers or standalone config. */
export interface Caller {
  /** The Nextcloud user id; a confirmation is bound to it. */
  readonly user: string;
  readonly scopes: ReadonlySet<Scope>;
  readonly apps: ReadonlySet<App>;
  readonly context: (signal: AbortSignal) => ToolContext;
  /**
   * The tenant's apps that this Nextcloud has for the caller (capability-aware), and those whose
   * REST routes refuse the caller's credential; all present and none refused when absent.
   */
  readonly availableApps?: (signal: AbortSignal) => Promise<Availability>;
}

/** A tool's MCP description and its schemas, built once per process. */
interface Compiled {
  readonly descriptor: Tool;
  /** What a call's arguments are read with: the input schema and its leniencies. */
  readonly accepts: z.ZodType;
  readonly output: z.ZodObject;
}

const compiled = new WeakMap<AnyTool, Compiled>();

function compile(tool: AnyTool): Compiled {
  let entry = compiled.get(tool);
  if (!entry) {
    // Strict: a misspelt argument is an error the model sees, not a silently ignored one.
    const input = z.strictObject(tool.input);
    const output = z.object(tool.output);
    entry = {
      accepts: argumentSchema(tool.input, tool.aliases),
      output,
      descriptor: {
        name: tool.name,
        title: tool.title,
        description: tool.description,
        inputSchema: toolJsonSchema(input, 'input') as Tool['inputSchema'],
        outputSchema: toolJsonSchema(output, 'output') as Tool['outputSchema'],
        annotations: { title: tool.title, ...tool.hints, openWorldHint: false },
      },
    };
    compiled.set(tool, entry);
  }
  return entry;
}

/** A tool list indexed by canonical name, and ordered as `tools/list` answers. */
interface Index {
  readonly byName: ReadonlyMap<ToolName, AnyTool>;
  readonly listed: readonly AnyTool[];
}

const indexes = new WeakMap<readonly AnyTool[], Index>();
const cataloguePosition = new Map(CATALOGUE.map((entry, position) => [entry.name, position]));

/**
 * `tools` in the order `tools/list` answers: the catalogue's (an app's tools together, reads
 * before writes), not the order the tool modules happen to be spread in. The same for every
 * caller, and a narrower token's listing is a subsequence of a wider one's.
 */
export function inListOrder<T extends { readonly name: ToolName }>(tools: readonly T[]): T[] {
  return [...tools].sort(
    (a, b) => (cataloguePosition.get(a.name) ?? 0) - (cataloguePosition.get(b.name) ?? 0),
  );
}

/** Built once per tool list. */
function indexOf(tools: readonly AnyTool[]): Index {
  let index = indexes.get(tools);
  if (!index) {
    index = {
      byName: new Map(tools.map((tool) => [tool.name, tool])),
      listed: inListOrder(tools),
    };
    indexes.set(tools, index);
  }
  return index;
}

/**
 * Answers `tools/list` with the tools this caller may use (enabled app, scope held) and
 * `tools/call` after checking access again and validating the arguments. Descriptions and
 * JSON schemas are computed once per process, not per request.
 */
export function registerTools(server: Server, tools: readonly AnyTool[], caller: Caller): void {
  const { byName, listed } = indexOf(tools);
  // A model never sees a tool of an app this Nextcloud lacks or refuses it: it could only fail.
  const available = async (signal: AbortSignal) => ({
    scopes: caller.scopes,
    apps: caller.apps,
    ...(await caller.availableApps?.(signal)),
  });
  server.setRequestHandler('tools/list', async (_request, ctx) => {
    const access = await available(ctx.mcpReq.signal);
    return cacheable(
      {
        tools: listed
          .filter((tool) => toolAccess(tool.name, access).kind === 'ok')
          .map((tool) => compile(tool).descriptor),
      },
      TOOL_LIST_TTL_MS,
    );
  });
  server.setRequestHandler('tools/call', async (request, ctx) => {
    const { name } = request.params;
    const access = toolAccess(name, await available(ctx.mcpReq.signal));
    const tool = access.kind === 'unknown' ? undefined : byName.get(access.entry.name);
    // The spec's protocol error for a tool that does not exist (here: or is not this tenant's).
    if (access.kind === 'unknown' || !tool)
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${name}`);
    if (access.kind === 'app-off') return errorResult(`${tool.name} ${access.reason}`);
    if (access.kind === 'missing') {
      return errorResult(
        `${tool.name} needs the ${access.scopes.join(' and ')} scope, which this token lacks`,
      );
    }
    // Validated here, against the strict schema, rather than by the SDK: its low-level Server
    // does not see the tools' zod shapes.
    const args = compile(tool).accepts.safeParse(request.params.arguments ?? {});
    if (!args.success) {
      const problems = args.error.issues.map(
        (issue) => `${issue.path.join('.') || '(arguments)'}: ${issue.message}`,
      );
      return errorResult(`Input validation error: ${tool.name}: ${problems.join('; ')}`);
    }
    const context = caller.context(ctx.mcpReq.signal);
    const progress = progressOf(ctx, context.log);
    return runTool(tool, args.data, progress ? { ...context, progress } : context, { caller, request: ctx });
  });
}

/** A progress hook for a request that carries a progress token; undefined for one that does not. */
function progressOf(request: ServerContext, log: Logger): ToolContext['progress'] {
  const progressToken = request.mcpReq._meta?.progressToken;
  if (progressToken === undefined) return undefined;
  return (progress, total, message) => {
    // Progress is advisory: a client gone before it arrives changes nothing for the call.
    request.mcpReq
      .notify({ method: 'notifications/progress', params: { progressToken, progress, total, message } })
      .catch((error: unknown) => log.debug({ err: error }, 'progress notification not sent'));
  };
}

/** The call a tool runs for: who, and the request (its answers to a confirmation, if any). */
interface CallSite {
  readonly caller: Caller;
  readonly request: ServerContext;
}

async function runTool(
  tool: AnyTool,
  args: unknown,
  ctx: ToolContext,
  { caller, request }: CallSite,
): Promise<CallToolResult | InputRequiredResult> {
  const started = performance.now();
  try {
    const question = tool.confirm && canAsk(request) ? await tool.confirm(args, ctx) : undefined;
    const verdict = question
      ? decide(question, { user: caller.user, tool: tool.name, args }, request)
      : undefined;
    if (verdict?.kind === 'ask') {
      ctx.log.debug({ tool: tool.name }, 'tool call asks for confirmation');
      return verdict.result;
    }
    const output: ToolOutput<unknown> =
      verdict?.kind === 'declined'
        ? {
            structured: verdict.output,
            content: [
              { type: 'text', text: DECLINED },
              { type: 'text', text: JSON.stringify(verdict.output) },
            ],
          }
        : await tool.run(args, ctx);
    const structured = compile(tool).output.safeParse(output.structured);
    if (!structured.success) {
      ctx.log.error(
        { tool: tool.name, issues: structured.error.issues },
        'tool result does not match its schema',
      );
      return errorResult(`${tool.name} failed unexpectedly; the server log has the details`);
    }
    ctx.log.debug({ tool: tool.name, ms: Math.round(performance.now() - started) }, 'tool call');
    return complete({
      structuredContent: output.structured as Record<string, unknown>,
      content: output.content ?? [{ type: 'text', text: JSON.stringify(output.structured) }],
    });
  } catch (error) {
    if (error instanceof ServerError) {
      ctx.log.info({ tool: tool.name, code: error.code, cause: describeCause(error) }, 'tool call failed');
      return errorResult(error.message);
    }
    // A bug of ours: log it in full, tell the caller nothing about internals.
    ctx.log.error({ tool: tool.name, err: error }, 'tool call crashed');
    return errorResult(`${tool.name} failed unexpectedly; the server log has the details`);
  }
}

/**
 * A decline is a result, not an error: an error invites the model to retry or to work around
 * it (deleting the events one by one), while this says the user's answer was no.
 */
const DECLINED =
  'The user declined when asked to confirm; nothing was changed. Do not try again unless the user asks for it.';

function errorResult(message: string): CallToolResult {
  return complete({ isError: true, content: [{ type: 'text', text: message }] });
}

/**
 * Marks a result final, as MCP 2026-07-28 requires of every result (the other kind,
 * `input_required`, is a confirmation's question, built by `confirmation.ts`). The SDK stamps it on
 * 2026 answers too; stamped here, 2025 clients see the same result, which is safe for them:
 * results allow unknown fields, and SDK 1.x's result schemas pass them through.
 */
export function complete<R extends object>(result: R): R & { resultType: 'complete' } {
  return { ...result, resultType: 'complete' };
}

/**
 * A list or read result with MCP 2026-07-28's cache hints. Always `private`: what a caller sees
 * depends on their token's scopes and their Nextcloud data, so no cache may share it. The SDK
 * keeps hints a result carries (its `cacheHints` only fill in missing ones), in both eras alike.
 */
export function cacheable<R extends object>(result: R, ttlMs: number) {
  return { ...complete(result), ttlMs, cacheScope: 'private' as const };
}

/** How long a client may keep a tool list: tool hiding reads the apps at most every few minutes. */
const TOOL_LIST_TTL_MS = 60_000;

function describeCause(error: Error): string | undefined {
  const cause = error.cause;
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return cause === undefined ? undefined : String(cause);
}

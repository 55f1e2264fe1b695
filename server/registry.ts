import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ContentBlock, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { z } from 'zod';
import { type App, catalogueEntry, isToolPermitted, type Scope, type ToolName } from '../contract/index.js';
import { ServerError } from './errors.js';
import type { NextcloudClient } from './nextcloud/client.js';

/** What a tool handler gets besides its arguments. */
export interface ToolContext {
  readonly nc: NextcloudClient;
  readonly log: Logger;
  /** Server-side limits from the configuration. */
  readonly limits: { readonly readMaxBytes: number };
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
  run(args: unknown, ctx: ToolContext): Promise<ToolOutput<unknown>>;
}

/** Declares a tool; the SDK validates arguments against `input` before `handler` runs. */
export function defineTool<I extends z.ZodRawShape, O extends z.ZodRawShape>(
  def: ToolDefinition<I, O>,
): AnyTool {
  const { handler, ...rest } = def;
  return { ...rest, run: (args, ctx) => handler(args as z.output<z.ZodObject<I>>, ctx) };
}

/** Who is calling and what they may do; built from trusted headers or standalone config. */
export interface Caller {
  readonly scopes: ReadonlySet<Scope>;
  readonly apps: ReadonlySet<App>;
  readonly context: (signal: AbortSignal) => ToolContext;
}

/**
 * Registers, on `server`, the tools this caller may use: those of enabled apps whose scope
 * the caller holds. Each call checks the scope again before running the handler.
 */
export function registerTools(server: McpServer, tools: readonly AnyTool[], caller: Caller): void {
  for (const tool of tools) {
    if (!isToolPermitted(tool.name, caller.scopes, caller.apps)) continue;
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        // Strict: a misspelt argument is an error the model sees, not a silently ignored one.
        inputSchema: z.strictObject(tool.input),
        outputSchema: tool.output,
        annotations: { title: tool.title, ...tool.hints, openWorldHint: false },
      },
      (args, extra) => runTool(tool, args, caller, caller.context(extra.signal)),
    );
  }
}

async function runTool(
  tool: AnyTool,
  args: unknown,
  caller: Caller,
  ctx: ToolContext,
): Promise<CallToolResult> {
  if (!isToolPermitted(tool.name, caller.scopes, caller.apps)) {
    return errorResult(
      `${tool.name} needs the ${catalogueEntry(tool.name)?.scope} scope, which this token lacks`,
    );
  }
  const started = performance.now();
  try {
    const output = await tool.run(args, ctx);
    ctx.log.debug({ tool: tool.name, ms: Math.round(performance.now() - started) }, 'tool call');
    return {
      structuredContent: output.structured as Record<string, unknown>,
      content: output.content ?? [{ type: 'text', text: JSON.stringify(output.structured) }],
    };
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

function errorResult(message: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: message }] };
}

function describeCause(error: Error): string | undefined {
  const cause = error.cause;
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return cause === undefined ? undefined : String(cause);
}

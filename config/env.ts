import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { APPS, type App, isApp } from '../contract/index.js';

/**
 * Environment configuration as the three programs read it: one schema per program, parsed once
 * at start; secrets may come from mounted files (`NAME_FILE`); every problem is told at once,
 * each naming its variable.
 */
export class ConfigError extends Error {
  /** One line per problem, each starting with the variable's name. */
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * What a program reads from its environment: the schema, each field `.describe()`d in one line
 * (`--help` lists them from here), and the names that may instead come from a `NAME_FILE`.
 */
export interface EnvSpec<S extends z.ZodObject = z.ZodObject> {
  readonly schema: S;
  readonly secretFiles?: readonly (keyof z.output<S> & string)[];
}

/** pino's levels; `silent` turns logging off. */
export const logLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info')
  .describe('log level: fatal, error, warn, info, debug, trace or silent');

/** A comma-separated list: items trimmed, empty items dropped. */
export const commaList = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);

/** The tenant's apps (`APPS=notes,files`): every one when unset, an unknown name refused. */
export const appList = commaList
  .transform((names, ctx): App[] => {
    const unknown = names.filter((name) => !isApp(name));
    if (unknown.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown app(s) ${unknown.join(', ')}; known: ${APPS.join(', ')}`,
      });
      return z.NEVER;
    }
    return names.filter(isApp);
  })
  .default([...APPS])
  .describe('the Nextcloud apps whose tools are offered, comma-separated');

/**
 * For a schema's cross-field `superRefine`: run it even when a field already failed, so every
 * problem is told at once. Its rule then sees what parsed (a failed field may be absent or raw).
 */
export const everyProblem = { when: () => true };

/** Zod's "expected string, received undefined" (or "number, received NaN") in a newcomer's words. */
const plainly: z.core.$ZodErrorMap = (issue) => {
  if (issue.code !== 'invalid_type') return undefined;
  if (issue.input === undefined) return 'required, not set';
  return issue.expected === 'number' ? 'not a number' : undefined;
};

/**
 * Parses `env` with `spec.schema`. Each name in `spec.secretFiles` may instead be given as
 * `NAME_FILE`, a path whose trimmed content becomes the value (a mounted Secret). Throws one
 * {@link ConfigError} listing every problem; values are never repeated in it (they may be secrets).
 */
export function loadEnv<S extends z.ZodObject>(spec: EnvSpec<S>, env: NodeJS.ProcessEnv): z.output<S> {
  const resolved: Record<string, string | undefined> = { ...env };
  const problems: string[] = [];
  const unreadable = new Set<PropertyKey>();
  for (const name of spec.secretFiles ?? []) {
    const file = env[`${name}_FILE`];
    if (!file) continue;
    try {
      resolved[name] = readFileSync(file, 'utf8').trim();
    } catch (error) {
      unreadable.add(name);
      // Stands in for the value, so that rules needing it do not complain about it too.
      resolved[name] = '(unreadable)';
      problems.push(
        `${name}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  const parsed = spec.schema.safeParse(resolved, { error: plainly });
  if (!parsed.success) {
    problems.push(
      ...parsed.error.issues
        // A variable whose file could not be read is already told about once.
        .filter((issue) => !unreadable.has(issue.path[0] ?? ''))
        .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return parsed.data;
}

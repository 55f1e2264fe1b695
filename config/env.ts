import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { APPS, type App, isApp } from '../contract/index.js';

/**
 * Environment configuration as the three programs read it: one schema per program, parsed once
 * at start; secrets may come from mounted files (`NAME_FILE`); every problem is told at once, on
 * one line, naming the variable.
 */
export class ConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/** pino's levels; `silent` turns logging off. */
export const logLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info');

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
  .default([...APPS]);

/**
 * Parses `env` with `schema`. Each name in `secretFiles` may instead be given as `NAME_FILE`, a
 * path whose trimmed content becomes the value (a mounted Secret). Throws one {@link ConfigError}.
 */
export function loadEnv<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv,
  secretFiles: readonly string[] = [],
): z.output<S> {
  const resolved: Record<string, string | undefined> = { ...env };
  const problems: string[] = [];
  const unreadable = new Set<PropertyKey>();
  for (const name of secretFiles) {
    const file = env[`${name}_FILE`];
    if (!file) continue;
    try {
      resolved[name] = readFileSync(file, 'utf8').trim();
    } catch (error) {
      unreadable.add(name);
      problems.push(
        `${name}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  const parsed = schema.safeParse(resolved);
  if (!parsed.success) {
    problems.push(
      ...parsed.error.issues
        // A variable whose file could not be read is already told about once.
        .filter((issue) => !unreadable.has(issue.path[0] ?? ''))
        .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  if (problems.length > 0 || !parsed.success)
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  return parsed.data;
}

import { z } from 'zod';
import type { EnvSpec } from './env.js';

/** Who a program is, as `--help` and its logs name it. */
export interface ProgramInfo {
  /** The logger's name too, e.g. `nextcloud-mcp-proxy`. */
  readonly name: string;
  /** One sentence: what it is and where it runs. */
  readonly summary: string;
  /** Its entry without extension, e.g. `proxy/main`: the image runs `node dist/proxy/main.js`. */
  readonly entry: string;
}

/** How a program ends; the same for the three, and told by `--help`. */
export const EXIT = { ok: 0, failed: 1, config: 78 } as const;

/** A default as it is written in the environment: lists comma-separated. */
function written(value: unknown): string {
  if (Array.isArray(value)) return value.length > 0 ? value.join(',') : 'none';
  return String(value);
}

/** One variable: its name, whether it must be set or what it defaults to, and its meaning. */
function variable(name: string, field: z.ZodType): string {
  if (!field.description) throw new Error(`${name} has no description for --help`);
  const given =
    field instanceof z.ZodDefault
      ? `default: ${written(field.def.defaultValue)}`
      : field.safeParse(undefined).success
        ? 'optional'
        : 'required';
  return `  ${name} (${given})\n      ${field.description}\n`;
}

/** `--help`: what the program is and every environment variable it reads, from its schema. */
export function usage(program: ProgramInfo, spec: EnvSpec): string {
  const command = `node dist/${program.entry}.js`;
  const secrets = new Set<string>(spec.secretFiles ?? []);
  const variables = Object.entries(spec.schema.shape as Record<string, z.ZodType>).map(
    ([name, field]) =>
      variable(name, field) +
      (secrets.has(name)
        ? `  ${name}_FILE (optional)\n      a file holding ${name} (a mounted Secret), read once at start; instead of ${name}\n`
        : ''),
  );
  return [
    `${program.name}: ${program.summary}`,
    '',
    `Usage: ${command}           runs until SIGTERM or SIGINT`,
    `       ${command} --help    prints this (also -h)`,
    '',
    'It takes no other arguments: it is configured by these environment variables.',
    '',
    ...variables,
    'Exit codes:',
    `  ${EXIT.ok}   stopped by SIGTERM or SIGINT, or --help`,
    `  ${EXIT.config}  invalid configuration: every problem is printed on stderr, one line each`,
    `  ${EXIT.failed}   could not start otherwise (a port in use, an unreadable file): one log line says why`,
    '',
  ].join('\n');
}

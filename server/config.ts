import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { APPS, type App, isApp } from '../contract/index.js';

const appList = z
  .string()
  .transform((value, ctx): App[] => {
    const names = value
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean);
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

/** System tag names, as Nextcloud limits them (64 characters); commas separate them. */
const tagList = z
  .string()
  .transform((value) => [
    ...new Set(
      value
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean),
    ),
  ])
  .pipe(z.array(z.string().max(64, 'a tag name has at most 64 characters')).max(20, 'at most 20 tags'))
  .default([]);

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const ConfigSchema = z.object({
  NEXTCLOUD_URL: z.url({ protocol: /^https?$/ }).transform((value) => new URL(value)),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  APPS: appList,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Whole-request deadline for one Nextcloud call. */
  NEXTCLOUD_TIMEOUT_MS: positiveInt(30_000),
  /** Largest file `nc_webdav_read_file` returns; larger files are refused with a clear error. */
  READ_MAX_BYTES: positiveInt(5 * 1024 * 1024),
  /**
   * System tags that hide files from every tool: a file carrying one, or inside a folder carrying
   * one, is never listed, read, changed or shared.
   */
  EXCLUDED_TAGS: tagList,
  /** `stdio` runs the standalone desktop mode; `http` is the pod's mode. */
  MCP_TRANSPORT: z.enum(['http', 'stdio']).default('http'),
  NEXTCLOUD_USER: z.string().min(1).optional(),
  NEXTCLOUD_APP_PASSWORD: z.string().min(1).optional(),
});

/** The server's configuration, parsed once at start. */
export type ServerConfig = z.output<typeof ConfigSchema>;

export class ConfigError extends Error {}

/**
 * Parses the environment. `*_FILE` variables are read into their plain counterparts first
 * so secrets can come from mounted files. Throws a one-line {@link ConfigError} naming the
 * bad variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv): ServerConfig {
  const resolved: Record<string, string | undefined> = { ...env };
  const passwordFile = env.NEXTCLOUD_APP_PASSWORD_FILE;
  if (passwordFile) resolved.NEXTCLOUD_APP_PASSWORD = readFileSync(passwordFile, 'utf8').trim();
  const parsed = ConfigSchema.safeParse(resolved);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`invalid configuration: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  const config = parsed.data;
  if (config.MCP_TRANSPORT === 'stdio' && !(config.NEXTCLOUD_USER && config.NEXTCLOUD_APP_PASSWORD)) {
    throw new ConfigError(
      'invalid configuration: NEXTCLOUD_USER and NEXTCLOUD_APP_PASSWORD are required when MCP_TRANSPORT=stdio',
    );
  }
  return config;
}

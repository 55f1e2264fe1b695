import { z } from 'zod';
import { appList, commaList, loadEnv, logLevel } from '../config/env.js';
import { DEFAULT_ANSWER_MAX_BYTES } from './nextcloud/client.js';

/** System tag names, as Nextcloud limits them (64 characters); commas separate them. */
const tagList = commaList
  .transform((names) => [...new Set(names)])
  .pipe(z.array(z.string().max(64, 'a tag name has at most 64 characters')).max(20, 'at most 20 tags'))
  .default([]);

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const ConfigSchema = z
  .object({
    NEXTCLOUD_URL: z.url({ protocol: /^https?$/ }).transform((value) => new URL(value)),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(8081),
    APPS: appList,
    LOG_LEVEL: logLevel,
    /** Whole-request deadline for one Nextcloud call. */
    NEXTCLOUD_TIMEOUT_MS: positiveInt(30_000),
    /** Largest file `nc_webdav_read_file` returns; larger files are refused with a clear error. */
    READ_MAX_BYTES: positiveInt(5 * 1024 * 1024),
    /** Largest other answer read from Nextcloud (listings, reports, JSON); see client.ts. */
    ANSWER_MAX_BYTES: positiveInt(DEFAULT_ANSWER_MAX_BYTES),
    /**
     * System tags that hide files from every tool: a file carrying one, or inside a folder carrying
     * one, is never listed, read, changed or shared.
     */
    EXCLUDED_TAGS: tagList,
    /** One request body (413 beyond); the largest tool argument, a 3,000,000-character file, fits. */
    MAX_BODY_BYTES: positiveInt(4 * 1024 * 1024),
    /** Request bodies read or being served at once (503 + Retry-After beyond), sized to the heap. */
    MAX_BODY_BYTES_IN_FLIGHT: positiveInt(24 * 1024 * 1024),
    /** `stdio` runs the standalone desktop mode; `http` is the pod's mode. */
    MCP_TRANSPORT: z.enum(['http', 'stdio']).default('http'),
    NEXTCLOUD_USER: z.string().min(1).optional(),
    NEXTCLOUD_APP_PASSWORD: z.string().min(1).optional(),
  })
  .superRefine((config, ctx) => {
    if (config.MCP_TRANSPORT === 'stdio' && !(config.NEXTCLOUD_USER && config.NEXTCLOUD_APP_PASSWORD)) {
      ctx.addIssue({
        code: 'custom',
        path: ['MCP_TRANSPORT'],
        message:
          'NEXTCLOUD_USER and NEXTCLOUD_APP_PASSWORD (or NEXTCLOUD_APP_PASSWORD_FILE) are required for stdio',
      });
    }
  });

/** The server's configuration, parsed once at start. */
export type ServerConfig = z.output<typeof ConfigSchema>;

/** Parses the environment once; see `config/env.ts` for `*_FILE` secrets and the error's shape. */
export function loadConfig(env: NodeJS.ProcessEnv): ServerConfig {
  return loadEnv(ConfigSchema, env, ['NEXTCLOUD_APP_PASSWORD']);
}

import { z } from 'zod';
import type { Program } from '../config/cli.js';
import { appList, commaList, everyProblem, loadEnv, logLevel } from '../config/env.js';
import { DEFAULT_ANSWER_MAX_BYTES } from './nextcloud/client.js';

/** System tag names, as Nextcloud limits them (64 characters); commas separate them. */
const tagList = commaList
  .transform((names) => [...new Set(names)])
  .pipe(z.array(z.string().max(64, 'a tag name has at most 64 characters')).max(20, 'at most 20 tags'))
  .default([]);

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const ConfigSchema = z
  .object({
    NEXTCLOUD_URL: z
      .url({ protocol: /^https?$/ })
      .transform((value) => new URL(value))
      .describe('the Nextcloud every tool calls, e.g. https://cloud.example.com'),
    HOST: z.string().min(1).default('127.0.0.1').describe('address to listen on (http transport)'),
    PORT: z.coerce.number().int().min(0).max(65535).default(8081).describe('port to listen on; 0 picks one'),
    APPS: appList,
    LOG_LEVEL: logLevel,
    NEXTCLOUD_TIMEOUT_MS: positiveInt(30_000).describe('whole-request deadline of one Nextcloud call, ms'),
    READ_MAX_BYTES: positiveInt(5 * 1024 * 1024).describe(
      'largest file nc_webdav_read_file returns; larger ones are refused with a clear error',
    ),
    // See client.ts for why answers are bounded at all.
    ANSWER_MAX_BYTES: positiveInt(DEFAULT_ANSWER_MAX_BYTES).describe(
      'largest other answer read from Nextcloud (listings, reports, JSON)',
    ),
    EXCLUDED_TAGS: tagList.describe(
      'system tags, comma-separated, that hide a file (or a folder and all inside) from every tool',
    ),
    // The largest tool argument, a 3,000,000-character file, fits.
    MAX_BODY_BYTES: positiveInt(4 * 1024 * 1024).describe('largest request body; larger ones get 413'),
    // Sized to the heap.
    MAX_BODY_BYTES_IN_FLIGHT: positiveInt(24 * 1024 * 1024).describe(
      'request bytes read or served at once; beyond, 503 with Retry-After',
    ),
    MCP_TRANSPORT: z
      .enum(['http', 'stdio'])
      .default('http')
      .describe('http: the pod, behind the proxy; stdio: standalone on a desktop'),
    NEXTCLOUD_USER: z.string().min(1).optional().describe('the Nextcloud user in stdio mode'),
    NEXTCLOUD_APP_PASSWORD: z.string().min(1).optional().describe("that user's app password in stdio mode"),
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
  }, everyProblem);

const SERVER_ENV = { schema: ConfigSchema, secretFiles: ['NEXTCLOUD_APP_PASSWORD'] } as const;

/** The server's configuration, parsed once at start. */
export type ServerConfig = z.output<typeof ConfigSchema>;

/** Parses the environment once; see `config/env.ts` for `*_FILE` secrets and the error's shape. */
export function loadConfig(env: NodeJS.ProcessEnv): ServerConfig {
  return loadEnv(SERVER_ENV, env);
}

export const SERVER_PROGRAM: Program<ServerConfig> = {
  name: 'nextcloud-mcp-server',
  summary: "the MCP tool server for Nextcloud: answers each tool call with the caller's Nextcloud access",
  entry: 'server/main',
  env: SERVER_ENV,
  load: loadConfig,
};

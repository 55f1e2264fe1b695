import { z } from 'zod';
import { listVersions, restoreVersion, versionShape } from '../nextcloud/versions.js';
import { defineTool } from '../registry.js';

const path = z.string().max(4096).describe('Path of a file inside your files, e.g. "/Documents/report.md"');

const listFileVersions = defineTool({
  name: 'nc_versions_list',
  title: 'List versions of a file',
  description:
    'List the versions Nextcloud keeps of a file, newest first (the current one included on Nextcloud 26+), ' +
    'with their time, size, label and author.',
  input: { path },
  output: { path: z.string(), file_id: z.number(), versions: z.array(z.object(versionShape)) },
  hints: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async handler(args, ctx) {
    const file = await ctx.files.idOf(args.path, false);
    const versions = await listVersions(ctx.nc, file.fileId, file.path);
    return { structured: { path: file.path, file_id: file.fileId, versions } };
  },
});

const restoreFileVersion = defineTool({
  name: 'nc_versions_restore',
  title: 'Restore a version of a file',
  description:
    'Roll a file back to one of its versions (a version_id from nc_versions_list). What the file held until now ' +
    'is kept as a version, so this can be undone the same way.',
  input: {
    path,
    version_id: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[\w.-]+$/, 'a version_id as nc_versions_list shows it'),
  },
  output: { path: z.string(), version_id: z.string(), restored: z.boolean() },
  hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async handler(args, ctx) {
    const file = await ctx.files.idOf(args.path, true);
    await restoreVersion(ctx.nc, file.fileId, args.version_id, file.path);
    return { structured: { path: file.path, version_id: args.version_id, restored: true } };
  },
});

export const versionTools = [listFileVersions, restoreFileVersion];

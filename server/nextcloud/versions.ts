import { z } from 'zod';
import { NotFoundError } from '../errors.js';
import type { NextcloudClient } from './client.js';
import { multistatus, propText as text } from './multistatus.js';
import { xmlBody } from './webdav.js';

/**
 * A file's versions over Nextcloud's DAV (apps/files_versions/lib/Sabre): PROPFIND of
 * `/remote.php/dav/versions/<user>/versions/<fileid>` (VersionRoot answers 404 for a folder or an
 * id not the user's), each version named by its revision id with `nc:version-label` (Plugin) and,
 * from Nextcloud 29, `nc:version-author`; restore by MOVE of a version onto
 * `…/restore/target` (RestoreFolder rolls the file back, keeping what it held as a version).
 * Callers resolve the file id through the files gateway, so excluded files stay out of reach.
 */
const DAV_ROOT = '/remote.php/dav';

export const versionShape = {
  version_id: z.string().describe('Pass it to nc_versions_restore'),
  modified: z.string().nullable().describe('ISO 8601: when this version was written'),
  size: z.number().nullable(),
  mime_type: z.string().nullable(),
  label: z.string().nullable(),
  author: z.string().nullable().describe('User id of who wrote it, where Nextcloud (29+) tells'),
};
export type FileVersion = z.output<z.ZodObject<typeof versionShape>>;

function versionsPath(nc: NextcloudClient, fileId: number): string {
  return `${DAV_ROOT}/versions/${encodeURIComponent(nc.user)}/versions/${fileId}`;
}

/** The versions of the file `fileId` (shown as `path`), newest first. */
export async function listVersions(
  nc: NextcloudClient,
  fileId: number,
  path: string,
): Promise<FileVersion[]> {
  const response = await nc.send({
    method: 'PROPFIND',
    path: versionsPath(nc, fileId),
    headers: { depth: '1', 'content-type': 'application/xml; charset=utf-8' },
    body: xmlBody('d:propfind', {
      'd:prop': {
        'd:getlastmodified': '',
        'd:getcontentlength': '',
        'd:getcontenttype': '',
        'nc:version-label': '',
        'nc:version-author': '',
      },
    }),
    what: `The versions of ${path}`,
    accept: [404],
  });
  if (response.status === 404)
    throw new NotFoundError(`${path} has no versions: it is a folder, or versions are off on this Nextcloud`);
  const self = `/versions/${fileId}`;
  return multistatus(response.body)
    .flatMap(({ href: raw, props }) => {
      const href = decodeURIComponent(raw).replace(/\/+$/, '');
      if (href.endsWith(self)) return [];
      const modified = Date.parse(text(props.getlastmodified));
      const size = Number(text(props.getcontentlength) || Number.NaN);
      return {
        version_id: href.split('/').pop() ?? '',
        modified: Number.isNaN(modified) ? null : new Date(modified).toISOString(),
        size: Number.isFinite(size) ? size : null,
        mime_type: text(props.getcontenttype) || null,
        label: text(props['version-label']) || null,
        author: text(props['version-author']) || null,
      };
    })
    .sort((a, b) => (b.modified ?? '').localeCompare(a.modified ?? ''));
}

/** Rolls the file back to one of its versions. */
export async function restoreVersion(
  nc: NextcloudClient,
  fileId: number,
  versionId: string,
  path: string,
): Promise<void> {
  const response = await nc.send({
    method: 'MOVE',
    path: `${versionsPath(nc, fileId)}/${encodeURIComponent(versionId)}`,
    headers: {
      destination: nc.url(`${DAV_ROOT}/versions/${encodeURIComponent(nc.user)}/restore/target`).href,
    },
    what: `Version ${versionId} of ${path}`,
    accept: [404],
  });
  if (response.status === 404)
    throw new NotFoundError(`${path} has no version ${versionId}; nc_versions_list shows its versions`);
}

import { z } from 'zod';
import { ForbiddenError, NotFoundError } from '../errors.js';
import type { NcResponse, NextcloudClient } from './client.js';
import { displayPath } from './dav-path.js';
import { type DavProps, multistatus, propText as text } from './multistatus.js';
import { searchFiles, searchWhere, xmlBody } from './webdav.js';

/**
 * The caller's trash bin over Nextcloud's DAV (apps/files_trashbin/lib/Sabre): PROPFIND of
 * `/remote.php/dav/trashbin/<user>/trash` with the `nc:trashbin-*` properties (TrashbinPlugin),
 * restore by MOVE into `…/restore/<name>` (RestoreFolder), DELETE of an item or of the whole trash
 * (TrashRoot). Restoring onto a name that exists again keeps both: Nextcloud renames the restored
 * one ("a (restored).txt"), and a missing original folder restores it to the files root.
 *
 * Excluded tags: a trashed file keeps its system tags, but no trash bin property tells them, and
 * the tagged-files REPORT only searches the user's files. So with excluded tags the ids of what
 * carries them come from the tags themselves (`nc:object-ids` of `/systemtags/<id>`, Nextcloud 31
 * and later), and an item is hidden when its id carries one, its original location lies in a
 * tagged folder, or in a trashed folder that is hidden. Where Nextcloud cannot tell, the trash bin
 * refuses rather than shows.
 */
const DAV_ROOT = '/remote.php/dav';
const XML = { 'content-type': 'application/xml; charset=utf-8' };

export const trashItemShape = {
  name: z.string().describe('The item in the trash bin: pass it to restore or delete it'),
  filename: z.string(),
  original_location: z.string().describe('Where it was, below your files root'),
  deleted_at: z.string().nullable().describe('ISO 8601'),
  type: z.enum(['file', 'directory']),
  size: z.number().nullable(),
  mime_type: z.string().nullable(),
  file_id: z.number().nullable(),
};
export type TrashItem = z.output<z.ZodObject<typeof trashItemShape>>;

/** The resources of a Multi-Status: the last segment of their href and their found properties. */
function resources(response: NcResponse): { name: string; props: DavProps }[] {
  return multistatus(response.body).map(({ href, props }) => ({
    name: decodeURIComponent(href.replace(/\/+$/, '').split('/').pop() ?? ''),
    props,
  }));
}

function toItem(name: string, props: DavProps): TrashItem {
  const isDir = typeof props.resourcetype === 'object' && props.resourcetype !== null;
  const size = Number(text(props.size) || text(props.getcontentlength) || Number.NaN);
  const deleted = Number(text(props['trashbin-deletion-time']));
  const fileId = Number(text(props.fileid));
  return {
    name,
    filename: text(props['trashbin-filename']) || name,
    original_location: displayPath(text(props['trashbin-original-location']).replace(/^\/+/, '')),
    deleted_at: Number.isFinite(deleted) && deleted > 0 ? new Date(deleted * 1000).toISOString() : null,
    type: isDir ? 'directory' : 'file',
    size: Number.isFinite(size) ? size : null,
    mime_type: isDir ? null : text(props.getcontenttype) || null,
    file_id: Number.isInteger(fileId) && fileId > 0 ? fileId : null,
  };
}

/** Every id an `nc:object-ids` property names, however deep its `nc:id` elements lie. */
function objectIds(value: unknown, into: Set<number>): void {
  if (Array.isArray(value)) for (const item of value) objectIds(item, into);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'id') into.add(Number(text(inner)));
      else objectIds(inner, into);
    }
  }
}

/** What the trash bin needs of the files gateway's exclusion (tag-exclusion.ts), which hands it in. */
export interface TrashExclusion {
  readonly active: boolean;
  tagIds(): Promise<readonly number[]>;
  without<T extends { readonly path: string }>(entries: readonly T[]): Promise<T[]>;
}

/** The trash bin as tools reach it: below the tenant's excluded tags, as `UserFiles` is. */
export class UserTrash {
  constructor(
    private readonly nc: NextcloudClient,
    private readonly exclusion: TrashExclusion,
  ) {}

  private get root(): string {
    return `${DAV_ROOT}/trashbin/${encodeURIComponent(this.nc.user)}`;
  }

  /** The items at the top of the trash bin, newest first, without what the tags hide. */
  async list(): Promise<TrashItem[]> {
    const { visible } = await this.read();
    return visible;
  }

  /** Restores an item; returns where Nextcloud put it (renamed when its name was taken again). */
  async restore(name: string): Promise<{ item: TrashItem; restoredTo: string | null }> {
    const item = await this.find(name);
    await this.nc.send({
      method: 'MOVE',
      path: `${this.root}/trash/${encodeURIComponent(item.name)}`,
      headers: { destination: this.nc.url(`${this.root}/restore/${encodeURIComponent(item.name)}`).href },
      what: `Trash bin item ${item.name}`,
    });
    return { item, restoredTo: await this.whereIs(item) };
  }

  /** Deletes an item for good. */
  async delete(name: string): Promise<TrashItem> {
    const item = await this.find(name);
    await this.nc.send({
      method: 'DELETE',
      path: `${this.root}/trash/${encodeURIComponent(item.name)}`,
      what: `Trash bin item ${item.name}`,
    });
    return item;
  }

  /** Deletes everything in the trash bin for good; refused while it holds what the tags hide. */
  async empty(): Promise<number> {
    const { visible, hidden } = await this.read();
    if (hidden > 0)
      throw new ForbiddenError(
        "The trash bin holds files excluded by this tenant's privacy settings (an excluded tag); delete the others one by one",
      );
    await this.nc.send({ method: 'DELETE', path: `${this.root}/trash`, what: 'The trash bin' });
    return visible.length;
  }

  private async find(name: string): Promise<TrashItem> {
    const item = (await this.list()).find((candidate) => candidate.name === name);
    if (!item)
      throw new NotFoundError(
        `There is no item ${name} in your trash bin; nc_trashbin_list shows their names`,
      );
    return item;
  }

  private async read(): Promise<{ visible: TrashItem[]; hidden: number }> {
    const response = await this.nc.send({
      method: 'PROPFIND',
      path: `${this.root}/trash`,
      headers: { depth: '1', ...XML },
      body: xmlBody('d:propfind', {
        'd:prop': {
          'nc:trashbin-filename': '',
          'nc:trashbin-original-location': '',
          'nc:trashbin-deletion-time': '',
          'oc:fileid': '',
          'oc:size': '',
          'd:getcontentlength': '',
          'd:getcontenttype': '',
          'd:resourcetype': '',
        },
      }),
      what: 'The trash bin',
      tooLarge:
        'the trash bin has too many items to list at once; empty it or delete items in the web interface',
    });
    // The first resource is the trash bin itself.
    const items = resources(response)
      .filter((resource) => 'trashbin-filename' in resource.props)
      .map((resource) => toItem(resource.name, resource.props))
      .sort((a, b) => (b.deleted_at ?? '').localeCompare(a.deleted_at ?? ''));
    const visible = await this.visibleOnly(items);
    return { visible, hidden: items.length - visible.length };
  }

  private async visibleOnly(items: TrashItem[]): Promise<TrashItem[]> {
    if (!this.exclusion.active) return items;
    const ids = await this.taggedIds();
    const located = items.map((item) => ({ item, path: item.original_location }));
    const visibleByPath = new Set((await this.exclusion.without(located)).map((entry) => entry.item));
    const hidden = new Set(
      items.filter((item) => !visibleByPath.has(item) || item.file_id === null || ids.has(item.file_id)),
    );
    const hiddenFolders = [...hidden]
      .filter((item) => item.type === 'directory')
      .map((item) => item.original_location);
    return items.filter(
      (item) =>
        !hidden.has(item) && !hiddenFolders.some((folder) => item.original_location.startsWith(`${folder}/`)),
    );
  }

  /** The ids of everything carrying an excluded tag, trashed files included. */
  private async taggedIds(): Promise<Set<number>> {
    const ids = new Set<number>();
    for (const tagId of await this.exclusion.tagIds()) {
      const response = await this.nc.send({
        method: 'PROPFIND',
        path: `${DAV_ROOT}/systemtags/${tagId}`,
        headers: { depth: '0', ...XML },
        body: xmlBody('d:propfind', { 'd:prop': { 'nc:object-ids': '' } }),
        what: `The files tagged ${tagId}`,
      });
      const [tag] = resources(response);
      if (!tag || !('object-ids' in tag.props))
        throw new ForbiddenError(
          'The trash bin is not shown: this tenant excludes tags, and this Nextcloud (before 31) does not tell which trashed files carry them',
        );
      objectIds(tag.props['object-ids'], ids);
    }
    return ids;
  }

  /** Where a restored item is now, found by its id, which a restore keeps. */
  private async whereIs(item: TrashItem): Promise<string | null> {
    if (item.file_id === null) return null;
    const [found] = await searchFiles(this.nc, '', searchWhere({ fileId: item.file_id }), 1);
    return found?.path ?? null;
  }
}

/**
 * The NextcloudMcp CRD from crds/ under a group and names of its own, for suites that install,
 * upgrade or delete a CRD: the real one is cluster-scoped and shared by every suite and helper,
 * so it is never changed. The kind stays NextcloudMcp, so manifests need only their apiVersion
 * rewritten; plural, singular and short names differ, so `kubectl get ncmcp` still means the real one.
 */
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import { crdUnder } from '../operator/crd-copy.js';
import { kubectl, kubectlOk } from '../packaging/helm.js';

export const CRD_FILE = 'crds/nextcloudmcps.nextcloud-mcp.io.yaml';
const REAL_GROUP = 'nextcloud-mcp.io';

export interface CrdCopy {
  readonly group: string;
  /** `customresourcedefinition/<plural>.<group>`, as kubectl names it. */
  readonly ref: string;
  /** The CRD YAML, after `change` edits its parsed form (for a "newer" CRD). */
  readonly yaml: (change?: (crd: CrdObject) => void) => string;
  /** A manifest of the real group, pointed at this copy's. */
  readonly retarget: (manifest: string) => string;
  /** Waits until the API server serves the copy's resources. */
  readonly established: () => Promise<void>;
  /** Deletes the copy (and so every resource of it). */
  readonly remove: () => void;
}

// biome-ignore lint/suspicious/noExplicitAny: the CRD is edited field by field by the suites.
export type CrdObject = any;

export function crdCopy(prefix: string): CrdCopy {
  const id = randomBytes(3).toString('hex');
  const group = `${prefix}-${id}.${REAL_GROUP}`;
  const plural = `nextcloudmcps${id}`;
  const ref = `customresourcedefinition/${plural}.${group}`;
  const yaml = (change?: (crd: CrdObject) => void) => {
    const crd = crdUnder(group, id);
    change?.(crd);
    return stringify(crd);
  };
  return {
    group,
    ref,
    yaml,
    retarget: (manifest) => manifest.replaceAll(`apiVersion: ${REAL_GROUP}/`, `apiVersion: ${group}/`),
    established: async () => {
      const condition = '{.status.conditions[?(@.type=="Established")].status}';
      for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
        // Until the API server writes the first condition, kubectl cannot even filter for it.
        const status = (() => {
          try {
            return kubectlOk(['get', ref, '-o', `jsonpath=${condition}`]);
          } catch {
            return undefined;
          }
        })();
        if (status === 'True') return;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      throw new Error(`${ref} not Established within 30 s`);
    },
    remove: () => kubectl(['delete', ref, '--ignore-not-found', '--wait=false']),
  };
}

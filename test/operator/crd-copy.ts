import { readFileSync } from 'node:fs';
import type https from 'node:https';
import { ApiextensionsV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { Agent } from 'undici';
import { parse } from 'yaml';
import { CRD_PLURAL, CRD_VERSION } from '../../contract/index.js';
import { eventually } from './cluster.js';

/**
 * The CRD of this checkout (crds/) under `group`: same schema, rules and columns. With `suffix`,
 * its plural, singular and short names carry it too, so kubectl's `ncmcp` still means the real one.
 */
export function crdUnder(group: string, suffix = '') {
  const copy = parse(readFileSync('crds/nextcloudmcps.nextcloud-mcp.io.yaml', 'utf8'));
  const plural = `${CRD_PLURAL}${suffix}`;
  copy.metadata.name = `${plural}.${group}`;
  copy.spec.group = group;
  if (suffix) {
    const { categories: _, ...names } = copy.spec.names;
    copy.spec.names = { ...names, plural, singular: `nextcloudmcp${suffix}`, shortNames: [`nc${suffix}`] };
  }
  return copy;
}

/**
 * A copy of this checkout's CRD under a group of its own, on the shared cluster: the suites that
 * check the schema see the CRD as this checkout has it (the shared one is whatever the peers were
 * started with), and changing it touches no other suite.
 */
export async function installCrdCopy(config: KubeConfig, prefix: string) {
  const group = `${prefix}${Date.now().toString(36)}.nextcloud-mcp.test`;
  const url = `${config.getCurrentCluster()?.server}/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${CRD_PLURAL}.${group}?fieldManager=test&force=true`;
  /** Server-side applies a CRD document as `kubectl apply --server-side` sends it (raw, not typed). */
  const apply = async (document: unknown) => {
    const options: https.RequestOptions = {};
    await config.applyToHTTPSOptions(options);
    return fetch(url, {
      method: 'PATCH',
      headers: {
        'content-type': 'application/apply-patch+yaml',
        ...(options.headers as Record<string, string>),
      },
      body: JSON.stringify(document),
      dispatcher: new Agent({ connect: { ca: options.ca } }),
    } as unknown as RequestInit);
  };
  const crds = config.makeApiClient(ApiextensionsV1Api);
  const created = await apply(crdUnder(group));
  if (created.status !== 201) throw new Error(`the CRD copy was refused: ${await created.text()}`);
  await eventually(
    async () => {
      const current = await crds.readCustomResourceDefinition({ name: `${CRD_PLURAL}.${group}` });
      return (
        current.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') || undefined
      );
    },
    30_000,
    `the CRD copy under ${group} established`,
  );
  // Established is a moment ahead of the resource being served.
  const custom = config.makeApiClient(CustomObjectsApi);
  await eventually(
    () => custom.listCustomObjectForAllNamespaces({ group, version: CRD_VERSION, plural: CRD_PLURAL }),
    30_000,
    `NextcloudMcps under ${group} served`,
  );
  return {
    group,
    apply,
    remove: () =>
      crds.deleteCustomResourceDefinition({ name: `${CRD_PLURAL}.${group}` }).catch(() => undefined),
  };
}

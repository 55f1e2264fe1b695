import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { type Cause, invalidMessage, type Schema } from './kubernetes-schema.js';
import type { PrinterColumn } from './kubernetes-table.js';

/** An object as the API server stores it (only the fields the stand-in reads are typed). */
export type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    finalizers?: string[];
    labels?: Record<string, string>;
    ownerReferences?: { uid: string }[];
    managedFields?: { manager: string; operation: string }[];
  };
  spec?: unknown;
  status?: unknown;
  [key: string]: unknown;
};

/** A kind the stand-in serves. */
export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
  readonly statusSubresource: boolean;
  readonly shortNames?: readonly string[];
  readonly printerColumns?: readonly PrinterColumn[];
  /** A custom resource's structural schema, enforced on every write. */
  readonly schema?: Schema;
}

/** Discovery documents, which clients (kubectl, KubernetesObjectApi) read to map kinds to paths. */
export function discovery(all: readonly ResourceType[], pathname: string): unknown {
  if (pathname === '/api') return { kind: 'APIVersions', versions: ['v1'] };
  if (pathname === '/apis') {
    const groups = [...new Set(all.filter((type) => type.group).map((type) => type.group))];
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groups.map((name) => {
        const version = all.find((type) => type.group === name)?.version ?? 'v1';
        const groupVersion = { groupVersion: `${name}/${version}`, version };
        return { name, versions: [groupVersion], preferredVersion: groupVersion };
      }),
    };
  }
  if (pathname === '/version')
    return { major: '1', minor: '32', gitVersion: 'v1.32.0-standin', platform: 'linux/amd64' };
  // OpenAPI v3: kubectl reads it to decide how to validate; an empty document per group-version
  // means "no client-side schema", and the server validates (as for any CRD it cannot see).
  if (pathname === '/openapi/v3') {
    const groupVersions = [
      ...new Set(all.map((type) => (type.group ? `apis/${type.group}/${type.version}` : 'api/v1'))),
    ];
    return {
      paths: Object.fromEntries(groupVersions.map((gv) => [gv, { serverRelativeURL: `/openapi/v3/${gv}` }])),
    };
  }
  if (pathname.startsWith('/openapi/v3/')) {
    // Each kind's write operations declare `fieldValidation`, so kubectl leaves validation to the
    // server (as with a real one) instead of asking for the protobuf OpenAPI v2 document.
    const gv = pathname.slice('/openapi/v3/'.length);
    const paths = Object.fromEntries(
      all
        .filter((type) => (type.group ? `apis/${type.group}/${type.version}` : 'api/v1') === gv)
        .map((type) => {
          const gvk = { group: type.group, version: type.version, kind: type.kind };
          const operation = {
            'x-kubernetes-group-version-kind': gvk,
            parameters: [{ name: 'fieldValidation', in: 'query', schema: { type: 'string' } }],
            responses: {},
          };
          const scope = type.namespaced ? '/namespaces/{namespace}' : '';
          return [`/${gv}${scope}/${type.plural}/{name}`, { patch: operation, put: operation }];
        }),
    );
    return {
      openapi: '3.0.0',
      info: { title: 'Kubernetes', version: 'v1.32.0' },
      paths,
      components: { schemas: {} },
    };
  }
  const match = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(pathname);
  if (!match) return undefined;
  const group = match[2] ?? '';
  const version = match[1] ?? match[3] ?? '';
  const served = all.filter((type) => type.group === group && type.version === version);
  if (served.length === 0) return undefined;
  const verbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources: served.flatMap((type) => [
      {
        name: type.plural,
        singularName: type.kind.toLowerCase(),
        namespaced: type.namespaced,
        kind: type.kind,
        verbs,
        ...(type.shortNames ? { shortNames: type.shortNames } : {}),
      },
      ...(type.statusSubresource
        ? [
            {
              name: `${type.plural}/status`,
              singularName: '',
              namespaced: type.namespaced,
              kind: type.kind,
              verbs: ['get', 'patch', 'update'],
            },
          ]
        : []),
    ]),
  };
}

export interface Route {
  group: string;
  version: string;
  namespace?: string;
  plural: string;
  name?: string;
  subresource?: string;
}

export function parse(pathname: string): Route | undefined {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  let group = '';
  let version: string | undefined;
  let rest: string[];
  if (parts[0] === 'api') [version, ...rest] = parts.slice(1) as [string, ...string[]];
  else if (parts[0] === 'apis')
    [group = '', version, ...rest] = parts.slice(1) as [string, string, ...string[]];
  else return undefined;
  if (!version) return undefined;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, subresource] = rest;
  if (!plural) return undefined;
  return {
    group,
    version,
    plural,
    ...(namespace ? { namespace } : {}),
    ...(name ? { name } : {}),
    ...(subresource ? { subresource } : {}),
  };
}

export function isApply(req: IncomingMessage): boolean {
  return String(req.headers['content-type']).startsWith('application/apply-patch');
}

/** Merge patch and server-side apply both merge maps recursively here; lists are replaced. */
export function merge(target: KubeObject, patch: KubeObject): KubeObject {
  const deepMerge = (a: unknown, b: unknown): unknown => {
    if (b === null) return undefined;
    if (typeof a !== 'object' || a === null || Array.isArray(a) || typeof b !== 'object' || Array.isArray(b))
      return b;
    const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
    for (const [key, value] of Object.entries(b as Record<string, unknown>)) {
      const merged = deepMerge(out[key], value);
      if (merged === undefined) delete out[key];
      else out[key] = merged;
    }
    return out;
  };
  return deepMerge(structuredClone(target), patch) as KubeObject;
}

export function matchesLabels(object: KubeObject, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [key, value] = term.split('=');
    return object.metadata.labels?.[key ?? ''] === value;
  });
}

export async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  // Server-side apply accepts YAML (kubectl may send it); JSON is YAML too.
  return String(req.headers['content-type']).includes('yaml') ? parseYaml(text) : JSON.parse(text);
}

export function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** 422 Invalid, with the causes, as the API server refuses an object its schema does not allow. */
export function invalid(
  res: ServerResponse,
  type: ResourceType,
  name: string,
  causes: readonly Cause[],
): void {
  json(res, 422, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: invalidMessage(type.kind, type.group, name, causes),
    reason: 'Invalid',
    details: { name, group: type.group, kind: type.kind, causes },
    code: 422,
  });
}

export function status(res: ServerResponse, code: number, reason: string, message: string): void {
  json(res, code, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  });
}

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
    generateName?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    finalizers?: string[];
    labels?: Record<string, string>;
    ownerReferences?: { uid: string }[];
    managedFields?: { manager: string; operation: string; apiVersion?: string; time?: string }[];
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
  readonly categories?: readonly string[];
  /** The CRD that serves this kind (custom resources only). */
  readonly crd?: string;
  readonly printerColumns?: readonly PrinterColumn[];
  /** A custom resource's structural schema, enforced on every write. */
  readonly schema?: Schema;
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

/** Whether an object passes a list's or watch's label and field selectors (equality terms, existence). */
export function selected(object: KubeObject, params: URLSearchParams): boolean {
  const fields: Record<string, string | undefined> = {
    'metadata.name': object.metadata.name,
    'metadata.namespace': object.metadata.namespace ?? '',
  };
  const holds = (selector: string | null, lookup: (key: string) => string | undefined) =>
    (selector ?? '')
      .split(',')
      .filter(Boolean)
      .every((term) => {
        const match = /^(!?)([^!=]+?)\s*(?:(==|=|!=)\s*(.*))?$/.exec(term.trim());
        if (!match) return false;
        const [, not, key = '', operator, value] = match;
        const actual = lookup(key);
        if (!operator) return not ? actual === undefined : actual !== undefined;
        return operator === '!=' ? actual !== value : actual === value;
      });
  return (
    holds(params.get('labelSelector'), (key) => object.metadata.labels?.[key]) &&
    holds(params.get('fieldSelector'), (key) => fields[key])
  );
}

export async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  // Server-side apply accepts YAML (kubectl may send it); JSON is YAML too.
  return String(req.headers['content-type']).includes('yaml') ? parseYaml(text) : JSON.parse(text);
}

export function json(
  res: ServerResponse,
  code: number,
  body: unknown,
  warnings: readonly string[] = [],
): void {
  // Warnings travel as RFC 7234 Warning headers with code 299, which kubectl prints.
  const headers: Record<string, string | string[]> = { 'content-type': 'application/json' };
  if (warnings.length) headers.warning = warnings.map((text) => `299 - ${JSON.stringify(text)}`);
  res.writeHead(code, headers).end(JSON.stringify(body));
}

/** A failure Status, as the API server answers any refused request. */
export interface Failure {
  readonly kind: 'Status';
  readonly code: number;
  readonly reason: string;
  readonly message: string;
  readonly details?: { name: string; group: string; kind: string; causes: readonly Cause[] };
}

export const failure = (code: number, reason: string, message: string, details?: Failure['details']) =>
  ({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  }) as Failure;

/** 422 Invalid, with the causes, as the API server refuses an object its schema does not allow. */
export const invalidity = (type: ResourceType, name: string, causes: readonly Cause[]) =>
  failure(422, 'Invalid', invalidMessage(type.kind, type.group, name, causes), {
    name,
    group: type.group,
    kind: type.kind,
    causes,
  });

export function invalid(
  res: ServerResponse,
  type: ResourceType,
  name: string,
  causes: readonly Cause[],
): void {
  json(res, 422, invalidity(type, name, causes));
}

export function status(res: ServerResponse, code: number, reason: string, message: string): void {
  json(res, code, failure(code, reason, message));
}

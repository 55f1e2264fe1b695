import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { admission } from './kubernetes-admission.js';
import { discover } from './kubernetes-discovery.js';
import {
  invalid,
  isApply,
  json,
  type KubeObject,
  merge,
  parse,
  type ResourceType,
  readBody,
  selected,
  status,
} from './kubernetes-http.js';
import { BUILT_IN, crdKind, establish, nameCauses, normalize } from './kubernetes-kinds.js';
import { asRead } from './kubernetes-schema.js';
import { toTable, wantsTable } from './kubernetes-table.js';

/**
 * An in-process stand-in for the Kubernetes API server, following its documented behaviour where
 * the operator and kubectl depend on it: resourceVersion on every write and 409 Conflict on a
 * stale one, 409 AlreadyExists, 404 NotFound as Status objects; list and watch (label and field
 * selectors, events after a resourceVersion, bookmarks, 410 Gone once history is compacted);
 * server-side apply with a field manager; the status subresource; finalizers and
 * deletionTimestamp; owner-reference garbage collection; discovery and meta.k8s.io Tables.
 * Custom resources are served once their CRD is created, and checked against its schema.
 */

interface WatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: KubeObject;
  readonly rv: number;
  readonly resource: string;
}

export interface KubernetesStandin {
  readonly url: string;
  /** Non-GET requests served, for "a steady-state resync makes no write". */
  writes: number;
  /** Every resource request served (reads, watches and writes), for "API requests per reconcile". */
  requests: number;
  /** Writes per resource (plural), e.g. to tell leader-election Lease renewals from reconcile writes. */
  writesTo: Record<string, number>;
  /** Forgets watch history older than the newest `keep` events, so older watches get 410 Gone. */
  compact(keep: number): void;
  /** A client configuration pointing at the stand-in, as a kubeconfig would. */
  kubeConfig(user?: string): KubeConfig;
  /**
   * What each user (the bearer token its kubeConfig sends) was authorised for, as RBAC sees
   * requests: `group/resource[/subresource]:verb`. Server-side apply that creates is also `create`.
   */
  readonly authorized: Map<string, Set<string>>;
  /** Drops every open watch connection, as an API server restart would. */
  dropWatches(): void;
  stop(): Promise<void>;
}

const CRD_KIND = 'CustomResourceDefinition';
/** The API server's timestamps are RFC 3339 to the second. */
const timestamp = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export async function startKubernetesStandin(): Promise<KubernetesStandin> {
  const types = new Map<string, ResourceType>(BUILT_IN.map((type) => [`${type.group}/${type.plural}`, type]));
  const store = new Map<string, KubeObject>();
  let history: WatchEvent[] = [];
  let revision = 1;
  const watchers = new Set<{ resource: string; params: URLSearchParams; res: ServerResponse }>();

  const keyOf = (type: ResourceType, namespace: string | undefined, name: string) =>
    `${type.group}/${type.plural}/${namespace ?? ''}/${name}`;
  const apiVersionOf = (type: ResourceType) => (type.group ? `${type.group}/${type.version}` : type.version);
  const objectsOf = (type: ResourceType, namespace?: string) =>
    [...store.entries()].filter(([key]) => key.startsWith(`${type.group}/${type.plural}/${namespace ?? ''}`));
  // Reads show the current schema's defaults, as the API server defaults what it reads from etcd.
  const asServed = (type: ResourceType, object: KubeObject) => asRead(type.schema, object);

  function record(type: WatchEvent['type'], resource: ResourceType, object: KubeObject): void {
    history.push({ type, object, rv: Number(object.metadata.resourceVersion), resource: resource.plural });
    for (const watcher of watchers) {
      if (watcher.resource !== `${resource.group}/${resource.plural}`) continue;
      if (!selected(object, watcher.params)) continue;
      watcher.res.write(`${JSON.stringify({ type, object: asServed(resource, object) })}\n`);
    }
  }

  function bump(object: KubeObject): KubeObject {
    object.metadata.resourceVersion = String(++revision);
    return object;
  }

  function remove(type: ResourceType, key: string, object: KubeObject): void {
    store.delete(key);
    record('DELETED', type, bump(structuredClone(object)));
    if (type.kind === CRD_KIND) {
      const served = crdKind(object);
      if (served && types.get(`${served.group}/${served.plural}`)?.crd === object.metadata.name)
        types.delete(`${served.group}/${served.plural}`);
    }
    // A CRD being deleted goes once the last of its custom resources has gone.
    const crdType = types.get(`apiextensions.k8s.io/customresourcedefinitions`);
    const crd = type.crd && crdType ? store.get(keyOf(crdType, undefined, type.crd)) : undefined;
    if (crdType && crd?.metadata.deletionTimestamp && objectsOf(type).length === 0)
      remove(crdType, keyOf(crdType, undefined, crd.metadata.name), crd);
    // Garbage collection: dependents whose owner is gone go too (background propagation).
    for (const [otherKey, other] of store) {
      if (other.metadata.ownerReferences?.some((owner) => owner.uid === object.metadata.uid)) {
        const otherType = [...types.values()].find((candidate) =>
          otherKey.startsWith(`${candidate.group}/${candidate.plural}/`),
        );
        if (otherType) deleteObject(otherType, otherKey, other);
      }
    }
  }

  function deleteObject(type: ResourceType, key: string, object: KubeObject): void {
    const served = type.kind === CRD_KIND ? crdKind(object) : undefined;
    const instances = served ? types.get(`${served.group}/${served.plural}`) : undefined;
    // Deleting a CRD deletes its custom resources first (finalizers still hold them).
    if (instances?.crd === object.metadata.name) {
      for (const [instanceKey, instance] of objectsOf(instances))
        deleteObject(instances, instanceKey, instance);
    }
    const pending = object.metadata.finalizers?.length || (instances && objectsOf(instances).length > 0);
    if (pending) {
      if (!object.metadata.deletionTimestamp) {
        object.metadata.deletionTimestamp = timestamp();
        record('MODIFIED', type, bump(object));
      }
      return;
    }
    if (store.has(key)) remove(type, key, object);
  }

  /** Serves (or re-serves, after an update) the kind a CRD defines. */
  function serveCrd(crd: KubeObject): void {
    const served = crdKind(crd);
    if (served) types.set(`${served.group}/${served.plural}`, served);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) status(res, 500, 'InternalError', String(error));
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://kubernetes');
    if (req.method === 'GET') {
      const discovered = discover([...types.values()], url.pathname, req.headers.accept);
      if (discovered) {
        res.writeHead(200, { 'content-type': discovered.contentType }).end(discovered.body);
        return;
      }
    }
    const route = parse(url.pathname);
    if (!route) return status(res, 404, 'NotFound', 'the server could not find the requested resource');
    const type = types.get(`${route.group}/${route.plural}`);
    if (!type || type.version !== route.version)
      return status(res, 404, 'NotFound', 'the server could not find the requested resource');
    const body = await readBody(req);
    const user = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? 'anonymous';
    const authorize = (verb: string) => {
      const resource = `${route.group}/${route.plural}${route.subresource ? `/${route.subresource}` : ''}`;
      standin.authorized.set(user, (standin.authorized.get(user) ?? new Set()).add(`${resource}:${verb}`));
    };
    const watching = ['true', '1'].includes(url.searchParams.get('watch') ?? '');
    const verbs: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };
    const readVerb = route.name ? 'get' : watching ? 'watch' : 'list';
    authorize(req.method === 'GET' ? readVerb : (verbs[req.method ?? ''] ?? 'unknown'));
    standin.requests++;
    if (req.method !== 'GET') {
      standin.writes++;
      standin.writesTo[route.plural] = (standin.writesTo[route.plural] ?? 0) + 1;
    }
    // A create names its object in the body (or asks for a generated name); everything else in the path.
    if (req.method === 'POST' && !route.name) {
      const metadata = (body as Partial<KubeObject> | undefined)?.metadata;
      const generated = metadata?.generateName
        ? `${metadata.generateName}${randomBytes(3).toString('hex').slice(0, 5)}`
        : undefined;
      route.name = metadata?.name ?? generated;
      if (!route.name) return invalid(res, type, '', nameCauses(undefined));
    }
    const key = route.name ? keyOf(type, route.namespace, route.name) : undefined;
    const existing = key ? store.get(key) : undefined;
    const what = `${type.plural}${type.group ? `.${type.group}` : ''} "${route.name}"`;

    // kubectl asks for server-side printing: a Table instead of the objects.
    const table = wantsTable(req.headers.accept)
      ? (objects: KubeObject[]) =>
          toTable(objects, type, String(revision), url.searchParams.get('includeObject'))
      : undefined;
    if (req.method === 'GET' && !route.name) {
      if (watching) return watch(type, route.namespace, url, res);
      const items = objectsOf(type, route.namespace)
        .map(([, object]) => asServed(type, object))
        .filter((object) => selected(object, url.searchParams));
      const metadata = { resourceVersion: String(revision) };
      const list = { apiVersion: apiVersionOf(type), kind: `${type.kind}List`, metadata, items };
      return json(res, 200, table ? table(items) : list);
    }
    if (!key) return status(res, 405, 'MethodNotAllowed', 'method not allowed on a collection');
    if (req.method === 'GET') {
      if (!existing) return status(res, 404, 'NotFound', `${what} not found`);
      const served = asServed(type, existing);
      return json(res, 200, table ? table([served]) : served);
    }

    if (req.method === 'POST' || (req.method === 'PATCH' && !existing && isApply(req))) {
      // The API server authorises an apply that creates as `create` too.
      if (req.method === 'PATCH') authorize('create');
      const object = body as KubeObject;
      if (req.method === 'POST' && existing)
        return status(res, 409, 'AlreadyExists', `${what} already exists`);
      const now = timestamp();
      const created: KubeObject = {
        ...object,
        apiVersion: apiVersionOf(type),
        kind: type.kind,
        metadata: {
          ...object.metadata,
          name: route.name ?? object.metadata.name,
          ...(type.namespaced ? { namespace: route.namespace } : {}),
          uid: randomUUID(),
          generation: 1,
          creationTimestamp: now,
          managedFields: [
            {
              manager: url.searchParams.get('fieldManager') ?? 'unknown',
              operation: isApply(req) ? 'Apply' : 'Update',
              apiVersion: apiVersionOf(type),
              time: now,
            },
          ],
        },
      };
      if (type.statusSubresource) delete created.status;
      normalize(type, created);
      const verdict = admission(type, created, undefined, url.searchParams);
      if ('refused' in verdict) return json(res, verdict.refused.code, verdict.refused);
      const { warnings } = verdict;
      // A CRD is served at once, as a real API server reports with the Established condition.
      if (type.kind === CRD_KIND) establish(created, now);
      store.set(key, bump(created));
      record('ADDED', type, created);
      if (type.kind === CRD_KIND) serveCrd(created);
      return json(res, 201, created, warnings);
    }
    if (!existing) return status(res, 404, 'NotFound', `${what} not found`);

    if (req.method === 'DELETE') {
      deleteObject(type, key, existing);
      return json(res, 200, existing);
    }

    if (
      req.method === 'PATCH' &&
      !isApply(req) &&
      !String(req.headers['content-type']).startsWith('application/merge-patch+json')
    ) {
      // JSON Patch and strategic merge are not followed here; say so rather than misapply them.
      return status(
        res,
        415,
        'UnsupportedMediaType',
        `the stand-in supports merge and apply patches, not ${req.headers['content-type']}`,
      );
    }
    const incoming = body as KubeObject;
    const sentVersion = incoming.metadata?.resourceVersion;
    if (req.method === 'PUT' && sentVersion && sentVersion !== existing.metadata.resourceVersion) {
      return status(
        res,
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${what}: the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    let next: KubeObject;
    if (route.subresource === 'status') {
      next = {
        ...structuredClone(existing),
        status: (req.method === 'PUT' ? incoming : merge(existing, incoming)).status,
      };
    } else {
      const merged = req.method === 'PUT' ? incoming : merge(existing, incoming);
      next = {
        ...merged,
        apiVersion: existing.apiVersion,
        kind: existing.kind,
        metadata: {
          ...merged.metadata,
          name: existing.metadata.name,
          namespace: existing.metadata.namespace,
          uid: existing.metadata.uid,
          creationTimestamp: existing.metadata.creationTimestamp,
          deletionTimestamp: existing.metadata.deletionTimestamp,
          generation:
            JSON.stringify(merged.spec) === JSON.stringify(existing.spec)
              ? existing.metadata.generation
              : (existing.metadata.generation ?? 1) + 1,
        },
        ...(type.statusSubresource ? { status: existing.status } : {}),
      };
    }
    normalize(type, next);
    const verdict = admission(type, next, existing, url.searchParams);
    if ('refused' in verdict) return json(res, verdict.refused.code, verdict.refused);
    const { warnings } = verdict;
    if (JSON.stringify(next) === JSON.stringify(existing)) return json(res, 200, existing, warnings);
    store.set(key, bump(next));
    // The last finalizer gone from an object being deleted lets it go.
    if (next.metadata.deletionTimestamp && !next.metadata.finalizers?.length) deleteObject(type, key, next);
    if (store.get(key) === next) {
      record('MODIFIED', type, next);
      if (type.kind === CRD_KIND) serveCrd(next);
    }
    return json(res, 200, next, warnings);
  }

  function watch(type: ResourceType, namespace: string | undefined, url: URL, res: ServerResponse): void {
    const from = Number(url.searchParams.get('resourceVersion') ?? revision);
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const oldest = history[0]?.rv ?? revision;
    if (from > 0 && from < oldest - 1) {
      res.write(
        `${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410, message: `too old resource version: ${from} (${oldest})` } })}\n`,
      );
      res.end();
      return;
    }
    const params = new URLSearchParams(url.searchParams);
    // The namespace in the path acts as a field selector on the stream.
    if (namespace)
      params.set(
        'fieldSelector',
        [params.get('fieldSelector'), `metadata.namespace=${namespace}`].filter(Boolean).join(','),
      );
    for (const event of history) {
      if (event.rv <= from || event.resource !== type.plural || !selected(event.object, params)) continue;
      res.write(`${JSON.stringify({ type: event.type, object: asServed(type, event.object) })}\n`);
    }
    const watcher = { resource: `${type.group}/${type.plural}`, params, res };
    watchers.add(watcher);
    const bookmarks =
      url.searchParams.get('allowWatchBookmarks') === 'true'
        ? setInterval(() => {
            res.write(
              `${JSON.stringify({ type: 'BOOKMARK', object: { apiVersion: apiVersionOf(type), kind: type.kind, metadata: { resourceVersion: String(revision) } } })}\n`,
            );
          }, 1000)
        : undefined;
    res.on('close', () => {
      watchers.delete(watcher);
      if (bookmarks) clearInterval(bookmarks);
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const standin: KubernetesStandin = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    writes: 0,
    writesTo: {},
    requests: 0,
    authorized: new Map(),
    kubeConfig(user = 'test') {
      const config = new KubeConfig();
      config.loadFromOptions({
        clusters: [{ name: 'standin', server: standin.url, skipTLSVerify: true }],
        // The user's name is its token, so the stand-in can tell who asked (see `authorized`).
        users: [{ name: user, token: user }],
        contexts: [{ name: 'standin', cluster: 'standin', user }],
        currentContext: 'standin',
      });
      return config;
    },
    compact(keep) {
      history = history.slice(-keep);
    },
    dropWatches() {
      for (const watcher of watchers) watcher.res.destroy();
      watchers.clear();
    },
    async stop() {
      standin.dropWatches();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return standin;
}

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import {
  discovery,
  invalid,
  isApply,
  json,
  type KubeObject,
  matchesLabels,
  merge,
  parse,
  type ResourceType,
  readBody,
  status,
} from './kubernetes-http.js';
import { admit, type Schema } from './kubernetes-schema.js';
import { type PrinterColumn, toTable, wantsTable } from './kubernetes-table.js';

/**
 * An in-process stand-in for the Kubernetes API server, following its documented behaviour where
 * the operator depends on it: resourceVersion on every write and 409 Conflict on a stale one,
 * 409 AlreadyExists, 404 NotFound as Status objects; list and watch (events after a
 * resourceVersion, bookmarks, 410 Gone once history is compacted); server-side apply with a
 * field manager; the status subresource; finalizers and deletionTimestamp; owner-reference
 * garbage collection. Custom resources are served once their CRD is created.
 */

interface WatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: KubeObject;
  readonly rv: number;
  readonly resource: string;
}

const BUILT_IN: ResourceType[] = [
  {
    group: '',
    version: 'v1',
    kind: 'Namespace',
    plural: 'namespaces',
    namespaced: false,
    statusSubresource: true,
  },
  { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true, statusSubresource: false },
  {
    group: '',
    version: 'v1',
    kind: 'ServiceAccount',
    plural: 'serviceaccounts',
    namespaced: true,
    statusSubresource: false,
  },
  {
    group: '',
    version: 'v1',
    kind: 'Service',
    plural: 'services',
    namespaced: true,
    statusSubresource: true,
  },
  { group: '', version: 'v1', kind: 'Event', plural: 'events', namespaced: true, statusSubresource: false },
  {
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    plural: 'deployments',
    namespaced: true,
    statusSubresource: true,
  },
  {
    group: 'policy',
    version: 'v1',
    kind: 'PodDisruptionBudget',
    plural: 'poddisruptionbudgets',
    namespaced: true,
    statusSubresource: true,
  },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'Ingress',
    plural: 'ingresses',
    namespaced: true,
    statusSubresource: true,
  },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'NetworkPolicy',
    plural: 'networkpolicies',
    namespaced: true,
    statusSubresource: false,
  },
  {
    group: 'coordination.k8s.io',
    version: 'v1',
    kind: 'Lease',
    plural: 'leases',
    namespaced: true,
    statusSubresource: false,
  },
  {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    kind: 'CustomResourceDefinition',
    plural: 'customresourcedefinitions',
    namespaced: false,
    statusSubresource: true,
  },
];

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

/** What the API server does to every stored object of a kind: Secrets keep stringData as data. */
function normalize(type: ResourceType, object: KubeObject): void {
  if (type.kind !== 'Secret' || !object.stringData) return;
  const data = { ...(object.data as Record<string, string> | undefined) };
  for (const [key, value] of Object.entries(object.stringData as Record<string, string>)) {
    data[key] = Buffer.from(value).toString('base64');
  }
  object.data = data;
  delete object.stringData;
}

export async function startKubernetesStandin(): Promise<KubernetesStandin> {
  const types = new Map<string, ResourceType>(BUILT_IN.map((type) => [`${type.group}/${type.plural}`, type]));
  const store = new Map<string, KubeObject>();
  let history: WatchEvent[] = [];
  let revision = 1;
  const watchers = new Set<{ resource: string; namespace?: string; res: ServerResponse }>();

  const keyOf = (type: ResourceType, namespace: string | undefined, name: string) =>
    `${type.group}/${type.plural}/${namespace ?? ''}/${name}`;
  const apiVersionOf = (type: ResourceType) => (type.group ? `${type.group}/${type.version}` : type.version);

  function record(type: WatchEvent['type'], resource: ResourceType, object: KubeObject): void {
    const event: WatchEvent = {
      type,
      object,
      rv: Number(object.metadata.resourceVersion),
      resource: resource.plural,
    };
    history.push(event);
    for (const watcher of watchers) {
      if (watcher.resource !== `${resource.group}/${resource.plural}`) continue;
      if (watcher.namespace && watcher.namespace !== object.metadata.namespace) continue;
      watcher.res.write(`${JSON.stringify({ type, object })}\n`);
    }
  }

  function bump(object: KubeObject): KubeObject {
    object.metadata.resourceVersion = String(++revision);
    return object;
  }

  function remove(type: ResourceType, key: string, object: KubeObject): void {
    store.delete(key);
    record('DELETED', type, bump(structuredClone(object)));
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
    if (object.metadata.finalizers?.length) {
      if (!object.metadata.deletionTimestamp) {
        object.metadata.deletionTimestamp = new Date().toISOString();
        record('MODIFIED', type, bump(object));
      }
      return;
    }
    remove(type, key, object);
  }

  /** Registers the kinds a CRD serves. */
  function serveCrd(crd: KubeObject): void {
    const spec = crd.spec as {
      group: string;
      names: { kind: string; plural: string; shortNames?: string[] };
      scope: string;
      versions: {
        name: string;
        served: boolean;
        subresources?: { status?: object };
        schema?: { openAPIV3Schema?: Schema };
        additionalPrinterColumns?: PrinterColumn[];
      }[];
    };
    for (const version of spec.versions.filter((candidate) => candidate.served)) {
      types.set(`${spec.group}/${spec.names.plural}`, {
        group: spec.group,
        version: version.name,
        kind: spec.names.kind,
        plural: spec.names.plural,
        namespaced: spec.scope === 'Namespaced',
        statusSubresource: Boolean(version.subresources?.status),
        ...(version.schema?.openAPIV3Schema ? { schema: version.schema.openAPIV3Schema } : {}),
        ...(spec.names.shortNames ? { shortNames: spec.names.shortNames } : {}),
        ...(version.additionalPrinterColumns ? { printerColumns: version.additionalPrinterColumns } : {}),
      });
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) status(res, 500, 'InternalError', String(error));
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://kubernetes');
    const discovered = discovery([...types.values()], url.pathname);
    if (discovered) return json(res, 200, discovered);
    const route = parse(url.pathname);
    if (!route) return status(res, 404, 'NotFound', `the server could not find the requested resource`);
    const type = types.get(`${route.group}/${route.plural}`);
    if (!type || type.version !== route.version)
      return status(res, 404, 'NotFound', `no resource ${route.plural}`);
    const body = await readBody(req);
    const user = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? 'anonymous';
    const authorize = (verb: string) => {
      const resource = `${route.group}/${route.plural}${route.subresource ? `/${route.subresource}` : ''}`;
      standin.authorized.set(user, (standin.authorized.get(user) ?? new Set()).add(`${resource}:${verb}`));
    };
    const watching = ['true', '1'].includes(url.searchParams.get('watch') ?? '');
    const verbs: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };
    authorize(
      req.method === 'GET'
        ? route.name
          ? 'get'
          : watching
            ? 'watch'
            : 'list'
        : (verbs[req.method ?? ''] ?? 'unknown'),
    );
    standin.requests++;
    if (req.method !== 'GET') {
      standin.writes++;
      standin.writesTo[route.plural] = (standin.writesTo[route.plural] ?? 0) + 1;
    }
    // A create names its object in the body; everything else in the path.
    if (req.method === 'POST' && !route.name) route.name = (body as KubeObject | undefined)?.metadata?.name;
    const key = route.name ? keyOf(type, route.namespace, route.name) : undefined;
    const existing = key ? store.get(key) : undefined;
    const what = `${type.plural}${type.group ? `.${type.group}` : ''} "${route.name}"`;

    if (req.method === 'GET' && !route.name) {
      if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') {
        return watch(type, route.namespace, url, res);
      }
      const items = [...store.entries()]
        .filter(([candidate]) =>
          candidate.startsWith(`${type.group}/${type.plural}/${route.namespace ?? ''}`),
        )
        .map(([, object]) => object)
        .filter((object) => matchesLabels(object, url.searchParams.get('labelSelector')));
      if (wantsTable(req.headers.accept))
        return json(res, 200, toTable(items, type.printerColumns, String(revision)));
      return json(res, 200, {
        apiVersion: apiVersionOf(type),
        kind: `${type.kind}List`,
        metadata: { resourceVersion: String(revision) },
        items,
      });
    }
    if (!key) return status(res, 405, 'MethodNotAllowed', 'method not allowed on a collection');

    if (req.method === 'GET') {
      if (!existing) return status(res, 404, 'NotFound', `${what} not found`);
      if (wantsTable(req.headers.accept))
        return json(res, 200, toTable([existing], type.printerColumns, String(revision)));
      return json(res, 200, existing);
    }

    if (req.method === 'POST' || (req.method === 'PATCH' && !existing && isApply(req))) {
      // The API server authorises an apply that creates as `create` too.
      if (req.method === 'PATCH') authorize('create');
      const object = body as KubeObject;
      if (req.method === 'POST' && existing)
        return status(res, 409, 'AlreadyExists', `${what} already exists`);
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
          creationTimestamp: new Date().toISOString(),
          managedFields: [
            {
              manager: url.searchParams.get('fieldManager') ?? 'unknown',
              operation: isApply(req) ? 'Apply' : 'Update',
            },
          ],
        },
      };
      if (type.statusSubresource) delete created.status;
      normalize(type, created);
      const refused = type.schema ? admit(type.schema, created) : [];
      if (refused.length) return invalid(res, type, created.metadata.name, refused);
      store.set(key, bump(created));
      record('ADDED', type, created);
      if (type.kind === 'CustomResourceDefinition') {
        // Served at once, as a real API server reports with the Established condition.
        created.status = {
          conditions: [
            {
              type: 'Established',
              status: 'True',
              reason: 'InitialNamesAccepted',
              message: 'the initial names have been accepted',
            },
          ],
        };
        serveCrd(created);
      }
      return json(res, 201, created);
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
      next = { ...existing, status: (req.method === 'PUT' ? incoming : merge(existing, incoming)).status };
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
    const refused = type.schema ? admit(type.schema, next, existing) : [];
    if (refused.length) return invalid(res, type, existing.metadata.name, refused);
    if (JSON.stringify(next) === JSON.stringify(existing)) return json(res, 200, existing);
    store.set(key, bump(next));
    if (next.metadata.deletionTimestamp && !next.metadata.finalizers?.length) {
      remove(type, key, next);
      return json(res, 200, next);
    }
    record('MODIFIED', type, next);
    return json(res, 200, next);
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
    for (const event of history) {
      if (event.rv <= from || event.resource !== type.plural) continue;
      if (namespace && event.object.metadata.namespace !== namespace) continue;
      res.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
    }
    const watcher = { resource: `${type.group}/${type.plural}`, ...(namespace ? { namespace } : {}), res };
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

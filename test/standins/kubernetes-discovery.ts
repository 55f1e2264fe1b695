import type { ResourceType } from './kubernetes-http.js';

/**
 * What clients read before they touch a resource: the API versions and groups (legacy discovery;
 * clients that ask for aggregated discovery accept it), /version and the OpenAPI documents
 * kubectl fetches to decide how to validate. Returns undefined for any other path.
 */
export interface Discovered {
  readonly contentType: string;
  readonly body: string | Buffer;
}

const VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-standin',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

/** OpenAPI v2 in protobuf, as kubectl before 1.27 asks for it (gnostic's openapi_v2.Document). */
const PROTOBUF_OPENAPI = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

const groupVersionOf = (type: ResourceType) => (type.group ? `${type.group}/${type.version}` : type.version);
const openApiPathOf = (type: ResourceType) =>
  type.group ? `apis/${type.group}/${type.version}` : `api/${type.version}`;

export function discover(
  all: readonly ResourceType[],
  pathname: string,
  accept: string | undefined,
): Discovered | undefined {
  const json = (body: unknown): Discovered => ({
    contentType: 'application/json',
    body: JSON.stringify(body),
  });
  if (pathname === '/version') return json(VERSION);
  if (pathname === '/api') return json({ kind: 'APIVersions', versions: ['v1'] });
  if (pathname === '/apis') {
    const groups = [...new Set(all.filter((type) => type.group).map((type) => type.group))];
    return json({
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groups.map((name) => apiGroup(all, name)),
    });
  }
  if (pathname === '/openapi/v2') return openApiV2(accept);
  if (pathname === '/openapi/v3') {
    const paths = [...new Set(all.map(openApiPathOf))];
    return json({
      paths: Object.fromEntries(paths.map((gv) => [gv, { serverRelativeURL: `/openapi/v3/${gv}` }])),
    });
  }
  if (pathname.startsWith('/openapi/v3/')) {
    const served = all.filter((type) => openApiPathOf(type) === pathname.slice('/openapi/v3/'.length));
    return served.length ? json(openApiV3(served)) : undefined;
  }
  const group = /^\/apis\/([^/]+)$/.exec(pathname)?.[1];
  if (group) return all.some((type) => type.group === group) ? json(apiGroup(all, group)) : undefined;
  const match = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(pathname);
  if (!match) return undefined;
  const served = all.filter(
    (type) => type.group === (match[2] ?? '') && type.version === (match[1] ?? match[3]),
  );
  return served.length ? json(resourceList(served)) : undefined;
}

function apiGroup(all: readonly ResourceType[], name: string) {
  const version = all.find((type) => type.group === name)?.version ?? 'v1';
  const groupVersion = { groupVersion: `${name}/${version}`, version };
  return {
    kind: 'APIGroup',
    apiVersion: 'v1',
    name,
    versions: [groupVersion],
    preferredVersion: groupVersion,
  };
}

function resourceList(served: readonly ResourceType[]) {
  const [first] = served;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: first ? groupVersionOf(first) : 'v1',
    resources: served.flatMap((type) => [
      {
        name: type.plural,
        singularName: type.kind.toLowerCase(),
        namespaced: type.namespaced,
        kind: type.kind,
        verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
        ...(type.shortNames ? { shortNames: type.shortNames } : {}),
        ...(type.categories ? { categories: type.categories } : {}),
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

/**
 * OpenAPI v3 for a group-version: each kind's write operations, declaring `fieldValidation` so
 * kubectl (1.27+) leaves validation to the server, and no component schemas (kubectl then has no
 * client-side schema, as for a CRD it cannot see).
 */
function openApiV3(served: readonly ResourceType[]) {
  const paths = Object.fromEntries(
    served.map((type) => {
      const operation = {
        'x-kubernetes-group-version-kind': { group: type.group, version: type.version, kind: type.kind },
        parameters: [{ name: 'fieldValidation', in: 'query', schema: { type: 'string' } }],
        responses: {},
      };
      const scope = type.namespaced ? '/namespaces/{namespace}' : '';
      return [`/${openApiPathOf(type)}${scope}/${type.plural}/{name}`, { patch: operation, put: operation }];
    }),
  );
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: VERSION.gitVersion },
    paths,
    components: { schemas: {} },
  };
}

/**
 * OpenAPI v2 without definitions: kubectl before 1.27 reads it for client-side validation and
 * skips kinds it does not describe, so the server's own validation is what users see.
 */
function openApiV2(accept: string | undefined): Discovered {
  const info = { title: 'Kubernetes', version: VERSION.gitVersion };
  if (accept?.includes(PROTOBUF_OPENAPI)) {
    // Document{swagger = 1, info = 2 {title = 1, version = 2}, paths = 8, definitions = 9}.
    const body = Buffer.concat([
      field(1, Buffer.from('2.0')),
      field(2, Buffer.concat([field(1, Buffer.from(info.title)), field(2, Buffer.from(info.version))])),
      field(8, Buffer.alloc(0)),
      field(9, Buffer.alloc(0)),
    ]);
    // Served as octet-stream, as the API server does: Go cannot parse the `@` in the accepted type.
    return { contentType: 'application/octet-stream', body };
  }
  return {
    contentType: 'application/json',
    body: JSON.stringify({ swagger: '2.0', info, paths: {}, definitions: {} }),
  };
}

/** A length-delimited protobuf field (wire type 2). */
function field(number: number, bytes: Buffer): Buffer {
  return Buffer.concat([varint((number << 3) | 2), varint(bytes.length), bytes]);
}

function varint(value: number): Buffer {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  out.push(rest);
  return Buffer.from(out);
}

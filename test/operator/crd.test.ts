import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  APPS,
  CRD_GROUP,
  CRD_KIND,
  CRD_PLURAL,
  CRD_SHORT_NAME,
  CRD_VERSION,
  type NextcloudMcpSpec,
  type NextcloudMcpStatus,
} from '../../contract/index.js';

interface Schema {
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema;
  items?: Schema;
  enum?: unknown[];
  required?: string[];
}

const crd = parse(readFileSync('crds/nextcloudmcps.nextcloud-mcp.io.yaml', 'utf8'));
const version = crd.spec.versions[0];
const root: Schema = version.schema.openAPIV3Schema;

/** Every optional field filled in, so the type checker proves the sample covers the whole type. */
type Complete<T> = T extends readonly (infer U)[]
  ? Complete<U>[]
  : T extends object
    ? { [K in keyof T]-?: Complete<T[K]> }
    : T;

const fullSpec: Complete<NextcloudMcpSpec> = {
  nextcloud: { url: 'https://cloud.example', audience: 'nextcloud' },
  publicUrl: 'https://mcp.example',
  apps: ['notes'],
  identity: {
    issuerUrl: 'https://sso.example/realms/acme',
    keycloak: {
      url: 'https://sso.example',
      realm: 'acme',
      adminCredentialsSecretRef: { name: 'admin' },
      clientIdMetadataDocuments: { enabled: true, trustedDomains: ['claude.ai'], allowHttp: false },
    },
    clientSecretRef: { name: 'client' },
    registration: { initialAccessTokenSecretRef: { name: 'iat' } },
  },
  auth: { mode: 'exchange' },
  replicas: 2,
  image: 'registry.example/nextcloud-mcp:1',
  pod: {
    resources: {
      proxy: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: 1, memory: '256Mi' } },
      server: { requests: { cpu: '0.5', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } },
    },
    imagePullSecrets: [{ name: 'registry' }],
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    tolerations: [
      { key: 'dedicated', operator: 'Equal', value: 'mcp', effect: 'NoExecute', tolerationSeconds: 60 },
    ],
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            {
              matchExpressions: [{ key: 'pool', operator: 'In', values: ['mcp'] }],
              matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['node-1'] }],
            },
          ],
        },
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 10,
            preference: {
              matchExpressions: [{ key: 'ssd', operator: 'Exists', values: [] }],
              matchFields: [],
            },
          },
        ],
      },
      podAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          {
            labelSelector: {
              matchLabels: { app: 'nextcloud' },
              matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }],
            },
            namespaceSelector: { matchLabels: { team: 'a' }, matchExpressions: [] },
            namespaces: ['nextcloud'],
            topologyKey: 'topology.kubernetes.io/zone',
            matchLabelKeys: ['pod-template-hash'],
            mismatchLabelKeys: ['tenant'],
          },
        ],
        preferredDuringSchedulingIgnoredDuringExecution: [],
      },
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [],
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 100,
            podAffinityTerm: {
              labelSelector: { matchLabels: { 'app.kubernetes.io/instance': 'acme' }, matchExpressions: [] },
              namespaceSelector: { matchLabels: {}, matchExpressions: [] },
              namespaces: [],
              topologyKey: 'kubernetes.io/hostname',
              matchLabelKeys: [],
              mismatchLabelKeys: [],
            },
          },
        ],
      },
    },
    annotations: { 'sidecar.istio.io/inject': 'false' },
    labels: { team: 'platform' },
    priorityClassName: 'tenant-high',
  },
  ingress: {
    className: 'nginx',
    host: 'mcp.example',
    tlsSecretName: 'tls',
    annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt' },
  },
  excludedTags: ['private'],
  allowedOrigins: ['https://app.example'],
};

const fullStatus: Complete<NextcloudMcpStatus> = {
  observedGeneration: 1,
  endpoint: 'https://mcp.example/mcp',
  clientId: 'mcp-tenant',
  conditions: [
    {
      type: 'Ready',
      status: 'True',
      reason: 'Ready',
      message: 'ok',
      lastTransitionTime: '2026-01-01T00:00:00Z',
      observedGeneration: 1,
    },
  ],
};

/** Paths present in the value but not the schema, and in the schema but not the value. */
function compare(value: unknown, schema: Schema, path: string, problems: string[]): void {
  if (Array.isArray(value)) {
    if (schema.type !== 'array' || !schema.items)
      problems.push(`${path}: an array in the type, not in the schema`);
    else for (const item of value) compare(item, schema.items as Schema, `${path}[]`, problems);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (schema.additionalProperties) {
    if (schema.additionalProperties.type !== 'string') problems.push(`${path}: a map of other than strings`);
    return;
  }
  const properties = schema.properties ?? {};
  for (const key of Object.keys(value)) {
    if (!(key in properties)) problems.push(`${path}.${key}: in the type, not in the schema`);
    else
      compare((value as Record<string, unknown>)[key], properties[key] as Schema, `${path}.${key}`, problems);
  }
  for (const key of Object.keys(properties)) {
    if (!(key in value)) problems.push(`${path}.${key}: in the schema, not in the type`);
  }
}

describe('the NextcloudMcp CRD', () => {
  it('names what contract/ says', () => {
    expect(crd.metadata.name).toBe(`${CRD_PLURAL}.${CRD_GROUP}`);
    expect(crd.spec.group).toBe(CRD_GROUP);
    expect(crd.spec.names).toMatchObject({
      kind: CRD_KIND,
      plural: CRD_PLURAL,
      shortNames: [CRD_SHORT_NAME],
    });
    expect(version.name).toBe(CRD_VERSION);
    expect(version.subresources).toEqual({ status: {} });
    expect(version.additionalPrinterColumns.map((column: { name: string }) => column.name)).toEqual([
      'Ready',
      'Reason',
      'Endpoint',
      'Age',
    ]);
  });

  it("shows the Ready condition's reason with -o wide only", () => {
    const reason = version.additionalPrinterColumns.find(
      (column: { name: string }) => column.name === 'Reason',
    );
    expect(reason).toMatchObject({
      type: 'string',
      jsonPath: '.status.conditions[?(@.type=="Ready")].reason',
      priority: 1,
    });
  });

  it('describes every field, so kubectl explain explains each', () => {
    const undescribed: string[] = [];
    const walk = (node: Schema, path: string) => {
      for (const [key, child] of Object.entries(node.properties ?? {})) {
        // The API server allows no description on metadata, only name's and generateName's schemas.
        if (!child.description && path + key !== 'metadata') undescribed.push(`${path}${key}`);
        walk(child, `${path}${key}.`);
      }
      if (node.items) walk(node.items, path.replace(/\.$/, '[].'));
      if (node.additionalProperties) walk(node.additionalProperties, path.replace(/\.$/, '{}.'));
    };
    walk(root, '');
    expect(undescribed).toEqual([]);
  });

  it('has exactly the fields of the TypeScript types', () => {
    const problems: string[] = [];
    compare(fullSpec, root.properties?.spec as Schema, 'spec', problems);
    compare(fullStatus, root.properties?.status as Schema, 'status', problems);
    expect(problems).toEqual([]);
  });

  it('offers exactly the apps of the scope catalogue', () => {
    expect(root.properties?.spec?.properties?.apps?.items?.enum).toEqual([...APPS]);
  });

  it('states its cross-field rules as CEL, with readable messages', () => {
    const identity = root.properties?.spec?.properties?.identity as Schema & {
      'x-kubernetes-validations': { rule: string; message: string }[];
    };
    expect(identity['x-kubernetes-validations'][0]?.message).toBe(
      'set exactly one of identity.keycloak, identity.clientSecretRef, identity.registration',
    );
  });
});

import { ApiException, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRD_PLURAL, CRD_VERSION, type NextcloudMcp } from '../../contract/index.js';
import { tenant } from '../../dev/tenant-spec.js';
import { eventually, startClusterWithCrd, type TestCluster, testNamespace } from './cluster.js';
import { crdUnder, installCrdCopy } from './crd-copy.js';
import { FULLY_TUNED, TUNING_INVALID } from './crd-tuning-cases.js';
import {
  cimd,
  EXACTLY_ONE,
  HTTPS,
  INVALID,
  identity,
  keycloak,
  registration,
  valid,
} from './crd-validation-cases.js';

interface Status {
  code: number;
  reason: string;
  message: string;
  details?: {
    name: string;
    group: string;
    kind: string;
    causes: { reason: string; field: string; message: string }[];
  };
}

describe('the CRD refuses bad specs at the API server', () => {
  let api: TestCluster;
  let custom: CustomObjectsApi;
  let copy: Awaited<ReturnType<typeof installCrdCopy>>;
  let group = '';
  let ns = 'tenant-validation';
  const where = () => ({ group, version: CRD_VERSION, plural: CRD_PLURAL, namespace: ns });
  // Specs here are whole, and many invalid on purpose: they replace the builder's.
  const body = (name: string, spec: object) => ({
    ...tenant(name),
    apiVersion: `${group}/${CRD_VERSION}`,
    spec,
  });
  const create = (name: string, spec: object) =>
    custom.createNamespacedCustomObject({ ...where(), body: body(name, spec) }) as Promise<NextcloudMcp>;
  const get = (name: string) =>
    custom.getNamespacedCustomObject({ ...where(), name }) as Promise<NextcloudMcp>;
  const refusal = async (promise: Promise<unknown>): Promise<Status> => {
    const error = await promise.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error, 'the API server accepted it').toBeInstanceOf(ApiException);
    return JSON.parse((error as ApiException<string>).body) as Status;
  };
  const condition = (more: object) => ({
    type: 'Ready',
    status: 'True',
    reason: 'Available',
    message: 'serving',
    lastTransitionTime: '2026-11-23T00:00:00Z',
    ...more,
  });
  const writeStatus = async (name: string, status: object) =>
    custom.replaceNamespacedCustomObjectStatus({ ...where(), name, body: { ...(await get(name)), status } });

  beforeAll(async () => {
    const cluster = await startClusterWithCrd();
    api = cluster.api;
    ns = await testNamespace(cluster.config, ns);
    custom = cluster.config.makeApiClient(CustomObjectsApi);
    copy = await installCrdCopy(cluster.config, 'v');
    group = copy.group;
  });
  afterAll(async () => {
    await copy?.remove();
    await api?.stop();
  });

  it.each([...INVALID, ...TUNING_INVALID])(
    'refuses %s with 422 naming the field, storing nothing',
    async (label, spec, field, reason, message) => {
      // Each case its own name, so one wrongly accepted spec cannot fail the others.
      const name = `bad-${label.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`.replace(/-$/, '');
      const status = await refusal(create(name, spec));
      expect(status).toMatchObject({ code: 422, reason: 'Invalid' });
      expect(status.details).toMatchObject({ name, group, kind: 'NextcloudMcp' });
      // A field can break several keywords at once (pattern and format): one cause must be this one.
      const cause = status.details?.causes.find(
        (candidate) =>
          candidate.field === field && candidate.reason === reason && message.test(candidate.message),
      );
      expect(cause, JSON.stringify(status.details?.causes)).toBeDefined();
      expect(status.message).toContain(`NextcloudMcp.${group} "${name}" is invalid: `);
      expect(status.message).toContain(`${field}: ${cause?.message}`);
      await expect(get(name)).rejects.toMatchObject({ code: 404 });
    },
  );

  it('lists every cause, in brackets, when a spec breaks several rules', async () => {
    const status = await refusal(
      create('bad-several', { ...valid, replicas: 0, publicUrl: 'http://mcp.example' }),
    );
    expect(status.details?.causes.map((cause) => cause.field)).toEqual(['spec.replicas', 'spec.publicUrl']);
    expect(status.message).toContain(
      `is invalid: [spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1, spec.publicUrl: Invalid value: ${HTTPS}]`,
    );
  });

  it('skips the CEL rules, and says so, when the spec has blocking errors', async () => {
    const status = await refusal(
      create('bad-blocking', { ...valid, auth: { mode: 'x' }, publicUrl: 'http://mcp.example' }),
    );
    expect(status.details?.causes.map((cause) => cause.field)).toEqual(['spec.auth.mode', '<nil>']);
    expect(status.message).toContain(
      '<nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    );
    expect(status.message).not.toContain(HTTPS);
  });

  it('refuses a name that is no DNS subdomain', async () => {
    const status = await refusal(create('Not_A_Name', valid));
    expect(status.details?.causes[0]).toMatchObject({ field: 'metadata.name', reason: 'FieldValueInvalid' });
    expect(status.message).toContain(
      'a lowercase RFC 1123 subdomain must consist of lower case alphanumeric',
    );
  });

  it('refuses a name its owned objects could not carry (over 59 characters, or no letter first)', async () => {
    for (const name of ['a'.repeat(60), '1tenant']) {
      const status = await refusal(create(name, valid));
      expect(status.details?.causes[0]?.field).toBe('metadata.name');
      await expect(get(name)).rejects.toMatchObject({ code: 404 });
    }
    const long = await refusal(create('a'.repeat(60), valid));
    expect(long.message).toContain('metadata.name: Too long: may not be more than 59');
    expect((await create('a'.repeat(59), valid)).metadata.name).toBe('a'.repeat(59));
  });

  it.each([
    ['http on localhost', 'http://localhost'],
    ['http on localhost with a port and path', 'http://localhost:8080/base'],
    ['http on 127.0.0.1', 'http://127.0.0.1:8080'],
    ['http on [::1]', 'http://[::1]:8080'],
    ['http on a .local host', 'http://foo.local'],
    ['https anywhere', 'https://mcp.example:8443/tenant'],
  ])('accepts %s as publicUrl', async (_, publicUrl) => {
    const name = `ok-${publicUrl.replace(/[^a-z0-9]+/g, '-')}`.slice(0, 40).replace(/-$/, '');
    await create(name, { ...valid, publicUrl });
    expect((await get(name)).spec.publicUrl).toBe(publicUrl);
  });

  it('accepts browser origins as allowedOrigins: https on any host, http on loopback, with ports', async () => {
    const allowedOrigins = [
      'https://app.example',
      'https://chat.app.example:8443',
      'http://localhost:6274',
      'http://127.0.0.1',
      'http://[::1]:3000',
    ];
    expect((await create('origins', { ...valid, allowedOrigins })).spec.allowedOrigins).toEqual(
      allowedOrigins,
    );
  });

  it('accepts CIMD trusted domains: host names, IPv4 loopback, "*." + a domain; http only on loopback', async () => {
    const trustedDomains = ['claude.ai', '*.vscode.dev', 'localhost', '127.0.0.1'];
    const created = await create('cimd', cimd({ enabled: true, trustedDomains }));
    expect(created.spec.identity.keycloak?.clientIdMetadataDocuments).toEqual({
      enabled: true,
      trustedDomains,
      allowHttp: false,
    });
    const local = cimd({ enabled: true, trustedDomains: ['localhost', '127.0.0.1'], allowHttp: true });
    expect((await create('cimd-http', local)).metadata.name).toBe('cimd-http');
    expect((await create('cimd-off', cimd({ enabled: false }))).metadata.name).toBe('cimd-off');
  });

  it.each([
    ['Keycloak', identity({ keycloak })],
    ['dynamic registration', identity({ registration })],
    ['passthrough with a client of its own', { ...valid, auth: { mode: 'passthrough' } }],
  ])('accepts %s as the identity mode', async (label, spec) => {
    const name = `mode-${label.split(' ')[0]?.toLowerCase()}`;
    expect((await create(name, spec)).metadata?.name).toBe(name);
  });

  it('accepts a tenant tuning every pod field, and stores it as given', async () => {
    const created = await create('tuned', FULLY_TUNED);
    expect(created.spec.pod).toEqual(FULLY_TUNED.pod);
    const ingress = { annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt' } };
    expect((await create('ingress-annotated', { ...valid, ingress })).spec.ingress).toEqual(ingress);
  });

  it('fills in the declared defaults and prunes unknown fields', async () => {
    const created = await create('minimal', { ...valid, auth: {}, surprise: true });
    const stored = await get('minimal');
    for (const object of [created, stored]) {
      expect(object.spec.nextcloud.audience).toBe('nextcloud');
      expect(object.spec.replicas).toBe(1);
      expect(object.spec.auth?.mode).toBe('exchange');
      expect(object.spec).not.toHaveProperty('surprise');
    }
    // Defaults fill only what is absent.
    const explicit = await create('explicit', {
      ...valid,
      replicas: 3,
      nextcloud: { ...valid.nextcloud, audience: 'nc' },
    });
    expect(explicit.spec).toMatchObject({ replicas: 3, nextcloud: { audience: 'nc' } });
  });

  it('refuses unknown fields under fieldValidation=Strict', async () => {
    const error = await custom
      .createNamespacedCustomObject({
        ...where(),
        body: body('strict', { ...valid, surprise: 1 }),
        fieldValidation: 'Strict',
      })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 400 });
    expect((error as ApiException<string>).body).toContain('unknown field \\"spec.surprise\\"');
    await expect(get('strict')).rejects.toMatchObject({ code: 404 });
  });

  it('refuses an update, a merge patch or an apply that breaks the spec, keeping the stored object', async () => {
    const stored = await get('minimal');
    const replaced = await refusal(
      custom.replaceNamespacedCustomObject({
        ...where(),
        name: 'minimal',
        body: { ...stored, spec: { ...stored.spec, replicas: 50 } },
      }),
    );
    expect(replaced.message).toContain('spec.replicas: Invalid value: 50');
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const patched = await refusal(
      custom.patchNamespacedCustomObject(
        { ...where(), name: 'minimal', body: { spec: { publicUrl: 'http://mcp.example' } } },
        merge,
      ),
    );
    expect(patched.message).toContain(HTTPS);
    const apply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
    const applied = await refusal(
      custom.patchNamespacedCustomObject(
        {
          ...where(),
          name: 'minimal',
          body: body('minimal', identity({ keycloak, registration })),
          fieldManager: 'test',
          force: true,
        },
        apply,
      ),
    );
    expect(applied.message).toContain(EXACTLY_ONE);
    const after = await get('minimal');
    expect(after.spec).toEqual(stored.spec);
    expect(after.metadata?.resourceVersion).toBe(stored.metadata?.resourceVersion);
    // The same routes take a valid change.
    const fine = await custom.patchNamespacedCustomObject(
      { ...where(), name: 'minimal', body: { spec: { replicas: 2 } } },
      merge,
    );
    expect((fine as NextcloudMcp).spec.replicas).toBe(2);
  });

  it('validates status writes against the status schema', async () => {
    const accepted = (await writeStatus('minimal', { conditions: [condition({})] })) as NextcloudMcp;
    expect(accepted.status?.conditions?.[0]?.status).toBe('True');
    const refusals: [object, RegExp][] = [
      [
        { conditions: [condition({ status: 'Maybe' })] },
        /status\.conditions\[0\]\.status: Unsupported value: "Maybe": supported values: "True", "False", "Unknown"/,
      ],
      [
        { conditions: [condition({ type: 'Happy' })] },
        /status\.conditions\[0\]\.type: Unsupported value: "Happy"/,
      ],
      [{ conditions: [condition({ reason: undefined })] }, /status\.conditions\[0\]\.reason: Required value/],
      [
        { conditions: [condition({ lastTransitionTime: 'yesterday' })] },
        /status\.conditions\[0\]\.lastTransitionTime: Invalid value: "yesterday": conditions\[0\]\.lastTransitionTime in body must be of type date-time/,
      ],
      [
        { conditions: [condition({}), condition({ status: 'False' })] },
        /status\.conditions\[1\]: Duplicate value: \{"type":"Ready"\}/,
      ],
      [
        { observedGeneration: 'one' },
        /status\.observedGeneration: Invalid value: "string": observedGeneration in body must be of type integer/,
      ],
    ];
    for (const [status, message] of refusals) {
      const refused = await refusal(writeStatus('minimal', status));
      expect(refused.code).toBe(422);
      expect(refused.message).toMatch(message);
    }
    expect((await get('minimal')).status).toEqual(accepted.status);
  });
});

/**
 * A CRD changed under stored objects. The suites share one cluster, so this changes a copy of the
 * CRD under a group of its own (same schema and rules), never the one the other suites use.
 */
describe('a changed CRD', () => {
  let api: TestCluster;
  let custom: CustomObjectsApi;
  let copy: Awaited<ReturnType<typeof installCrdCopy>>;
  let where = { group: '', version: CRD_VERSION, plural: CRD_PLURAL, namespace: 'tenant-crd-change' };
  const crd = () => crdUnder(where.group);
  const applyCrd = (document: unknown) => copy.apply(document);
  const get = () => custom.getNamespacedCustomObject({ ...where, name: 'acme' }) as Promise<NextcloudMcp>;

  beforeAll(async () => {
    const cluster = await startClusterWithCrd();
    api = cluster.api;
    custom = cluster.config.makeApiClient(CustomObjectsApi);
    copy = await installCrdCopy(cluster.config, 'c');
    where = {
      ...where,
      group: copy.group,
      namespace: await testNamespace(cluster.config, 'tenant-crd-change'),
    };
    await custom.createNamespacedCustomObject({
      ...where,
      body: { ...tenant('acme', { spec: valid }), apiVersion: `${copy.group}/${CRD_VERSION}` },
    });
  });
  afterAll(async () => {
    await copy?.remove();
    await api?.stop();
  });

  it('refuses a CRD whose CEL rule does not compile', async () => {
    const broken = crd();
    broken.spec.versions[0].schema.openAPIV3Schema.properties.spec['x-kubernetes-validations'][0].rule =
      'self.publicUrl.startsWith(';
    const response = await applyCrd(broken);
    expect(response.status).toBe(422);
    const status = (await response.json()) as Status;
    expect(status.message).toMatch(
      /^CustomResourceDefinition\.apiextensions\.k8s\.io "nextcloudmcps\.[a-z0-9]+\.nextcloud-mcp\.test" is invalid: spec\.validation\.openAPIV3Schema\.properties\[spec\]\.x-kubernetes-validations\[0\]\.rule: Invalid value: .*compilation failed/,
    );
    expect((await get()).spec.publicUrl).toBe(valid.publicUrl);
  });

  it('refuses a CRD that asks for uniqueItems', async () => {
    const quadratic = crd();
    quadratic.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.apps.uniqueItems = true;
    const response = await applyCrd(quadratic);
    expect(response.status).toBe(422);
    expect(((await response.json()) as Status).message).toContain(
      'spec.validation.openAPIV3Schema.properties[spec].properties[apps].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic',
    );
  });

  it('shows new defaults on read, and runs transition rules only on updates', async () => {
    const changed = crd();
    const spec = changed.spec.versions[0].schema.openAPIV3Schema.properties.spec;
    spec.properties.image.default = 'registry.example/mcp:2';
    spec['x-kubernetes-validations'].push({
      rule: 'self.nextcloud.url == oldSelf.nextcloud.url',
      message: 'nextcloud.url is immutable',
    });
    expect((await applyCrd(changed)).status).toBe(200);
    // The apiserver serves a changed CRD a moment later: until then reads show the old schema.
    await eventually(async () => ((await get()).spec.image === 'registry.example/mcp:2' ? true : undefined));
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const moved = await custom
      .patchNamespacedCustomObject(
        { ...where, name: 'acme', body: { spec: { nextcloud: { url: 'https://other.example' } } } },
        merge,
      )
      .catch((caught: unknown) => caught);
    expect((moved as ApiException<string>).body).toContain('spec: Invalid value: nextcloud.url is immutable');
    await custom.patchNamespacedCustomObject(
      { ...where, name: 'acme', body: { spec: { replicas: 3 } } },
      merge,
    );
    expect((await get()).spec.replicas).toBe(3);
    // A new object has no old self: the transition rule does not run on create.
    await custom.createNamespacedCustomObject({
      ...where,
      body: { ...tenant('fresh', { spec: valid }), apiVersion: `${where.group}/${CRD_VERSION}` },
    });
  });
});

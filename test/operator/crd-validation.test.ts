import { ApiException, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRD_GROUP, CRD_PLURAL, CRD_VERSION, type NextcloudMcp } from '../../contract/index.js';
import type { KubernetesStandin } from '../standins/kubernetes.js';
import { startClusterWithCrd, testNamespace } from './cluster.js';

const valid = {
  nextcloud: { url: 'https://cloud.example' },
  publicUrl: 'https://mcp.example',
  identity: { issuerUrl: 'https://sso.example/realms/a', clientSecretRef: { name: 'client' } },
};
const keycloak = { realm: 'a', adminCredentialsSecretRef: { name: 'admin' } };
const registration = { initialAccessTokenSecretRef: { name: 'iat' } };

/** Specs the API server must refuse with the CRD from crds/, and what its message must name. */
const INVALID: [string, object, RegExp][] = [
  [
    'no identity mode',
    { ...valid, identity: { issuerUrl: 'https://sso.example' } },
    /set exactly one of identity\.keycloak/,
  ],
  [
    'two identity modes',
    { ...valid, identity: { ...valid.identity, keycloak } },
    /spec\.identity: Invalid value: "object": set exactly one of/,
  ],
  [
    'all three identity modes',
    { ...valid, identity: { ...valid.identity, keycloak, registration } },
    /set exactly one of/,
  ],
  [
    'http publicUrl on a public host',
    { ...valid, publicUrl: 'http://mcp.example' },
    /publicUrl must use https unless/,
  ],
  [
    'zero replicas',
    { ...valid, replicas: 0 },
    /spec\.replicas: Invalid value: 0: .*greater than or equal to 1/,
  ],
  [
    '21 replicas',
    { ...valid, replicas: 21 },
    /spec\.replicas: Invalid value: 21: .*less than or equal to 20/,
  ],
  ['replicas as a string', { ...valid, replicas: 'two' }, /spec\.replicas: .*must be of type integer/],
  [
    'an unknown app',
    { ...valid, apps: ['notes', 'spreadsheets'] },
    /spec\.apps\[1\]: Unsupported value: "spreadsheets": supported values: "notes"/,
  ],
  ['an app twice', { ...valid, apps: ['notes', 'notes'] }, /spec\.apps\[1\]: Duplicate value: "notes"/],
  ['no apps at all', { ...valid, apps: [] }, /spec\.apps: .*at least 1 items/],
  ['no nextcloud.url', { ...valid, nextcloud: {} }, /spec\.nextcloud\.url: Required value/],
  [
    'no publicUrl',
    { nextcloud: valid.nextcloud, identity: valid.identity },
    /spec\.publicUrl: Required value/,
  ],
  [
    'a nextcloud.url that is no URL',
    { ...valid, nextcloud: { url: 'cloud.example' } },
    /spec\.nextcloud\.url/,
  ],
  [
    'an issuer with a space',
    { ...valid, identity: { ...valid.identity, issuerUrl: 'https://sso example' } },
    /spec\.identity\.issuerUrl/,
  ],
  [
    'an unknown auth mode',
    { ...valid, auth: { mode: 'anonymous' } },
    /spec\.auth\.mode: Unsupported value: "anonymous"/,
  ],
  [
    'passthrough with a managed Keycloak',
    { ...valid, auth: { mode: 'passthrough' }, identity: { issuerUrl: 'https://sso.example', keycloak } },
    /passthrough mode needs an issuer that is Nextcloud itself/,
  ],
  [
    'a keycloak block without a realm',
    {
      ...valid,
      identity: { issuerUrl: 'https://sso.example', keycloak: { adminCredentialsSecretRef: { name: 'a' } } },
    },
    /spec\.identity\.keycloak\.realm: Required value/,
  ],
];

describe('the CRD refuses bad specs at the API server', () => {
  let api: KubernetesStandin;
  let custom: CustomObjectsApi;
  let ns = 'tenant-validation';
  const body = (name: string, spec: object) => ({
    apiVersion: `${CRD_GROUP}/${CRD_VERSION}`,
    kind: 'NextcloudMcp',
    metadata: { name },
    spec,
  });
  const create = (name: string, spec: object) =>
    custom.createNamespacedCustomObject({
      group: CRD_GROUP,
      version: CRD_VERSION,
      plural: CRD_PLURAL,
      namespace: ns,
      body: body(name, spec),
    });
  const get = (name: string) =>
    custom.getNamespacedCustomObject({
      group: CRD_GROUP,
      version: CRD_VERSION,
      plural: CRD_PLURAL,
      namespace: ns,
      name,
    }) as Promise<NextcloudMcp>;
  const refusal = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ApiException);
    const status = JSON.parse((error as ApiException<string>).body) as {
      code: number;
      reason: string;
      message: string;
    };
    return status;
  };

  beforeAll(async () => {
    const cluster = await startClusterWithCrd();
    api = cluster.api;
    ns = await testNamespace(cluster.config, ns);
    custom = cluster.config.makeApiClient(CustomObjectsApi);
  });
  afterAll(async () => {
    await api?.stop();
  });

  it.each(INVALID)(
    'refuses %s with 422 and a message naming it, storing nothing',
    async (_, spec, message) => {
      const status = await refusal(create('bad', spec));
      expect(status.code).toBe(422);
      expect(status.reason).toBe('Invalid');
      expect(status.message).toMatch(/^NextcloudMcp\.nextcloud-mcp\.io "bad" is invalid: /);
      expect(status.message).toMatch(message);
      await expect(get('bad')).rejects.toMatchObject({ code: 404 });
    },
  );

  it.each([
    ['http on localhost', 'http://localhost:8080'],
    ['http on 127.0.0.1', 'http://127.0.0.1:8080/base'],
    ['http on a .local host', 'http://mcp.office.local'],
  ])('accepts %s as publicUrl', async (_, publicUrl) => {
    const name = `ok-${publicUrl.replace(/[^a-z0-9]/g, '')}`.slice(0, 40);
    await create(name, { ...valid, publicUrl });
    expect((await get(name)).spec.publicUrl).toBe(publicUrl);
  });

  it('fills in the declared defaults and prunes unknown fields', async () => {
    await create('minimal', { ...valid, surprise: true });
    const stored = await get('minimal');
    expect(stored.spec.nextcloud.audience).toBe('nextcloud');
    expect(stored.spec.replicas).toBe(1);
    expect(stored.spec.auth?.mode ?? 'exchange').toBe('exchange');
    expect((stored.spec as unknown as Record<string, unknown>).surprise).toBeUndefined();
  });

  it('refuses an update that breaks the spec and keeps the stored object', async () => {
    const stored = await get('minimal');
    const status = await refusal(
      custom.replaceNamespacedCustomObject({
        group: CRD_GROUP,
        version: CRD_VERSION,
        plural: CRD_PLURAL,
        namespace: ns,
        name: 'minimal',
        body: { ...stored, spec: { ...stored.spec, replicas: 50 } },
      }),
    );
    expect(status.code).toBe(422);
    expect((await get('minimal')).spec.replicas).toBe(1);
  });

  it('refuses a status with a condition the schema does not allow', async () => {
    const stored = await get('minimal');
    const status = await refusal(
      custom.replaceNamespacedCustomObjectStatus({
        group: CRD_GROUP,
        version: CRD_VERSION,
        plural: CRD_PLURAL,
        namespace: ns,
        name: 'minimal',
        body: {
          ...stored,
          status: {
            conditions: [
              {
                type: 'Ready',
                status: 'Maybe',
                reason: 'X',
                message: '',
                lastTransitionTime: '2026-11-23T00:00:00Z',
              },
            ],
          },
        },
      }),
    );
    expect(status.code).toBe(422);
    expect(status.message).toMatch(/status\.conditions\[0\]\.status: Unsupported value: "Maybe"/);
  });
});

import type { V1Deployment, V1Ingress } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { NextcloudMcp } from '../../contract/index.js';
import { tenant } from '../../dev/tenant-spec.js';
import {
  APPLIED_HASH_ANNOTATION,
  CONFIG_HASH_ANNOTATION,
  type DesiredInput,
  desiredObjects,
  labelsFor,
} from '../../operator/desired.js';

const resource: NextcloudMcp = tenant('acme', {
  metadata: { namespace: 'tenant-acme', uid: 'uid-1', generation: 1 },
  spec: { apps: ['notes', 'files'] },
});
const input: DesiredInput = {
  resource,
  operatorImage: 'ghcr.io/example/nextcloud-mcp:1.0.0',
  client: { id: 'mcp-tenant-acme-acme', secret: 'very-secret-value' },
};

const kinds = (objects: { kind?: string }[]) => objects.map((object) => object.kind);
const deployment = (objects: { kind?: string }[]) =>
  objects.find((o) => o.kind === 'Deployment') as V1Deployment;
const hash = (objects: { kind?: string }[]) =>
  deployment(objects).spec?.template.metadata?.annotations?.[CONFIG_HASH_ANNOTATION];

describe('desired objects of a NextcloudMcp', () => {
  it('are the owned kinds, each labelled, namespaced and owned by the resource', () => {
    const objects = desiredObjects(input);
    expect(kinds(objects)).toEqual(['ServiceAccount', 'Secret', 'Deployment', 'Service', 'NetworkPolicy']);
    for (const object of objects) {
      expect(object.metadata).toMatchObject({
        name: 'acme-mcp',
        namespace: 'tenant-acme',
        labels: {
          'app.kubernetes.io/instance': 'acme',
          'app.kubernetes.io/managed-by': 'nextcloud-mcp-operator',
        },
      });
      expect(object.metadata?.ownerReferences).toEqual([
        expect.objectContaining({ kind: 'NextcloudMcp', name: 'acme', uid: 'uid-1', controller: true }),
      ]);
    }
  });

  it('run the pod under restricted Pod Security, with probes and limits, and no secret in the environment', () => {
    const pod = deployment(desiredObjects(input)).spec?.template.spec;
    expect(pod?.automountServiceAccountToken).toBe(false);
    expect(pod?.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod?.containers.map((c) => c.name)).toEqual(['proxy', 'server']);
    for (const container of pod?.containers ?? []) {
      expect(container.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(container.livenessProbe).toBeDefined();
      expect(container.resources?.limits?.memory).toBeDefined();
      expect(JSON.stringify(container.env)).not.toContain('very-secret-value');
    }
    const server = pod?.containers[1];
    expect(server?.env).toContainEqual({ name: 'HOST', value: '127.0.0.1' });
    expect(server?.ports).toBeUndefined();
    const proxy = pod?.containers[0];
    expect(proxy?.env).toContainEqual({ name: 'APPS', value: 'notes,files' });
    expect(proxy?.readinessProbe?.httpGet?.path).toBe('/readyz');
  });

  it('roll the pods when the configuration or the secret changes, and only then', () => {
    const base = hash(desiredObjects(input));
    expect(hash(desiredObjects(input))).toBe(base);
    expect(
      hash(
        desiredObjects({ ...input, resource: { ...resource, spec: { ...resource.spec, apps: ['notes'] } } }),
      ),
    ).not.toBe(base);
    expect(hash(desiredObjects({ ...input, client: { ...input.client, secret: 'rotated' } }))).not.toBe(base);
    expect(hash(desiredObjects({ ...input, operatorImage: 'ghcr.io/example/nextcloud-mcp:1.0.1' }))).not.toBe(
      base,
    );
  });

  it("pass the tenant's excluded tags to the server container only, and roll the pods when they change", () => {
    const env = (objects: { kind?: string }[], name: string) =>
      deployment(objects).spec?.template.spec?.containers.find((c) => c.name === name)?.env ?? [];
    const withTags = (excludedTags: string[]) =>
      desiredObjects({ ...input, resource: { ...resource, spec: { ...resource.spec, excludedTags } } });
    const tagged = withTags(['private', 'HR only']);
    expect(env(tagged, 'server')).toContainEqual({ name: 'EXCLUDED_TAGS', value: 'private,HR only' });
    expect(env(tagged, 'proxy').map((entry) => entry.name)).not.toContain('EXCLUDED_TAGS');
    for (const untagged of [desiredObjects(input), withTags([])]) {
      expect(env(untagged, 'server').map((entry) => entry.name)).not.toContain('EXCLUDED_TAGS');
    }
    expect(hash(tagged)).not.toBe(hash(desiredObjects(input)));
    expect(hash(withTags(['private']))).not.toBe(hash(tagged));
  });

  it("pass the allowed browser origins, with publicUrl's own, to the proxy only, and roll the pods when they change", () => {
    const env = (objects: { kind?: string }[], name: string) =>
      deployment(objects).spec?.template.spec?.containers.find((c) => c.name === name)?.env ?? [];
    const withOrigins = (allowedOrigins: string[] | undefined, publicUrl = resource.spec.publicUrl) =>
      desiredObjects({
        ...input,
        resource: { ...resource, spec: { ...resource.spec, publicUrl, allowedOrigins } },
      });
    const allowed = withOrigins(['http://localhost:6274', 'https://mcp.acme.example', 'https://app.example']);
    expect(env(allowed, 'proxy')).toContainEqual({
      name: 'ALLOWED_ORIGINS',
      value: 'https://mcp.acme.example,http://localhost:6274,https://app.example',
    });
    expect(env(allowed, 'server').map((entry) => entry.name)).not.toContain('ALLOWED_ORIGINS');
    expect(
      env(withOrigins(['https://app.example'], 'https://mcp.acme.example:8443/tenant/'), 'proxy'),
    ).toContainEqual({ name: 'ALLOWED_ORIGINS', value: 'https://mcp.acme.example:8443,https://app.example' });
    // Without any, the proxy's own default (publicUrl's origin) holds.
    for (const none of [withOrigins(undefined), withOrigins([])])
      expect(env(none, 'proxy').map((entry) => entry.name)).not.toContain('ALLOWED_ORIGINS');
    expect(hash(allowed)).not.toBe(hash(desiredObjects(input)));
    expect(hash(withOrigins(['https://app.example']))).not.toBe(hash(allowed));
  });

  it('add a PodDisruptionBudget past one replica and an Ingress when asked for', () => {
    const objects = desiredObjects({
      ...input,
      resource: {
        ...resource,
        spec: { ...resource.spec, replicas: 3, ingress: { className: 'nginx', tlsSecretName: 'acme-tls' } },
      },
    });
    expect(kinds(objects)).toContain('PodDisruptionBudget');
    const ingress = objects.find((o) => o.kind === 'Ingress') as V1Ingress;
    expect(ingress.spec?.ingressClassName).toBe('nginx');
    expect(ingress.spec?.rules?.[0]?.host).toBe('mcp.acme.example');
    expect(ingress.spec?.tls).toEqual([{ hosts: ['mcp.acme.example'], secretName: 'acme-tls' }]);
    expect(deployment(objects).spec?.replicas).toBe(3);
  });

  describe('of a tuned tenant', () => {
    const pod: NonNullable<NextcloudMcp['spec']['pod']> = {
      resources: {
        proxy: { requests: { cpu: '0.25' }, limits: { cpu: 1, memory: '1024Mi' } },
        server: { requests: { memory: '128Mi' } },
      },
      imagePullSecrets: [{ name: 'registry' }],
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'mcp', effect: 'NoSchedule' }],
      affinity: {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname' } },
          ],
        },
      },
      annotations: { 'sidecar.istio.io/inject': 'false' },
      labels: { team: 'platform' },
      priorityClassName: 'tenant-high',
    };
    const withPod = (tuning: typeof pod | undefined, more: Partial<NextcloudMcp['spec']> = {}) =>
      desiredObjects({
        ...input,
        resource: { ...resource, spec: { ...resource.spec, pod: tuning, ...more } },
      });
    const template = (objects: { kind?: string }[]) => deployment(objects).spec?.template;
    const resourcesOf = (objects: { kind?: string }[]) =>
      template(objects)?.spec?.containers.map((container) => container.resources);

    it('put every pod field into the pod template, quantities as the API server writes them', () => {
      const tuned = template(withPod(pod));
      expect(tuned?.spec).toMatchObject({
        imagePullSecrets: [{ name: 'registry' }],
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        tolerations: pod.tolerations,
        affinity: pod.affinity,
        priorityClassName: 'tenant-high',
      });
      expect(resourcesOf(withPod(pod))).toEqual([
        { requests: { cpu: '250m', memory: '96Mi' }, limits: { cpu: '1', memory: '1Gi' } },
        { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '192Mi' } },
      ]);
      expect(tuned?.metadata?.annotations).toMatchObject({ 'sidecar.istio.io/inject': 'false' });
      expect(tuned?.metadata?.annotations?.[CONFIG_HASH_ANNOTATION]).toBe(hash(desiredObjects(input)));
      expect(tuned?.metadata?.labels).toEqual({ ...labelsFor(resource), team: 'platform' });
    });

    it("keep today's pod without tuning: default sizes and none of the fields", () => {
      const plain = template(desiredObjects(input))?.spec;
      for (const field of [
        'imagePullSecrets',
        'nodeSelector',
        'tolerations',
        'affinity',
        'priorityClassName',
      ])
        expect(plain).not.toHaveProperty(field);
      expect(resourcesOf(desiredObjects(input))).toEqual([
        { requests: { cpu: '50m', memory: '96Mi' }, limits: { memory: '192Mi' } },
        { requests: { cpu: '50m', memory: '96Mi' }, limits: { memory: '192Mi' } },
      ]);
      expect(withPod({})).toEqual(desiredObjects(input));
    });

    it("never let the tenant's labels or annotations replace the operator's own", () => {
      const forged = template(
        withPod({
          labels: { 'app.kubernetes.io/instance': 'other', team: 'a' },
          annotations: { [CONFIG_HASH_ANNOTATION]: 'forged' },
        }),
      );
      expect(forged?.metadata?.labels?.['app.kubernetes.io/instance']).toBe('acme');
      expect(forged?.metadata?.annotations?.[CONFIG_HASH_ANNOTATION]).toBe(hash(desiredObjects(input)));
      expect(deployment(withPod({ labels: { team: 'a' } })).spec?.selector).toEqual({
        matchLabels: labelsFor(resource),
      });
    });

    it('change the Deployment (so server-side apply rolls or drops) when a field comes or goes', () => {
      const applied = (objects: { kind?: string }[]) =>
        deployment(objects).metadata?.annotations?.[APPLIED_HASH_ANNOTATION];
      const before = applied(withPod(pod));
      expect(applied(desiredObjects(input))).not.toBe(before);
      expect(applied(withPod({ ...pod, priorityClassName: undefined }))).not.toBe(before);
      expect(applied(withPod({ ...pod, nodeSelector: { pool: 'b' } }))).not.toBe(before);
    });

    it("annotate the Ingress as asked, the operator's applied-hash kept", () => {
      const annotations = {
        'cert-manager.io/cluster-issuer': 'letsencrypt',
        'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600',
        'nginx.ingress.kubernetes.io/proxy-buffering': 'off',
      };
      const ingressOf = (objects: { kind?: string }[]) =>
        objects.find((o) => o.kind === 'Ingress') as V1Ingress;
      const annotated = ingressOf(withPod(undefined, { ingress: { annotations } }));
      expect(annotated.metadata?.annotations).toMatchObject(annotations);
      expect(annotated.metadata?.annotations?.[APPLIED_HASH_ANNOTATION]).toMatch(/^[0-9a-f]{16}$/);
      const plain = ingressOf(withPod(undefined, { ingress: {} })).metadata?.annotations ?? {};
      expect(Object.keys(plain)).toEqual([APPLIED_HASH_ANNOTATION]);
    });
  });
});

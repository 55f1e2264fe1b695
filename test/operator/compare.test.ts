import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { NextcloudMcp } from '../../contract/index.js';
import { tenant } from '../../dev/tenant-spec.js';
import { satisfies } from '../../operator/compare.js';
import { desiredObjects } from '../../operator/desired.js';

const resource: NextcloudMcp = tenant('acme', { metadata: { namespace: 'tenant-acme', uid: 'uid-1' } });
const objects = desiredObjects({ resource, operatorImage: 'img:1', client: { id: 'c', secret: 's3cret' } });

/** What an API server hands back: the desired fields plus its own defaults and bookkeeping. */
function asStored<T extends { metadata?: object }>(object: T): T {
  const copy = structuredClone(object);
  return {
    ...copy,
    metadata: {
      ...copy.metadata,
      resourceVersion: '42',
      managedFields: [{ manager: 'nextcloud-mcp-operator' }],
    },
    status: { observedGeneration: 3 },
  };
}

describe('comparing desired and observed objects', () => {
  it('finds an object the cluster stores with extra fields unchanged', () => {
    const deployment = objects.find((object) => object.kind === 'Deployment') as V1Deployment;
    const stored = asStored(deployment);
    (stored.spec as { revisionHistoryLimit?: number }).revisionHistoryLimit = 10;
    expect(satisfies(deployment, stored)).toBe(true);
  });

  it('sees drift in a field the operator owns', () => {
    const deployment = objects.find((object) => object.kind === 'Deployment') as V1Deployment;
    const stored = asStored(deployment);
    if (stored.spec) stored.spec.replicas = 5;
    expect(satisfies(deployment, stored)).toBe(false);
    const dropped = asStored(deployment);
    dropped.spec?.template.spec?.containers.pop();
    expect(satisfies(deployment, dropped)).toBe(false);
  });

  it('takes an empty list or map asked for as held by an object that leaves it out, as the API server does', () => {
    expect(satisfies({ spec: { nodeSelector: {}, tolerations: [] } }, { spec: {} })).toBe(true);
    expect(satisfies({ spec: { nodeSelector: { pool: 'a' } } }, { spec: {} })).toBe(false);
    expect(satisfies({ spec: { tolerations: [] } }, { spec: { tolerations: [{ key: 'k' }] } })).toBe(false);
  });
});

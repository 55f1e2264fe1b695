import { describe, expect, it } from 'vitest';
import { nextConditions, sameConditions } from '../../operator/conditions.js';

const ok = [
  { type: 'IdentityConfigured', status: 'True', reason: 'ClientRegistered', message: 'client mcp-acme' },
  { type: 'WorkloadAvailable', status: 'True', reason: 'MinimumReplicasAvailable', message: '2/2 ready' },
] as const;

describe('status conditions', () => {
  it('are Ready only when every other condition is True, with the failing reason otherwise', () => {
    const ready = nextConditions(undefined, ok, 1, 't1');
    expect(ready[0]).toMatchObject({
      type: 'Ready',
      status: 'True',
      observedGeneration: 1,
      lastTransitionTime: 't1',
    });
    const failing = nextConditions(
      ready,
      [
        ok[0],
        {
          type: 'WorkloadAvailable',
          status: 'False',
          reason: 'ImagePullBackOff',
          message: 'image not found',
        },
      ],
      2,
      't2',
    );
    expect(failing[0]).toMatchObject({
      status: 'False',
      reason: 'ImagePullBackOff',
      message: 'image not found',
    });
  });

  it('move lastTransitionTime only when a status changes, so a steady state writes nothing', () => {
    const first = nextConditions(undefined, ok, 1, 't1');
    const again = nextConditions(first, ok, 1, 't2');
    expect(again.map((condition) => condition.lastTransitionTime)).toEqual(['t1', 't1', 't1']);
    expect(sameConditions(first, again)).toBe(true);
    const changed = nextConditions(
      first,
      [ok[0], { ...ok[1], status: 'False', reason: 'Progressing', message: '1/2 ready' }],
      1,
      't3',
    );
    expect(changed.map((condition) => condition.lastTransitionTime)).toEqual(['t3', 't1', 't3']);
    expect(sameConditions(first, changed)).toBe(false);
  });

  it('compare regardless of key order, as the API server returns them sorted by name', () => {
    const first = nextConditions(undefined, ok, 1, 't1');
    const sorted = first.map((condition) =>
      Object.fromEntries(Object.entries(condition).sort(([a], [b]) => a.localeCompare(b))),
    ) as typeof first;
    expect(sameConditions(sorted, nextConditions(sorted, ok, 1, 't2'))).toBe(true);
  });
});

import type { Condition } from '../contract/index.js';
import { satisfies } from './compare.js';

type ConditionType = Condition['type'];

/** A condition as a reconcile step reports it; times and generations are filled in here. */
export interface ConditionUpdate {
  readonly type: Exclude<ConditionType, 'Ready'>;
  readonly status: Condition['status'];
  readonly reason: string;
  readonly message: string;
}

/**
 * The next conditions list: `lastTransitionTime` moves only when a condition's status changes
 * (as metav1.Condition requires), and `Ready` is True only when every other condition is.
 */
export function nextConditions(
  previous: readonly Condition[] | undefined,
  updates: readonly ConditionUpdate[],
  generation: number,
  now: string,
): Condition[] {
  const byType = new Map((previous ?? []).map((condition) => [condition.type, condition]));
  const merge = (update: Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>): Condition => {
    const before = byType.get(update.type);
    return {
      ...update,
      observedGeneration: generation,
      lastTransitionTime: before && before.status === update.status ? before.lastTransitionTime : now,
    };
  };
  // Conditions this reconcile did not assess keep what they said (e.g. during deletion).
  const updated = new Set(updates.map((update) => update.type));
  const kept = (previous ?? []).filter((c) => c.type !== 'Ready' && !updated.has(c.type));
  const others = [...updates.map(merge), ...kept];
  const failing = others.find((condition) => condition.status !== 'True');
  const ready = merge(
    failing
      ? { type: 'Ready', status: 'False', reason: failing.reason, message: failing.message }
      : { type: 'Ready', status: 'True', reason: 'Ready', message: 'The MCP endpoint is serving' },
  );
  return [ready, ...others];
}

/**
 * Whether two conditions lists say the same thing (so a status write would change nothing). Key
 * order does not count: the API server returns a custom resource's fields sorted by name.
 */
export function sameConditions(a: readonly Condition[] | undefined, b: readonly Condition[]): boolean {
  return satisfies(a ?? [], b) && satisfies(b, a ?? []);
}

/**
 * Whether `observed` already holds every field `desired` sets, with the same value. Fields only
 * the cluster sets (status, defaults, managed fields) are ignored, so an object that matches
 * needs no apply: a steady-state reconcile makes no write.
 */
export function satisfies(desired: unknown, observed: unknown): boolean {
  // The API server stores no empty list or map (Go's omitempty): asking for one asks for nothing.
  if (observed === undefined && isEmpty(desired)) return true;
  if (Array.isArray(desired)) {
    return (
      Array.isArray(observed) &&
      desired.length === observed.length &&
      desired.every((item, index) => satisfies(item, observed[index]))
    );
  }
  if (typeof desired === 'object' && desired !== null) {
    if (typeof observed !== 'object' || observed === null) return false;
    return Object.entries(desired).every(([key, value]) =>
      satisfies(value, (observed as Record<string, unknown>)[key]),
    );
  }
  return desired === observed;
}

const isEmpty = (value: unknown) =>
  Array.isArray(value)
    ? value.length === 0
    : typeof value === 'object' && value !== null && Object.keys(value).length === 0;

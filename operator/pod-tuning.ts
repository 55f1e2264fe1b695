import type { V1Affinity, V1PodSpec, V1ResourceRequirements, V1Toleration } from '@kubernetes/client-node';
import {
  type ContainerResources,
  DEFAULT_RESOURCES,
  type PodTuning,
  type Quantities,
  type Quantity,
} from '../contract/index.js';

/**
 * A quantity as the API server writes it back (`"0.5"` → `"500m"`, `"1024Mi"` → `"1Gi"`), for the
 * forms the CRD admits: the reconciler compares what it wants with what the cluster holds, and a
 * spelling the cluster rewrites would look changed on every pass and be applied again and again.
 */
export function canonicalQuantity(resource: 'cpu' | 'memory', quantity: Quantity): string {
  const text = String(quantity);
  if (resource === 'cpu') {
    // The CRD allows three decimals at most: whole millicores, which rounding recovers exactly.
    const millis = text.endsWith('m') ? Number(text.slice(0, -1)) : Math.round(Number(text) * 1000);
    return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
  }
  const match = /^(\d+)(Ki|Mi|Gi|k|M|G)?$/.exec(text);
  if (!match) return text;
  const suffix = match[2] ?? '';
  const binary = suffix.endsWith('i');
  const step = binary ? 1024 : 1000;
  const units = binary ? ['', 'Ki', 'Mi', 'Gi', 'Ti'] : ['', 'k', 'M', 'G', 'T'];
  let value = Number(match[1]) * step ** units.indexOf(suffix);
  // Kubernetes writes a binary quantity under 1Ki, and zero, as a plain decimal number.
  if (value === 0 || (binary && value < 1024)) return String(value);
  let unit = 0;
  while (value % step === 0 && unit < units.length - 1) {
    value /= step;
    unit++;
  }
  return `${value}${units[unit]}`;
}

function quantities(asked: Quantities | undefined, defaults: Quantities): Record<string, string> {
  const merged = { ...defaults, ...asked };
  return Object.fromEntries(
    (['cpu', 'memory'] as const).flatMap((resource) => {
      const value = merged[resource];
      return value === undefined ? [] : [[resource, canonicalQuantity(resource, value)]];
    }),
  );
}

/** A container's requests and limits: each quantity the spec leaves out keeps its default. */
export function containerResources(asked: ContainerResources | undefined): V1ResourceRequirements {
  const limits = quantities(asked?.limits, DEFAULT_RESOURCES.limits);
  return { requests: quantities(asked?.requests, DEFAULT_RESOURCES.requests), limits };
}

/**
 * The pod-spec fields `spec.pod` sets, and only those: a field the spec leaves out is absent, so
 * server-side apply drops it from the Deployment when the spec stops asking for it.
 */
export function podSpecTuning(pod: PodTuning | undefined): Partial<V1PodSpec> {
  return {
    ...(pod?.imagePullSecrets
      ? { imagePullSecrets: pod.imagePullSecrets.map(({ name }) => ({ name })) }
      : {}),
    ...(pod?.nodeSelector ? { nodeSelector: { ...pod.nodeSelector } } : {}),
    // The contract's types are Kubernetes' own, read-only: the client's are the same, writable.
    ...(pod?.tolerations ? { tolerations: pod.tolerations as V1Toleration[] } : {}),
    ...(pod?.affinity ? { affinity: pod.affinity as V1Affinity } : {}),
    ...(pod?.priorityClassName ? { priorityClassName: pod.priorityClassName } : {}),
  };
}

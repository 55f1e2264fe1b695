import { z } from 'zod';
import { commaList, loadEnv, logLevel } from '../config/env.js';

/** One DNS name of lowercase labels: no wildcard, no empty label. */
const DNS_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

const ConfigSchema = z.object({
  /** The image tenant pods run unless a resource overrides it: the operator's own. */
  OPERATOR_IMAGE: z.string().min(1),
  /**
   * Images a resource's `spec.image` may name besides OPERATOR_IMAGE, comma-separated; the platform
   * team's list, since a tenant's pod holds the tenant's client secret and users' tokens.
   */
  TENANT_IMAGES: commaList.default([]),
  /**
   * Domains a resource's Ingress host may be or be under, comma-separated; none allows no Ingress,
   * since on a shared ingress controller a host is a claim on everyone's traffic for it.
   */
  TENANT_INGRESS_DOMAINS: commaList
    .pipe(
      z.array(
        z
          .string()
          .transform((domain) => domain.toLowerCase())
          .pipe(
            z
              .string()
              .regex(DNS_NAME, 'a domain such as example.com (its subdomains are allowed too), no wildcard'),
          ),
      ),
    )
    .default([]),
  WORKERS: z.coerce.number().int().min(1).max(64).default(4),
  LOG_LEVEL: logLevel,
  /** A kubeconfig file; inside a cluster the pod's service account is used when absent. */
  KUBECONFIG: z.string().min(1).optional(),
  /** Where the leader-election Lease lives (the operator's namespace) and who this replica is. */
  POD_NAMESPACE: z.string().min(1).default('default'),
  POD_NAME: z.string().min(1).default(`operator-${process.pid}`),
  LEASE_DURATION_SECONDS: z.coerce.number().int().min(5).max(300).default(15),
  /** Only this namespace's resources are reconciled; every namespace when unset. */
  WATCH_NAMESPACE: z.string().min(1).optional(),
  /** Probes (/healthz, /readyz) and Prometheus /metrics; 0 picks a free port (tests). */
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  /** Every resource is reconciled again this often even when nothing was reported. */
  RESYNC_SECONDS: z.coerce.number().int().min(10).max(86_400).default(600),
});

export type OperatorConfig = z.output<typeof ConfigSchema>;

/** Parses the operator's environment once; see `config/env.ts` for the error's shape. */
export function loadOperatorConfig(env: NodeJS.ProcessEnv): OperatorConfig {
  return loadEnv(ConfigSchema, env);
}

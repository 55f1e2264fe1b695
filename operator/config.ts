import { KubeConfig } from '@kubernetes/client-node';
import { z } from 'zod';
import type { Program } from '../config/cli.js';
import { ConfigError, commaList, loadEnv, logLevel } from '../config/env.js';

/** One DNS name of lowercase labels: no wildcard, no empty label. */
const DNS_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

const ConfigSchema = z.object({
  OPERATOR_IMAGE: z
    .string()
    .min(1)
    .describe("the image tenant pods run unless a resource names another: the operator's own"),
  // The platform team's list, since a tenant's pod holds the tenant's client secret and users' tokens.
  TENANT_IMAGES: commaList
    .default([])
    .describe("more images a resource's spec.image may name, comma-separated"),
  // On a shared ingress controller a host is a claim on everyone's traffic for it.
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
    .default([])
    .describe('domains an Ingress host may be or be under, comma-separated; none allows no Ingress'),
  WORKERS: z.coerce.number().int().min(1).max(64).default(4).describe('resources reconciled at once'),
  LOG_LEVEL: logLevel,
  KUBECONFIG: z
    .string()
    .min(1)
    .optional()
    .describe("a kubeconfig file; unset inside a cluster, where the pod's service account is used"),
  KUBERNETES_SERVICE_HOST: z
    .string()
    .min(1)
    .optional()
    .describe('set by Kubernetes in every pod (not by you): tells the operator it runs in a cluster'),
  POD_NAMESPACE: z
    .string()
    .min(1)
    .default('default')
    .describe("the operator's namespace, where its leader-election Lease lives"),
  POD_NAME: z
    .string()
    .min(1)
    .default(`operator-${process.pid}`)
    .describe("this replica's name, the Lease holder's identity"),
  LEASE_DURATION_SECONDS: z.coerce
    .number()
    .int()
    .min(5)
    .max(300)
    .default(15)
    .describe('how long a leader holds the Lease unrenewed before a standby takes over, s'),
  WATCH_NAMESPACE: z
    .string()
    .min(1)
    .optional()
    .describe("only this namespace's resources are reconciled; every namespace when unset"),
  HTTP_PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .default(8081)
    .describe('port of the probes (/healthz, /readyz) and Prometheus /metrics; 0 picks one'),
  // Picks up what no watch reports (a user's Secret, an IdP's drift).
  RESYNC_SECONDS: z.coerce
    .number()
    .int()
    .min(10)
    .max(86_400)
    .default(600)
    .describe('every resource is reconciled again this often even when nothing changed, s'),
});

const OPERATOR_ENV = { schema: ConfigSchema } as const;

export type OperatorConfig = z.output<typeof ConfigSchema>;

/** Parses the operator's environment once; see `config/env.ts` for the error's shape. */
export function loadOperatorConfig(env: NodeJS.ProcessEnv): OperatorConfig {
  return loadEnv(OPERATOR_ENV, env);
}

/** The cluster to work on: KUBECONFIG's, or the pod's own; a file that cannot be read is a config error. */
export function loadKubeConfig(config: OperatorConfig): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (!config.KUBECONFIG) {
    if (!config.KUBERNETES_SERVICE_HOST) {
      throw new ConfigError(['KUBECONFIG: required outside a cluster (KUBERNETES_SERVICE_HOST is not set)']);
    }
    kubeConfig.loadFromCluster();
    return kubeConfig;
  }
  try {
    kubeConfig.loadFromFile(config.KUBECONFIG);
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError([`KUBECONFIG: cannot read ${config.KUBECONFIG} (${why})`]);
  }
  return kubeConfig;
}

export const OPERATOR_PROGRAM: Program<OperatorConfig> = {
  name: 'nextcloud-mcp-operator',
  summary:
    'the Kubernetes operator: for each NextcloudMcp resource, deploys its MCP server and proxy and registers its OAuth client',
  entry: 'operator/main',
  env: OPERATOR_ENV,
  load: loadOperatorConfig,
};

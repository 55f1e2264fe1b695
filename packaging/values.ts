import { z } from 'zod';
import { RESTRICTED_CONTAINER_SECURITY, RESTRICTED_POD_SECURITY } from '../contract/index.js';

/** What the API accepts as a non-negative quantity: its own syntax, or a plain number (`cpu: 1`). */
const Quantity = z.union([
  z
    .string()
    .regex(
      /^(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/,
      'a Kubernetes quantity',
    ),
  z.number().nonnegative(),
]);
/**
 * A toleration, field by field: Helm sends objects without strict field validation, so a
 * misspelt key would be dropped by the API with only a warning.
 */
const Toleration = z.strictObject({
  key: z.string().optional(),
  operator: z.string().optional(),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
  tolerationSeconds: z.number().int().optional(),
});
const Labels = z.record(z.string(), z.string()).default({});
/** A DNS label, or empty for "derive it": what a name override must be to name every object. */
const NameOverride = z
  .string()
  .max(63)
  .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$/, 'a DNS label')
  .default('');
/*
 * Security contexts field by field, for the reason tolerations are: a misspelt key would be
 * dropped, and the pod would run without the setting its author meant.
 */
const Profile = z.strictObject({
  type: z.enum(['RuntimeDefault', 'Localhost', 'Unconfined']),
  localhostProfile: z.string().optional(),
});
const SELinuxOptions = z
  .strictObject({ user: z.string(), role: z.string(), type: z.string(), level: z.string() })
  .partial();
const PodSecurityContext = z
  .strictObject({
    runAsNonRoot: z.boolean(),
    runAsUser: z.number().int().min(0),
    runAsGroup: z.number().int().min(0),
    fsGroup: z.number().int().min(0),
    fsGroupChangePolicy: z.enum(['OnRootMismatch', 'Always']),
    supplementalGroups: z.array(z.number().int().min(0)),
    supplementalGroupsPolicy: z.enum(['Merge', 'Strict']),
    seccompProfile: Profile,
    appArmorProfile: Profile,
    seLinuxOptions: SELinuxOptions,
    sysctls: z.array(z.strictObject({ name: z.string().min(1), value: z.string() })),
  })
  .partial();
const ContainerSecurityContext = z
  .strictObject({
    allowPrivilegeEscalation: z.boolean(),
    readOnlyRootFilesystem: z.boolean(),
    privileged: z.boolean(),
    runAsNonRoot: z.boolean(),
    runAsUser: z.number().int().min(0),
    runAsGroup: z.number().int().min(0),
    capabilities: z.strictObject({ add: z.array(z.string()), drop: z.array(z.string()) }).partial(),
    seccompProfile: Profile,
    appArmorProfile: Profile,
    seLinuxOptions: SELinuxOptions,
    procMount: z.enum(['Default', 'Unmasked']),
  })
  .partial();
/**
 * Labels for the pods beyond the chart's own: a key the chart sets (`app.kubernetes.io/…`,
 * `helm.sh/…`) would be written twice, and the selector could stop matching its pods.
 */
const RESERVED_LABEL = /^(app\.kubernetes\.io|helm\.sh)\//;
const PodLabelKey = z.string().refine((key) => !RESERVED_LABEL.test(key), 'a label the chart sets itself');
const PodLabels = z.record(PodLabelKey, z.string()).default({});

/** The API's Affinity: its three kinds are checked by name, each passed on as written. */
const Affinity = z
  .strictObject({
    nodeAffinity: z.record(z.string(), z.unknown()),
    podAffinity: z.record(z.string(), z.unknown()),
    podAntiAffinity: z.record(z.string(), z.unknown()),
  })
  .partial();
const LabelSelector = z.strictObject({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z
    .array(
      z.strictObject({
        key: z.string().min(1),
        operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
        values: z.array(z.string()).optional(),
      }),
    )
    .optional(),
});
/**
 * A NetworkPolicy egress rule, field by field. `to` is required and never empty: a rule without
 * destinations allows its ports to anywhere, which is what the policy is there to prevent.
 */
const EgressRule = z.strictObject({
  to: z
    .array(
      z.strictObject({
        ipBlock: z
          .strictObject({ cidr: z.string().min(1), except: z.array(z.string()).optional() })
          .optional(),
        namespaceSelector: LabelSelector.optional(),
        podSelector: LabelSelector.optional(),
      }),
    )
    .min(1),
  ports: z
    .array(
      z.strictObject({
        port: z.union([z.number().int().min(1).max(65_535), z.string().min(1)]),
        protocol: z.enum(['TCP', 'UDP', 'SCTP']).optional(),
        endPort: z.number().int().min(1).max(65_535).optional(),
      }),
    )
    .optional(),
});
const KUBE_DNS = [
  {
    to: [
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
        podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
      },
    ],
    ports: [
      { port: 53, protocol: 'UDP' as const },
      { port: 53, protocol: 'TCP' as const },
    ],
  },
];

/**
 * The Helm chart's values: one schema gives `values.yaml` (its defaults), `values.schema.json`
 * (so `helm install` refuses bad values) and the `deploy/` manifests (rendered with the defaults).
 */
export const ValuesSchema = z.strictObject({
  /** Values a parent chart shares with its subcharts; this chart reads none of them. */
  global: z.record(z.string(), z.unknown()).optional(),
  /** Replaces the chart's name in object names and the `app.kubernetes.io/name` label. */
  nameOverride: NameOverride,
  /** Replaces the whole `<release>-<name>` object name. */
  fullnameOverride: NameOverride,
  image: z
    .strictObject({
      repository: z.string().min(1).default('ghcr.io/nextcloud-mcp-k8s/nextcloud-mcp'),
      /** Defaults to the chart's appVersion; tenant pods run the same image unless a resource overrides it. */
      tag: z.string().min(1).optional(),
      pullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent'),
    })
    .default({ repository: 'ghcr.io/nextcloud-mcp-k8s/nextcloud-mcp', pullPolicy: 'IfNotPresent' }),
  /**
   * Images a NextcloudMcp's `spec.image` may name besides the operator's own, comma-separated (the
   * operator's TENANT_IMAGES). Tenant pods hold the tenant's client secret and its users' tokens, so
   * only the platform team picks what runs there; any other image is refused (`ImageNotAllowed`).
   */
  tenantImages: z.string().default(''),
  /**
   * Domains a NextcloudMcp's Ingress host may be or be under, comma-separated (the operator's
   * TENANT_INGRESS_DOMAINS; `example.com` allows it and `*.example.com`). On a shared ingress
   * controller a host is a claim on its traffic, so none are allowed until the platform team says
   * which (`HostNotAllowed`); resources without `spec.ingress` are unaffected.
   */
  tenantIngressDomains: z
    .string()
    .regex(/^[A-Za-z0-9.,\s-]*$/, 'comma-separated domains, without wildcards')
    .default(''),
  imagePullSecrets: z.array(z.strictObject({ name: z.string().min(1) })).default([]),
  /** Two replicas elect a leader on a Lease: one reconciles, the other takes over. */
  replicas: z.number().int().min(1).max(5).default(2),
  workers: z.number().int().min(1).max(64).default(4),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  resyncSeconds: z.number().int().min(10).max(86_400).default(600),
  leaseDurationSeconds: z.number().int().min(5).max(300).default(15),
  resources: z
    .strictObject({
      requests: z.strictObject({ cpu: Quantity, memory: Quantity }).partial().default({}),
      limits: z.strictObject({ cpu: Quantity, memory: Quantity }).partial().default({}),
    })
    .default({ requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } }),
  serviceAccount: z
    .strictObject({
      /** Off: the pods run as an existing ServiceAccount (`name`, else `default`), still bound by the chart's RBAC. */
      create: z.boolean().default(true),
      /** Defaults to the release's full name. */
      name: z.string().max(253).optional(),
      annotations: Labels,
    })
    .default({ create: true, annotations: {} }),
  nodeSelector: Labels,
  tolerations: z.array(Toleration).default([]),
  /** Replaces the default, which spreads the replicas over nodes. */
  affinity: Affinity.default({}),
  priorityClassName: z.string().min(1).optional(),
  podAnnotations: Labels,
  /** Added to the pods' labels. */
  podLabels: PodLabels,
  /** Helm merges these with the defaults key by key: set a key to change it, `null` to drop it. */
  podSecurityContext: PodSecurityContext.default(
    RESTRICTED_POD_SECURITY as z.input<typeof PodSecurityContext>,
  ),
  securityContext: ContainerSecurityContext.default(
    RESTRICTED_CONTAINER_SECURITY as z.input<typeof ContainerSecurityContext>,
  ),
  podDisruptionBudget: z
    .strictObject({
      /** Made only with more than one replica: with one, any budget would block every node drain. */
      enabled: z.boolean().default(true),
      maxUnavailable: z
        .union([z.number().int().min(1), z.string().regex(/^[0-9]{1,3}%$/, 'a percentage')])
        .default(1),
    })
    .default({ enabled: true, maxUnavailable: 1 }),
  networkPolicy: z
    .strictObject({
      /**
       * A NetworkPolicy on the operator's pods allowing egress only to these rules' destinations.
       * The operator sends requests to URLs tenants name (issuers, Keycloak, registration
       * endpoints); without it a tenant can make the operator's pod reach any address its network
       * reaches, cluster-internal ones included.
       */
      egress: z
        .strictObject({
          enabled: z.boolean().default(false),
          /** Cluster DNS; the default is kube-dns (CoreDNS) in kube-system. */
          dns: z.array(EgressRule).default(KUBE_DNS),
          /**
           * The Kubernetes API server: its endpoints' addresses and port (`kubectl get endpointslices
           * -n default -l kubernetes.io/service-name=kubernetes`), since policies see traffic after the
           * Service's address is translated. None by default: the operator cannot work until set.
           */
          apiServer: z.array(EgressRule).default([]),
          /** The identity providers tenants may use: Keycloak and issuers, in or outside the cluster. */
          identityProviders: z.array(EgressRule).default([]),
        })
        .default({ enabled: false, dns: KUBE_DNS, apiServer: [], identityProviders: [] }),
    })
    .default({ egress: { enabled: false, dns: KUBE_DNS, apiServer: [], identityProviders: [] } }),
  metrics: z
    .strictObject({
      port: z.number().int().min(1024).max(65_535).default(8081),
      serviceMonitor: z
        .strictObject({
          /** Needs the Prometheus Operator's CRDs. */
          enabled: z.boolean().default(false),
          interval: z
            .string()
            .regex(/^[0-9]+(s|m)$/)
            .default('30s'),
          labels: Labels,
        })
        .default({ enabled: false, interval: '30s', labels: {} }),
      /**
       * A PodMonitor for the tenants' proxies, where `mcp_proxy_*` (and the alerts on it) come from:
       * made with the ServiceMonitor, with its interval and labels, unless turned off here.
       */
      podMonitor: z
        .strictObject({
          enabled: z.boolean().default(true),
          /** Namespaces whose tenants are scraped; every namespace when empty. */
          namespaces: z.array(z.string().min(1)).default([]),
        })
        .default({ enabled: true, namespaces: [] }),
      prometheusRule: z
        .strictObject({ enabled: z.boolean().default(false), labels: Labels })
        .default({ enabled: false, labels: {} }),
    })
    .default({
      port: 8081,
      serviceMonitor: { enabled: false, interval: '30s', labels: {} },
      podMonitor: { enabled: true, namespaces: [] },
      prometheusRule: { enabled: false, labels: {} },
    }),
});

export type Values = z.output<typeof ValuesSchema>;

/** The defaults, as `values.yaml` states them. */
export const DEFAULT_VALUES: Values = ValuesSchema.parse({});

/** `values.schema.json`: JSON Schema draft 7, which every Helm 3 validates values against. */
export function valuesJsonSchema(): unknown {
  return z.toJSONSchema(ValuesSchema, {
    target: 'draft-7',
    io: 'input',
    // JSON Schema cannot say a refinement; this one it can say in its own terms.
    override: ({ zodSchema, jsonSchema }) => {
      if (zodSchema === PodLabelKey) jsonSchema.not = { pattern: RESERVED_LABEL.source };
    },
  });
}

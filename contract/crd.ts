import type { App } from './scopes.js';

/** API group of the custom resource. */
export const CRD_GROUP = 'nextcloud-mcp.io';
/** The served and stored version. */
export const CRD_VERSION = 'v1alpha1';
/** Kind, plural and short name as the CRD declares them. */
export const CRD_KIND = 'NextcloudMcp';
export const CRD_PLURAL = 'nextcloudmcps';
export const CRD_SHORT_NAME = 'ncmcp';

/**
 * A reference to a Secret in the resource's namespace. The operator reads it only when it carries
 * `CREDENTIALS_LABEL: "true"`, and only its fixed keys: whoever may create a NextcloudMcp cannot
 * thereby make the operator read (and send on) any other Secret of the namespace.
 */
export interface SecretRef {
  readonly name: string;
}

/** The label a Secret's owner sets to let the operator read it on a NextcloudMcp's behalf. */
export const CREDENTIALS_LABEL = 'nextcloud-mcp.io/credentials';

/** The operator manages clients, scopes and mappers in this Keycloak realm. */
export interface KeycloakIdentity {
  /** Keycloak's base URL for the admin API; defaults to the issuer's origin. */
  readonly url?: string;
  readonly realm: string;
  /**
   * Secret with the operator's Keycloak account: `clientId` and `clientSecret` of a confidential
   * client of this realm whose service account holds realm-management's `manage-clients` and
   * `manage-realm` (recommended; docs/install.md), or `username` and `password` of a user holding
   * them, with `realm` naming that user's realm (default `master`, whose admin can change every realm).
   */
  readonly adminCredentialsSecretRef: SecretRef;
  readonly clientIdMetadataDocuments?: ClientIdMetadataDocuments;
}

/**
 * MCP clients identified by the https URL of their metadata document (CIMD), through Keycloak's
 * experimental `cimd` feature: a client policy of the tenant's own in the realm. Dynamic
 * registration stays as it is, for clients without CIMD.
 */
export interface ClientIdMetadataDocuments {
  readonly enabled: boolean;
  /**
   * Hosts (or `*.` + a domain) Keycloak fetches documents from and accepts in a document's URLs,
   * its redirect URIs included: `localhost` and `127.0.0.1` for desktop clients' loopback redirects.
   */
  readonly trustedDomains?: readonly string[];
  /** Development only: documents over http (the CRD allows it only for loopback hosts). */
  readonly allowHttp?: boolean;
}

/** RFC 7591 dynamic registration with an initial access token, for any IdP. */
export interface RegistrationIdentity {
  /** Secret with the key `token`. */
  readonly initialAccessTokenSecretRef: SecretRef;
}

/** Exactly one of `keycloak`, `clientSecretRef`, `registration` (the CRD enforces it). */
export interface IdentitySpec {
  readonly issuerUrl: string;
  readonly keycloak?: KeycloakIdentity;
  /** Bring your own client: a Secret with `clientId` and `clientSecret`; nothing is managed. */
  readonly clientSecretRef?: SecretRef;
  readonly registration?: RegistrationIdentity;
}

/** A Kubernetes quantity as the CRD admits it: `"250m"`, `"0.5"`, `1`, `"256Mi"`. */
export type Quantity = string | number;

/** Requests or limits of one container. */
export interface Quantities {
  readonly cpu?: Quantity;
  readonly memory?: Quantity;
}

/** One container's requests and limits; what is left out keeps `DEFAULT_RESOURCES`' value. */
export interface ContainerResources {
  readonly requests?: Quantities;
  readonly limits?: Quantities;
}

/**
 * What the tenant containers get unless `spec.pod.resources` says otherwise, quantity by quantity.
 * The CRD's memory rule names the 192Mi limit too: a request above it needs a limit of its own.
 */
export const DEFAULT_RESOURCES = {
  requests: { cpu: '50m', memory: '96Mi' },
  limits: { memory: '192Mi' },
} as const satisfies ContainerResources;

/** A label or field requirement of a node selector term (operators as Kubernetes has them). */
export interface SelectorRequirement<Operator extends string> {
  readonly key: string;
  readonly operator: Operator;
  readonly values?: readonly string[];
}

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly SelectorRequirement<'In' | 'NotIn' | 'Exists' | 'DoesNotExist'>[];
}

type NodeOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
export interface NodeSelectorTerm {
  readonly matchExpressions?: readonly SelectorRequirement<NodeOperator>[];
  readonly matchFields?: readonly SelectorRequirement<NodeOperator>[];
}

export interface PodAffinityTerm {
  readonly labelSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly namespaces?: readonly string[];
  readonly topologyKey: string;
  readonly matchLabelKeys?: readonly string[];
  readonly mismatchLabelKeys?: readonly string[];
}

export interface PodAffinityTerms {
  readonly requiredDuringSchedulingIgnoredDuringExecution?: readonly PodAffinityTerm[];
  readonly preferredDuringSchedulingIgnoredDuringExecution?: readonly {
    readonly weight: number;
    readonly podAffinityTerm: PodAffinityTerm;
  }[];
}

/** A pod's `spec.affinity`, typed as Kubernetes has it, so the API server checks it at admission. */
export interface Affinity {
  readonly nodeAffinity?: {
    readonly requiredDuringSchedulingIgnoredDuringExecution?: {
      readonly nodeSelectorTerms: readonly NodeSelectorTerm[];
    };
    readonly preferredDuringSchedulingIgnoredDuringExecution?: readonly {
      readonly weight: number;
      readonly preference: NodeSelectorTerm;
    }[];
  };
  readonly podAffinity?: PodAffinityTerms;
  readonly podAntiAffinity?: PodAffinityTerms;
}

export interface Toleration {
  readonly key?: string;
  readonly operator?: 'Equal' | 'Exists';
  readonly value?: string;
  readonly effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  readonly tolerationSeconds?: number;
}

/**
 * `spec.pod`: what a platform team tunes on a tenant's pods. Each field goes into the Deployment's
 * pod template as it is (resources quantity by quantity over `DEFAULT_RESOURCES`); labels and
 * annotations cannot take the operator's own keys (the CRD refuses them).
 */
export interface PodTuning {
  readonly resources?: { readonly proxy?: ContainerResources; readonly server?: ContainerResources };
  readonly imagePullSecrets?: readonly { readonly name: string }[];
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly tolerations?: readonly Toleration[];
  readonly affinity?: Affinity;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly labels?: Readonly<Record<string, string>>;
  readonly priorityClassName?: string;
}

/** `spec` of a NextcloudMcp: one tenant's MCP endpoint. */
export interface NextcloudMcpSpec {
  readonly nextcloud: { readonly url: string; readonly audience?: string };
  /** External base URL; the protected resource is `publicUrl + "/mcp"`. */
  readonly publicUrl: string;
  /** Apps that exist for this tenant; all when absent. */
  readonly apps?: readonly App[];
  readonly identity: IdentitySpec;
  readonly auth?: { readonly mode?: 'exchange' | 'passthrough' };
  readonly replicas?: number;
  /** Overrides the image the operator itself runs with. */
  readonly image?: string;
  /** How the tenant's pods are scheduled, sized and marked; see `PodTuning`. */
  readonly pod?: PodTuning;
  readonly ingress?: {
    readonly className?: string;
    readonly host?: string;
    readonly tlsSecretName?: string;
    /** The Ingress's own annotations (cert-manager's issuer, the controller's timeouts and buffering). */
    readonly annotations?: Readonly<Record<string, string>>;
  };
  /**
   * Browser origins besides publicUrl's whose pages may call the endpoint; passed, with publicUrl's,
   * to the proxy as `ALLOWED_ORIGINS`.
   */
  readonly allowedOrigins?: readonly string[];
  /**
   * System tags whose files (and folders, with everything inside) no tool lists, reads, changes or
   * shares; passed to the server as `EXCLUDED_TAGS`.
   */
  readonly excludedTags?: readonly string[];
}

/** A `metav1.Condition`. */
export interface Condition {
  readonly type: 'Ready' | 'IdentityConfigured' | 'WorkloadAvailable';
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
  readonly observedGeneration?: number;
}

/** `status` of a NextcloudMcp, written by the operator only. */
export interface NextcloudMcpStatus {
  readonly observedGeneration?: number;
  readonly endpoint?: string;
  readonly clientId?: string;
  readonly conditions?: readonly Condition[];
}

/** The whole resource as the API server returns it. */
export interface NextcloudMcp {
  readonly apiVersion: `${typeof CRD_GROUP}/${typeof CRD_VERSION}`;
  readonly kind: typeof CRD_KIND;
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly uid?: string;
    readonly generation?: number;
    readonly resourceVersion?: string;
    readonly deletionTimestamp?: string;
    readonly finalizers?: readonly string[];
    readonly annotations?: Readonly<Record<string, string>>;
    readonly labels?: Readonly<Record<string, string>>;
  };
  readonly spec: NextcloudMcpSpec;
  readonly status?: NextcloudMcpStatus;
}

/**
 * Set on a NextcloudMcp to a new value (a timestamp, say) to rotate the proxy's client secret:
 * Keycloak generates a new one; `registration` mode registers a new client and deletes the old;
 * `clientSecretRef` re-reads the user's Secret. The pods roll with the new secret.
 */
export const ROTATE_SECRET_ANNOTATION = `${CRD_GROUP}/rotate-client-secret`;

/**
 * Escape hatch: `"true"` on a NextcloudMcp being deleted releases its finalizer without removing
 * anything at the identity provider (for an IdP that is gone for good). What the operator created
 * there is then left for an administrator to delete.
 */
export const SKIP_IDP_CLEANUP_ANNOTATION = `${CRD_GROUP}/skip-identity-cleanup`;

/**
 * `"true"` lets a tenant share its Keycloak realm with other tenants. Tool scopes are realm-wide,
 * so a token for one such tenant is accepted by the others; without this annotation the operator
 * refuses a realm another tenant already uses (condition reason `RealmShared`).
 */
export const ALLOW_SHARED_REALM_ANNOTATION = `${CRD_GROUP}/allow-shared-realm`;

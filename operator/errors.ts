import { ApiException } from '@kubernetes/client-node';

/**
 * Every code an operator error can carry: whether trying again with back-off may help
 * (`transient`) or the spec, or what it names, must change first; and for a failure the user must
 * see, the IdentityConfigured condition's reason (each one explained in docs/troubleshooting.md).
 */
const CODES = {
  ERR_SECRET_NOT_FOUND: { transient: false, reason: 'SecretNotFound' },
  ERR_SECRET_KEY_MISSING: { transient: false, reason: 'SecretKeyMissing' },
  ERR_SECRET_NOT_MARKED: { transient: false, reason: 'SecretNotMarked' },
  ERR_INVALID_SPEC: { transient: false, reason: 'InvalidSpec' },
  ERR_IMAGE_NOT_ALLOWED: { transient: false, reason: 'ImageNotAllowed' },
  ERR_HOST_NOT_ALLOWED: { transient: false, reason: 'HostNotAllowed' },
  ERR_REALM_SHARED: { transient: false, reason: 'RealmShared' },
  // Transient: the garbage collector may still be removing a deleted namesake's objects.
  ERR_NAME_CONFLICT: { transient: true, reason: 'NameConflict' },
  ERR_REGISTRATION_NOT_MANAGEABLE: { transient: false, reason: 'RegistrationNotManageable' },
  ERR_IDP_REJECTED: { transient: false, reason: 'IdentityProviderRejected' },
  ERR_IDP_UNAVAILABLE: { transient: true, reason: 'IdentityProviderUnavailable' },
  // Keycloak runs without `--features=cimd` (or predates it): only its restart with the flag helps.
  ERR_CIMD_UNSUPPORTED: { transient: false, reason: 'ClientIdMetadataDocumentsUnsupported' },
  // The API server refused an owned object built from the spec (a rule the CRD cannot express).
  ERR_WORKLOAD_REFUSED: { transient: false, reason: 'WorkloadRefused' },
  // The Kubernetes API's: no condition names them; the reconcile fails and is retried with back-off.
  ERR_KUBERNETES_NOT_FOUND: { transient: false },
  ERR_KUBERNETES_CONFLICT: { transient: true },
  ERR_KUBERNETES_REJECTED: { transient: false },
  ERR_KUBERNETES_UNAVAILABLE: { transient: true },
} as const satisfies Record<string, { transient: boolean; reason?: string }>;

export type OperatorErrorCode = keyof typeof CODES;

/** The base of every error the operator raises; `cause` keeps what a client threw. */
export abstract class OperatorError extends Error {
  abstract readonly code: OperatorErrorCode;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }

  get transient(): boolean {
    return CODES[this.code].transient;
  }

  /** The condition reason it is reported under; none for one that only retries. */
  get reason(): string | undefined {
    const code = CODES[this.code];
    return 'reason' in code ? code.reason : undefined;
  }
}

/** A Secret the spec names does not exist. */
export class SecretNotFound extends OperatorError {
  readonly code = 'ERR_SECRET_NOT_FOUND';
}
/** A Secret the spec names lacks a key the operator reads. */
export class SecretKeyMissing extends OperatorError {
  readonly code = 'ERR_SECRET_KEY_MISSING';
}
/** A Secret the spec names was not labelled for the operator by whoever owns it. */
export class SecretNotMarked extends OperatorError {
  readonly code = 'ERR_SECRET_NOT_MARKED';
}
/** A spec the CRD's schema let through but the operator cannot act on. */
export class InvalidSpec extends OperatorError {
  readonly code = 'ERR_INVALID_SPEC';
}
/** `spec.image` is not among the images the platform team allows. */
export class ImageNotAllowed extends OperatorError {
  readonly code = 'ERR_IMAGE_NOT_ALLOWED';
}
/** The host `spec.ingress` would claim is outside the domains the platform team allows. */
export class HostNotAllowed extends OperatorError {
  readonly code = 'ERR_HOST_NOT_ALLOWED';
}
/** Another tenant's audience is in the realm, and sharing it was not allowed. */
export class RealmShared extends OperatorError {
  readonly code = 'ERR_REALM_SHARED';
}
/** An object of an owned object's name exists that this resource does not control. */
export class NameConflict extends OperatorError {
  readonly code = 'ERR_NAME_CONFLICT';
}
/** The IdP registered a client without RFC 7592 management, so it could never be deleted. */
export class RegistrationNotManageable extends OperatorError {
  readonly code = 'ERR_REGISTRATION_NOT_MANAGEABLE';
}
/** The IdP refused (credentials, permissions, a missing realm or client, an answer of another shape). */
export class IdentityProviderRejected extends OperatorError {
  readonly code = 'ERR_IDP_REJECTED';
}
/** The IdP failed in a way that may pass (down, 5xx, 429, a timeout). */
export class IdentityProviderUnavailable extends OperatorError {
  readonly code = 'ERR_IDP_UNAVAILABLE';
}
/** Keycloak refused the client-id-metadata-document executor: its CIMD feature is off or missing. */
export class ClientIdMetadataDocumentsUnsupported extends OperatorError {
  readonly code = 'ERR_CIMD_UNSUPPORTED';
}
export class WorkloadRefused extends OperatorError {
  readonly code = 'ERR_WORKLOAD_REFUSED';
}
export class KubernetesNotFound extends OperatorError {
  readonly code = 'ERR_KUBERNETES_NOT_FOUND';
}
/** A write lost a race (a stale resourceVersion, a failed JSON patch `test`): read again and retry. */
export class KubernetesConflict extends OperatorError {
  readonly code = 'ERR_KUBERNETES_CONFLICT';
}
export class KubernetesRejected extends OperatorError {
  readonly code = 'ERR_KUBERNETES_REJECTED';
}
export class KubernetesUnavailable extends OperatorError {
  readonly code = 'ERR_KUBERNETES_UNAVAILABLE';
}

/**
 * The one place the Kubernetes client's failures become ours. A JSON patch whose `test` op fails
 * answers 422 Invalid: for a patch that carries one (`tested`), that is a lost race, not a bad request.
 */
export function fromKubernetes(error: unknown, options: { tested?: boolean } = {}): OperatorError {
  if (error instanceof OperatorError) return error;
  if (!(error instanceof ApiException)) {
    return new KubernetesUnavailable(`the Kubernetes API failed: ${messageOf(error)}`, { cause: error });
  }
  const message = `the Kubernetes API answered HTTP ${error.code}${statusMessage(error.body)}`;
  const Kind =
    error.code === 404
      ? KubernetesNotFound
      : error.code === 409 || (error.code === 422 && options.tested)
        ? KubernetesConflict
        : error.code === 429 || error.code >= 500
          ? KubernetesUnavailable
          : KubernetesRejected;
  return new Kind(message, { cause: error });
}

/**
 * The API server's 400 or 422 to applying an object the spec shaped (its pod, its Ingress):
 * something the CRD's schema let through that the object's own validation does not.
 */
export function refusedObject(
  object: { kind?: string; metadata?: { name?: string } },
  error: unknown,
): WorkloadRefused | undefined {
  if (!(error instanceof ApiException) || (error.code !== 400 && error.code !== 422)) return undefined;
  return new WorkloadRefused(
    `the API server refused the ${object.kind} ${object.metadata?.name}${statusMessage(error.body)}; change what it names in spec.pod or spec.ingress`,
    { cause: error },
  );
}

/** The Status message the apiserver sent along, if it did. */
function statusMessage(body: unknown): string {
  try {
    const status = (typeof body === 'string' ? JSON.parse(body) : body) as { message?: unknown } | undefined;
    return typeof status?.message === 'string' ? ` (${status.message})` : '';
  } catch {
    return '';
  }
}

export const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

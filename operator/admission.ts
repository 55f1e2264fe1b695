import type { NextcloudMcpSpec } from '../contract/index.js';
import { ingressHost } from './desired.js';
import { HostNotAllowed, ImageNotAllowed, type OperatorError } from './errors.js';

/**
 * What the platform team lets a tenant ask for (chart values, passed as the operator's env). A
 * spec that asks for more is refused before anything is written, and the condition says why.
 */
export interface AdmissionPolicy {
  /** The image tenant pods run unless `spec.image` names another. */
  readonly operatorImage: string;
  /** What `spec.image` may name besides the operator's image (TENANT_IMAGES). */
  readonly tenantImages?: readonly string[];
  /** Domains an Ingress host may be or be under (TENANT_INGRESS_DOMAINS); none allows no Ingress. */
  readonly ingressDomains?: readonly string[];
}

/** The first thing in `spec` the policy refuses; undefined when it allows all of it. */
export function refusedSpec(spec: NextcloudMcpSpec, policy: AdmissionPolicy): OperatorError | undefined {
  return refusedImage(spec, policy) ?? refusedHost(spec, policy);
}

/** A spec image the platform team did not allow: the pods would hold the tenant's credentials. */
function refusedImage(spec: NextcloudMcpSpec, policy: AdmissionPolicy): ImageNotAllowed | undefined {
  const { image } = spec;
  if (!image || image === policy.operatorImage || policy.tenantImages?.includes(image)) return undefined;
  return new ImageNotAllowed(
    `image ${image} is not one the operator may run; allowed: ${[policy.operatorImage, ...(policy.tenantImages ?? [])].join(', ')} (chart value tenantImages)`,
  );
}

/**
 * An Ingress host outside the platform's domains: on a shared ingress controller it would take
 * another tenant's (or the platform's) traffic. Checked is the host the Ingress claims, which is
 * publicUrl's when `ingress.host` is absent; publicUrl alone routes nothing.
 */
function refusedHost(spec: NextcloudMcpSpec, policy: AdmissionPolicy): HostNotAllowed | undefined {
  if (!spec.ingress) return undefined;
  const host = ingressHost(spec).toLowerCase();
  const domains = (policy.ingressDomains ?? []).map((domain) => domain.toLowerCase());
  // On label boundaries: evil-example.com is not under example.com.
  if (domains.some((domain) => host === domain || host.endsWith(`.${domain}`))) return undefined;
  return new HostNotAllowed(
    domains.length
      ? `ingress host ${host} is neither one of nor under the domains the platform team allows (${domains.join(', ')}; chart value tenantIngressDomains)`
      : `ingress host ${host} is not allowed: the platform team allows no ingress hosts yet (chart value tenantIngressDomains); leave spec.ingress out, or ask them for the domain`,
  );
}

import {
  CRD_GROUP,
  CRD_KIND,
  CRD_VERSION,
  CREDENTIALS_LABEL,
  type NextcloudMcp,
  type NextcloudMcpSpec,
} from '../contract/index.js';

/**
 * The spec every suite starts from: a Nextcloud, a public URL, and a client the user brings (no
 * IdP automation); `overrides` replace whole top-level fields.
 */
export const tenantSpec = (overrides: Partial<NextcloudMcpSpec> = {}): NextcloudMcpSpec => ({
  nextcloud: { url: 'https://cloud.acme.example' },
  publicUrl: 'https://mcp.acme.example',
  identity: { issuerUrl: 'https://sso.example/realms/acme', clientSecretRef: { name: 'client' } },
  ...overrides,
});

/**
 * A NextcloudMcp named `name` as a user applies it, on `tenantSpec(spec)`. Without a namespace
 * in `metadata` it is for a create call, which names the namespace itself.
 */
export const tenant = (
  name: string,
  { spec, metadata }: { spec?: Partial<NextcloudMcpSpec>; metadata?: Partial<NextcloudMcp['metadata']> } = {},
): NextcloudMcp => ({
  apiVersion: `${CRD_GROUP}/${CRD_VERSION}`,
  kind: CRD_KIND,
  metadata: { name, ...metadata } as NextcloudMcp['metadata'],
  spec: tenantSpec(spec),
});

/** Metadata of a Secret its owner marked for the operator to read (`CREDENTIALS_LABEL`). */
export const credentialsSecret = (name: string) => ({ name, labels: { [CREDENTIALS_LABEL]: 'true' } });

/**
 * What suites and benchmarks do with a real control plane of their own (`kubernetes.ts`): start it
 * with the CRD installed, count their own requests, read its audit log and write counts, and create
 * tenants as a user would.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CustomObjectsApi, KubeConfig, type RequestContext } from '@kubernetes/client-node';
import {
  CRD_GROUP,
  CRD_PLURAL,
  CRD_VERSION,
  type NextcloudMcp,
  type NextcloudMcpSpec,
} from '../contract/index.js';
import { tenant } from '../dev/tenant-spec.js';
import { type KubernetesOptions, startKubernetes } from './kubernetes.js';

/** Counts the requests and writes its own clients make (the apiserver's metrics count everyone's). */
export class CountingKubeConfig extends KubeConfig {
  writes = 0;
  requests = 0;
  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    this.requests++;
    if (String(context.getHttpMethod()) !== 'GET') this.writes++;
    await super.applySecurityAuthentication(context);
  }
}

/**
 * A control plane of a suite's own (its faults and counts touch no other suite), with the CRD
 * installed and an admin client; its audit log says who made which request.
 */
export async function startPrivateControlPlane(options: KubernetesOptions = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'control-plane-'));
  const peer = await startKubernetes(dir, { crds: 'crds/', ...options });
  const config = new CountingKubeConfig();
  config.loadFromFile(peer.kubeconfig);
  return {
    peer,
    config,
    /** The requests `username` made, as the apiserver audited them. */
    audited: (username: string) =>
      auditEvents(peer.auditLog).filter((event) => event.user.username === username),
    async stop() {
      await peer.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface AuditEvent {
  verb: string;
  user: { username: string };
  objectRef?: {
    resource?: string;
    subresource?: string;
    apiGroup?: string;
    namespace?: string;
    name?: string;
  };
  responseStatus?: { code?: number };
}

function auditEvents(file: string): AuditEvent[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AuditEvent);
}

/**
 * The writes the apiserver has counted (`apiserver_request_total`, by verb and resource), Lease
 * renewals apart: comparing two readings says what was written in between, and by whom it cannot
 * say, so it suits a control plane of a suite's own.
 */
export async function apiserverWrites(config: KubeConfig): Promise<Record<string, number>> {
  const options: https.RequestOptions = {};
  await config.applyToHTTPSOptions(options);
  const text = await new Promise<string>((resolve, reject) => {
    const request = https.get(`${config.getCurrentCluster()?.server}/metrics`, options, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve(body));
    });
    request.on('error', reject);
  });
  const writes: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries(
      [...line.matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1] as string, match[2] as string]),
    );
    if (!/^(APPLY|CREATE|DELETE|DELETECOLLECTION|PATCH|POST|PUT|UPDATE)$/.test(labels.verb ?? '')) continue;
    if (labels.resource === 'leases') continue;
    const key = `${labels.verb} ${labels.resource}${labels.subresource ? `/${labels.subresource}` : ''}`;
    writes[key] = (writes[key] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return writes;
}

/**
 * Creates a NextcloudMcp named `name` (public URL `https://<name>.mcp.example`) on `tenantSpec`
 * with `spec`'s fields, as a user applying a tenant would.
 */
export function createTenant(
  custom: CustomObjectsApi,
  namespace: string,
  name: string,
  spec: Partial<NextcloudMcpSpec> = {},
  metadata: Partial<NextcloudMcp['metadata']> = {},
) {
  return custom.createNamespacedCustomObject({
    group: CRD_GROUP,
    version: CRD_VERSION,
    plural: CRD_PLURAL,
    namespace,
    body: tenant(name, { spec: { publicUrl: `https://${name}.mcp.example`, ...spec }, metadata }),
  }) as Promise<NextcloudMcp>;
}

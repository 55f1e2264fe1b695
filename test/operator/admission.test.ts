import { describe, expect, it } from 'vitest';
import type { NextcloudMcpSpec } from '../../contract/index.js';
import { tenantSpec } from '../../dev/tenant-spec.js';
import { type AdmissionPolicy, refusedSpec } from '../../operator/admission.js';
import { loadOperatorConfig } from '../../operator/config.js';

const policy: AdmissionPolicy = {
  operatorImage: 'registry.example/nextcloud-mcp:1',
  ingressDomains: ['acme.example', 'example.org'],
};
const withIngress = (ingress: NextcloudMcpSpec['ingress'], publicUrl?: string) =>
  tenantSpec({ ingress, ...(publicUrl ? { publicUrl } : {}) });
const refusal = (spec: NextcloudMcpSpec, given = policy) => {
  const refused = refusedSpec(spec, given);
  return refused && { reason: refused.reason, message: refused.message };
};

describe('what the platform team allows a spec to ask for', () => {
  it('lets an ingress host be an allowed domain or under one, on label boundaries and in any case', () => {
    for (const host of ['acme.example', 'mcp.acme.example', 'a.b.example.org'])
      expect(refusal(withIngress({ host })), host).toBeUndefined();
    expect(
      refusal(withIngress({ host: 'mcp.acme.example' }), { ...policy, ingressDomains: ['ACME.example'] }),
    ).toBeUndefined();
  });

  it('refuses an ingress host outside the allowed domains, naming them and the chart value', () => {
    for (const host of ['evil-acme.example', 'acme.example.attacker.example', 'example', 'org'])
      expect(refusal(withIngress({ host })), host).toEqual({
        reason: 'HostNotAllowed',
        message: `ingress host ${host} is neither one of nor under the domains the platform team allows (acme.example, example.org; chart value tenantIngressDomains)`,
      });
  });

  it("checks publicUrl's host when the Ingress takes its host from it, and not without an Ingress", () => {
    expect(refusal(withIngress({ className: 'nginx' }, 'https://mcp.victim.example'))?.reason).toBe(
      'HostNotAllowed',
    );
    expect(refusal(withIngress({ className: 'nginx' }, 'https://mcp.acme.example'))).toBeUndefined();
    expect(refusal(tenantSpec({ publicUrl: 'https://mcp.victim.example' }))).toBeUndefined();
  });

  it('allows no ingress host at all until the platform team sets domains', () => {
    expect(
      refusal(withIngress({ host: 'mcp.acme.example' }), { operatorImage: policy.operatorImage }),
    ).toEqual({
      reason: 'HostNotAllowed',
      message:
        'ingress host mcp.acme.example is not allowed: the platform team allows no ingress hosts yet (chart value tenantIngressDomains); leave spec.ingress out, or ask them for the domain',
    });
  });

  it('refuses an image the platform team did not allow, before the host', () => {
    expect(
      refusal({ ...withIngress({ host: 'evil.example' }), image: 'attacker.example/steal:1' })?.reason,
    ).toBe('ImageNotAllowed');
  });
});

describe('TENANT_INGRESS_DOMAINS', () => {
  const load = (domains: string) =>
    loadOperatorConfig({ OPERATOR_IMAGE: 'img:1', TENANT_INGRESS_DOMAINS: domains }).TENANT_INGRESS_DOMAINS;

  it('is a comma-separated list of domains, read in lowercase; none when unset', () => {
    expect(load(' Acme.example, example.org ,')).toEqual(['acme.example', 'example.org']);
    expect(loadOperatorConfig({ OPERATOR_IMAGE: 'img:1' }).TENANT_INGRESS_DOMAINS).toEqual([]);
  });

  it('refuses a wildcard, which would read as allowing nothing', () => {
    expect(() => load('*.example.com')).toThrow(
      'TENANT_INGRESS_DOMAINS.0: a domain such as example.com (its subdomains are allowed too), no wildcard',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { canonicalQuantity, containerResources } from '../../operator/pod-tuning.js';

describe('tenant pod tuning', () => {
  it.each([
    ['cpu', '0.5', '500m'],
    ['cpu', '0.25', '250m'],
    ['cpu', 1, '1'],
    ['cpu', '2', '2'],
    ['cpu', '1.5', '1500m'],
    ['cpu', '1.001', '1001m'],
    ['cpu', '2000m', '2'],
    ['cpu', '250m', '250m'],
    ['cpu', '0', '0'],
    ['memory', '1024Mi', '1Gi'],
    ['memory', '1536Mi', '1536Mi'],
    ['memory', '2048Ki', '2Mi'],
    ['memory', '1000M', '1G'],
    ['memory', '1500M', '1500M'],
    ['memory', '2G', '2G'],
    ['memory', 134217728, '134217728'],
    ['memory', '1000000', '1M'],
    ['memory', '0Mi', '0'],
    ['memory', '16Gi', '16Gi'],
  ] as const)('writes %s %s as the API server does: %s', (resource, quantity, canonical) => {
    expect(canonicalQuantity(resource, quantity)).toBe(canonical);
  });

  it("keeps today's sizes for every quantity the spec leaves out", () => {
    expect(containerResources(undefined)).toEqual({
      requests: { cpu: '50m', memory: '96Mi' },
      limits: { memory: '192Mi' },
    });
    expect(containerResources({ requests: { cpu: '0.5' }, limits: { cpu: 1 } })).toEqual({
      requests: { cpu: '500m', memory: '96Mi' },
      limits: { cpu: '1', memory: '192Mi' },
    });
  });
});

/**
 * upgrade.md's CRD step over a CRD that Helm installed: Helm creates crds/ once (its manager,
 * "helm", then owns every field of the spec) and never updates them, so a later server-side apply
 * of a newer CRD conflicts with it. The documented command must upgrade the CRD anyway, and keep
 * doing so at the next upgrade. All of it on a copy of the chart whose CRD has a group of its own:
 * the real CRD is shared by every suite on the cluster.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART } from '../../packaging/generate.js';
import { deleteNamespace, helm, helmOk, kubectl, kubectlOk, unique } from '../packaging/helm.js';
import { CRD_FILE, type CrdObject, crdCopy } from './crd-copy.js';
import { commands, fences, section } from './markdown.js';

const copy = crdCopy('upgrade-test');
const release = unique('crd-upgrade');
const namespace = unique('crd-upgrade');
const chart = mkdtempSync(join(tmpdir(), 'crd-upgrade-'));

/** upgrade.md's first step, as argument lists: the CRD command, then Helm's. */
const step = commands(
  fences(section('docs/upgrade.md', '1. The CRD first')).find((block) => block.lang === 'sh')?.body ?? '',
);
const crdCommand = step.find((args) => args[0] === 'kubectl' && args.includes('crds/')) ?? [];
const helmCommand = step.find((args) => args[0] === 'helm' && args[1] === 'upgrade') ?? [];

/** The documented CRD command, reading the CRD from stdin instead of crds/. */
const applyAsDocumented = (crd: string) =>
  kubectl(
    crdCommand.slice(1).map((arg) => (arg === 'crds/' ? '-' : arg)),
    crd,
  );

const schemaOf = (crd: CrdObject) => crd.spec.versions[0].schema.openAPIV3Schema.properties.spec;
const stored = (): CrdObject =>
  JSON.parse(kubectlOk(['get', copy.ref, '-o', 'json', '--show-managed-fields']));

/** What a new release changes in a CRD: a new field, and a value of an existing one. */
const newer = copy.yaml((crd) => {
  schemaOf(crd).properties.upgradeProbe = { type: 'string' };
  schemaOf(crd).properties.replicas.maximum = 30;
});

beforeAll(async () => {
  cpSync(CHART, chart, { recursive: true });
  writeFileSync(join(chart, 'crds', CRD_FILE.split('/').pop() ?? ''), copy.yaml());
  helmOk(['install', release, chart, '-n', namespace, '--create-namespace']);
  await copy.established();
}, 60_000);

afterAll(() => {
  helm(['uninstall', release, '-n', namespace, '--ignore-not-found']);
  deleteNamespace(namespace);
  copy.remove();
  rmSync(chart, { recursive: true, force: true });
});

describe('upgrading a CRD that Helm installed (upgrade.md)', () => {
  it('starts from a CRD whose spec the "helm" manager owns', () => {
    const managers = stored().metadata.managedFields.filter((entry: CrdObject) => entry.fieldsV1['f:spec']);
    expect(managers.map((entry: CrdObject) => entry.manager)).toEqual(['helm']);
  });

  it('conflicts with Helm on a plain server-side apply, which is why the documented command differs', () => {
    const plain = kubectl(['apply', '--server-side', '-f', '-'], newer);
    expect(plain.status).not.toBe(0);
    expect(plain.stderr).toMatch(/conflict with "helm"/);
    // Helm's entry is an update's, so applying under its name is another manager and conflicts too.
    const asHelm = kubectl(['apply', '--server-side', '--field-manager=helm', '-f', '-'], newer);
    expect(asHelm.stderr).toMatch(/conflict with "helm"/);
    expect(crdCommand.join(' ')).not.toBe('kubectl apply --server-side -f crds/');
  });

  it('upgrades the CRD with the documented command, and again at the next upgrade', () => {
    const first = applyAsDocumented(newer);
    expect(first.status, first.stderr).toBe(0);
    expect(schemaOf(stored()).properties.upgradeProbe).toEqual({ type: 'string' });
    expect(schemaOf(stored()).properties.replicas.maximum).toBe(30);

    // The next release also changes fields Helm still co-owns (the names), and drops the probe.
    const next = copy.yaml((crd) => {
      crd.spec.names.shortNames = [...crd.spec.names.shortNames, `${crd.spec.names.singular}x`];
    });
    const second = applyAsDocumented(next);
    expect(second.status, second.stderr).toBe(0);
    expect(schemaOf(stored()).properties.upgradeProbe).toBeUndefined();
    expect(stored().spec.names.shortNames).toHaveLength(2);
  });

  it('leaves the CRD as applied when the documented helm upgrade runs (Helm skips crds/ then)', () => {
    expect(helmCommand.length).toBeGreaterThan(0);
    const [, , name, path] = helmCommand;
    const args = helmCommand.slice(1).map((arg) => {
      if (arg === name) return release;
      if (arg === path) return chart;
      return arg.startsWith('nextcloud-mcp-system') ? namespace : arg;
    });
    const before = stored().spec;
    helmOk(args);
    expect(stored().spec).toEqual(before);
  }, 30_000);
});

/**
 * docs/release.md against the real Helm: its `helm package` packages the chart at package.json's
 * version, the values its commands set exist in the chart's schema, and its install command's
 * values make the operator (and so every tenant pod) run the image pinned by digest.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CHART } from '../../packaging/generate.js';
import { docs, helmOk } from '../packaging/helm.js';
import { commands, fences } from './markdown.js';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
const page = readFileSync('docs/release.md', 'utf8');
const dist = mkdtempSync(join(tmpdir(), 'release-'));
afterAll(() => rmSync(dist, { recursive: true, force: true }));

/** The page's shell variables, as a release would set them. */
const variables: Record<string, string> = {
  VERSION: pkg.version,
  IMAGE: 'registry.example.com/platform/nextcloud-mcp',
  CHARTS: 'oci://registry.example.com/platform/charts',
  IMAGE_DIGEST: `sha256:${'0123456789abcdef'.repeat(4)}`,
};
const expand = (arg: string) =>
  arg.replace(/\$\{?(\w+)\}?/g, (_, name: string) => variables[name] ?? `$${name}`);
const all = fences(page)
  .filter((block) => block.lang === 'sh')
  .flatMap((block) => commands(block.body))
  .map((args) => args.map(expand));
const find = (...words: string[]) => {
  const found = all.find((args) => words.every((word, i) => args[i] === word));
  if (!found) throw new Error(`docs/release.md has no "${words.join(' ')}" command`);
  return found;
};

/** The schema node of a dotted value name in the chart's values.schema.json. */
function valueSchema(name: string): unknown {
  let node = JSON.parse(readFileSync(`${CHART}/values.schema.json`, 'utf8'));
  for (const segment of name.split('.')) node = node?.properties?.[segment];
  return node;
}

describe('docs/release.md', () => {
  it("packages the chart with its helm package command, at package.json's version and appVersion", () => {
    const args = find('helm', 'package').slice(1);
    expect(args[1]).toBe(CHART);
    helmOk(args.map((arg) => (arg === 'dist/' ? dist : arg)));
    const archive = readdirSync(dist);
    expect(archive).toEqual([`nextcloud-mcp-operator-${pkg.version}.tgz`]);
    const chart = parse(helmOk(['show', 'chart', join(dist, archive[0] ?? '')]));
    expect({ version: chart.version, appVersion: chart.appVersion }).toEqual({
      version: pkg.version,
      appVersion: pkg.version,
    });
    // The push names the file the package wrote.
    expect(find('helm', 'push')[2]).toBe(`dist/${archive[0]}`);
  });

  it('names only values the chart has', () => {
    const named = [
      ...all.flatMap((args) =>
        args.filter((_, i) => args[i - 1] === '--set').map((set) => set.split('=')[0]),
      ),
      ...[...page.matchAll(/`((?:image|imagePullSecrets|tenantImages)(?:\.\w+)*)`/g)].map((m) => m[1]),
    ];
    expect(named).toEqual(expect.arrayContaining(['image.repository', 'image.tag']));
    expect([...new Set(named)].filter((name) => valueSchema(name ?? '') === undefined)).toEqual([]);
  });

  it('installs the image its values pin by digest, for the operator and the tenant pods it makes', () => {
    const install = find('helm', 'install');
    const at = install.indexOf(`${variables.CHARTS}/nextcloud-mcp-operator`);
    expect(at).toBe(3);
    // Rendered from the chart in the tree, as the registry would serve it; the rest as the page says.
    const args = install.slice(2).map((arg, i) => (i === at - 2 ? CHART : arg));
    const rendered = docs(helmOk(['template', ...args.filter((arg) => arg !== '--create-namespace')]));
    const operator = rendered.find((object) => object.kind === 'Deployment').spec.template.spec.containers[0];
    const pinned = `${variables.IMAGE}:${pkg.version}@${variables.IMAGE_DIGEST}`;
    expect(operator.image).toBe(pinned);
    expect(operator.env.find((env: { name: string }) => env.name === 'OPERATOR_IMAGE').value).toBe(pinned);
  });
});

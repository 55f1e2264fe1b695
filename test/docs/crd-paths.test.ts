/**
 * Every NextcloudMcp field the prose names exists in the CRD: `spec.…` and `status.…` paths in any
 * doc, and paths relative to spec (`identity.keycloak.url`, `ingress.host`) written in backticks.
 * The schema is read from crds/, so fields added there are accepted as soon as they are merged.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Schema {
  readonly type?: string;
  readonly properties?: Record<string, Schema>;
  readonly items?: Schema;
  readonly additionalProperties?: Schema | boolean;
  readonly 'x-kubernetes-preserve-unknown-fields'?: boolean;
}

const crd = parse(readFileSync('crds/nextcloudmcps.nextcloud-mcp.io.yaml', 'utf8'));
const root: Schema = crd.spec.versions[0].schema.openAPIV3Schema;

/** The schema at a dotted path, through arrays' items; undefined when the CRD has no such field. */
function resolve(schema: Schema | undefined, segments: readonly string[]): Schema | undefined {
  let node = schema;
  for (const segment of segments) {
    while (node?.type === 'array') node = node.items;
    // A field kept as it is written (an affinity, say) has whatever the Kubernetes type below it has.
    if (node?.['x-kubernetes-preserve-unknown-fields']) return node;
    const open = typeof node?.additionalProperties === 'object' ? node.additionalProperties : undefined;
    node = node?.properties?.[segment] ?? open;
  }
  return node;
}

const pages = ['README.md', 'CHANGELOG.md', ...readdirSync('docs').map((name) => `docs/${name}`)].filter(
  (page) => page.endsWith('.md'),
);

/** A path starts a word (not a file name such as /Documents/spec.pdf) and stops at a non-name. */
const ABSOLUTE = /(?<![\w./-])((?:spec|status)(?:\.[A-Za-z][A-Za-z0-9]*)+)/g;
/** A backticked path, alone or with a value (`enabled: false`, `x.y=true`). */
const RELATIVE = /`([a-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)+)(?:[:=][^`]*)?`/g;

/** Every object field under spec by name: a backticked path starting with one is read from it. */
const objectsByName = new Map<string, Schema[]>();
(function collect(schema: Schema | undefined): void {
  for (const [name, child] of Object.entries(schema?.properties ?? {})) {
    const node = child.type === 'array' ? child.items : child;
    if (node?.type !== 'object') continue;
    objectsByName.set(name, [...(objectsByName.get(name) ?? []), node]);
    collect(node);
  }
})(root.properties?.spec);

/** A path the docs name, and the schemas it may start from. */
interface Mention {
  readonly path: string;
  readonly from: readonly Schema[];
}

function mentions(text: string): Mention[] {
  const absolute = [...text.matchAll(ABSOLUTE)].map((m) => ({ path: m[1] ?? '', from: [root] }));
  const relative = [...text.matchAll(RELATIVE)]
    .map((m) => m[1] ?? '')
    .filter((path) => objectsByName.has(path.split('.')[0] ?? ''))
    .map((path) => ({ path, from: objectsByName.get(path.split('.')[0] ?? '') ?? [] }));
  return [...absolute, ...relative];
}

const exists = ({ path, from }: Mention) =>
  from.some((schema) => resolve(schema, path.split('.').slice(from[0] === root ? 0 : 1)) !== undefined);

describe('the CRD fields the docs name', () => {
  it('finds the paths it checks (spec and status, absolute and relative)', () => {
    const all = pages.flatMap((page) => mentions(readFileSync(page, 'utf8')).map((m) => m.path));
    expect(all).toEqual(
      expect.arrayContaining([
        'spec.allowedOrigins',
        'status.conditions',
        'identity.keycloak.url',
        'clientIdMetadataDocuments.enabled',
      ]),
    );
    expect(mentions('see /Documents/spec.pdf and `image.repository`')).toEqual([]);
    expect(mentions('`spec.nowhere`, `ingress.path`').filter(exists)).toEqual([]);
  });

  it.each(pages)('%s names only fields the CRD has', (page) => {
    const missing = mentions(readFileSync(page, 'utf8'))
      .filter((mention) => !exists(mention))
      .map((mention) => mention.path);
    expect([...new Set(missing)]).toEqual([]);
  });
});

/**
 * install.md's tenant example pasted on a cluster that has only the CRD: its commands run in the
 * order the page gives them, against the real API server, and each is accepted. The resource goes
 * to a copy of the CRD under another group (no operator watches it, and the shared CRD is left
 * alone), in a namespace of this run's own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { deleteNamespace, kubectl, kubectlOk, unique } from '../packaging/helm.js';
import { crdCopy } from './crd-copy.js';
import { commands, fences, section } from './markdown.js';

const example = section('docs/install.md', 'A tenant');
const blocks = fences(example);
const manifest = blocks.find((block) => block.lang === 'yaml' && /kind: NextcloudMcp/.test(block.body))?.body;
const steps = blocks.find((block) => block.lang === 'sh' && block.body.includes('-f tenant.yaml'))?.body;
const objects = parseAllDocuments(manifest ?? '').map((doc) => doc.toJS());
const tenant = objects.find((object) => object?.kind === 'NextcloudMcp');
const docNamespace: string = tenant?.metadata?.namespace;

const copy = crdCopy('tenant-example');
const namespace = unique('tenant-example');
/** The page's text for this run: its namespace replaced by this run's. */
const ours = (text: string) => text.replaceAll(docNamespace, namespace);

beforeAll(async () => {
  kubectlOk(['apply', '--server-side', '-f', '-'], copy.yaml());
  await copy.established();
});

afterAll(() => {
  deleteNamespace(namespace);
  copy.remove();
});

describe("install.md's tenant example", () => {
  it('has a NextcloudMcp in a namespace, and commands that apply it as tenant.yaml', () => {
    expect(docNamespace).toMatch(/^[a-z0-9-]+$/);
    expect(steps).toBeDefined();
  });

  it('creates its namespace before anything uses it (a Namespace object first, or a command)', () => {
    const createsIt = (args: string[]) =>
      args.join(' ') === `kubectl create namespace ${docNamespace}` ||
      (args.includes('tenant.yaml') && objects[0]?.kind === 'Namespace');
    const uses = (args: string[]) => args.includes(docNamespace) || args.includes('tenant.yaml');
    const list = commands(steps ?? '');
    const first = list.findIndex(uses);
    expect(first).toBeGreaterThanOrEqual(0);
    expect(createsIt(list[first] ?? [])).toBe(true);
  });

  it('is accepted by the API server command by command, on a cluster with nothing but the CRD', () => {
    for (const args of commands(ours(steps ?? ''))) {
      expect(args[0]).toBe('kubectl');
      // Waiting and listing read what only a running operator would write.
      if (['wait', 'get'].some((verb) => args.includes(verb))) continue;
      const fromStdin = args.map((arg) => (arg === 'tenant.yaml' ? '-' : arg));
      const result = kubectl(fromStdin.slice(1), copy.retarget(ours(manifest ?? '')));
      expect(result.status, `${args.join(' ')}\n${result.stderr}`).toBe(0);
    }
    const stored = JSON.parse(
      kubectlOk(['get', '-n', namespace, `${copy.ref.split('/')[1]}/${tenant.metadata.name}`, '-o', 'json']),
    );
    expect(stored.spec.nextcloud.audience).toBe('nextcloud');
  });
});

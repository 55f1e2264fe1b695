import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_ROUTES, APPS, CATALOGUE } from '../../contract/index.js';

const operatorSource = readdirSync('operator')
  .filter((name) => name.endsWith('.ts'))
  .map((name) => readFileSync(join('operator', name), 'utf8'))
  .join('\n');

describe('the docs', () => {
  it('explain every condition reason the operator can write', () => {
    const reasons = new Set(
      [...operatorSource.matchAll(/reason: '([A-Za-z]+)'|SpecProblem\(\s*'([A-Za-z]+)'/g)].map(
        (m) => m[1] ?? m[2],
      ),
    );
    expect(reasons.size).toBeGreaterThan(8);
    const troubleshooting = readFileSync('docs/troubleshooting.md', 'utf8');
    expect([...reasons].filter((reason) => !troubleshooting.includes(`\`${reason}\``))).toEqual([]);
  });

  it('explain every error the proxy answers with', () => {
    const codes = [...readFileSync('proxy/errors.ts', 'utf8').matchAll(/readonly code = '([A-Z_]+)'/g)].map(
      (m) => (m[1] ?? '').toLowerCase(),
    );
    expect(codes.length).toBeGreaterThan(5);
    const troubleshooting = readFileSync('docs/troubleshooting.md', 'utf8');
    expect(codes.filter((code) => !troubleshooting.includes(`\`${code}\``))).toEqual([]);
  });

  it('link only to files that exist', () => {
    const pages = [
      'README.md',
      'CHANGELOG.md',
      'keycloak/README.md',
      'helm/README.md',
      ...readdirSync('docs').map((name) => `docs/${name}`),
    ];
    const broken: string[] = [];
    for (const page of pages.filter((path) => path.endsWith('.md'))) {
      for (const [, target] of readFileSync(page, 'utf8').matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        if (!target || /^[a-z]+:/.test(target)) continue;
        if (!existsSync(join(dirname(page), target))) broken.push(`${page} → ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("install the way the kind e2e does (the README's helm command is the one test/e2e/kind.sh runs)", () => {
    const readme = readFileSync('README.md', 'utf8');
    const install = /helm install (\S+) (\S+) -n (\S+) --create-namespace/.exec(readme);
    expect(install).not.toBeNull();
    const [, release, chart, namespace] = install ?? [];
    const e2e = readFileSync('test/e2e/kind.sh', 'utf8');
    expect(e2e).toMatch(
      new RegExp(
        `helm upgrade --install ${release} ${chart}\\s*\\\\?\\s*--namespace ${namespace} --create-namespace`,
      ),
    );
  });

  it('name every tool of the catalogue in the README', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(
      CATALOGUE.filter((entry) => !readme.includes(`\`${entry.name}\``)).map((entry) => entry.name),
    ).toEqual([]);
  });

  it('state in docs/nextcloud.md the Nextcloud version each app needs for exchanged tokens', () => {
    const rows = readFileSync('docs/nextcloud.md', 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('| `'));
    for (const app of APPS) {
      const row = rows.find((line) => line.includes(`\`${app}\``)) ?? '';
      // Apps on their own REST routes need 31 for bearer tokens; OCS and DAV work from 29.
      expect([app, /\b31\b/.test(row)]).toEqual([app, app in APP_ROUTES]);
      expect(row).toMatch(/\b(29|31) or later\b|\b29 \(/);
    }
  });
});

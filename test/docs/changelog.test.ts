/**
 * CHANGELOG.md in Keep a Changelog's shape: an Unreleased section first, released versions as
 * `## [x.y.z] - YYYY-MM-DD` below it, only its kinds of change (plus "Changed (breaking)"), and
 * package.json's version either released there or still the one being worked on.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const changelog = readFileSync('CHANGELOG.md', 'utf8');
const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
const sections = [...changelog.matchAll(/^## (.+)$/gm)].map((m) => m[1] ?? '');
const released = sections
  .slice(1)
  .map((heading) => /^\[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$/.exec(heading)?.[1]);

/** a < b as semantic versions (release versions only). */
const olderThan = (a: string, b: string) => {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  const i = (x ?? []).findIndex((part, n) => part !== (y ?? [])[n]);
  return i >= 0 && (x?.[i] ?? 0) < (y?.[i] ?? 0);
};

describe('CHANGELOG.md', () => {
  it('starts with an Unreleased section, then dated versions, newest first', () => {
    expect(sections[0]).toBe('[Unreleased]');
    expect(released.filter((v) => v === undefined)).toEqual([]);
    const versions = released as string[];
    expect(versions.every((v, i) => i === 0 || olderThan(v, versions[i - 1] ?? ''))).toBe(true);
  });

  it("has package.json's version as a release, or that version is still unreleased (newer than every release)", () => {
    const versions = released as string[];
    expect(versions.includes(version) || versions.every((v) => olderThan(v, version))).toBe(true);
  });

  it("uses only Keep a Changelog's kinds of change, breaking changes first", () => {
    const kinds = [...changelog.matchAll(/^### (.+)$/gm)].map((m) => m[1]);
    const allowed = ['Changed (breaking)', 'Added', 'Changed', 'Deprecated', 'Removed', 'Fixed', 'Security'];
    expect(kinds.filter((kind) => !allowed.includes(kind ?? ''))).toEqual([]);
    const unreleased = changelog.split(/^## /m)[1] ?? '';
    expect(unreleased.match(/^### (.+)$/m)?.[1]).toBe('Changed (breaking)');
  });

  it('is where docs/upgrade.md sends readers before an upgrade', () => {
    expect(readFileSync('docs/upgrade.md', 'utf8')).toContain('](../CHANGELOG.md)');
  });
});

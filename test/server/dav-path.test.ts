import { describe, expect, it } from 'vitest';
import { normalizeUserPath } from '../../server/nextcloud/dav-path.js';

describe('normalizeUserPath', () => {
  it.each([
    ['/', ''],
    ['', ''],
    ['.', ''],
    ['/Documents/', 'Documents'],
    ['Documents//a.txt', 'Documents/a.txt'],
    ['./Documents/./a.txt', 'Documents/a.txt'],
    ['/a%20b.txt', 'a%20b.txt'],
    ['/Photos/..hidden', 'Photos/..hidden'],
    // A literal % (as listings give names back) is a name, not a malformed escape.
    ['/50% off %zz.txt', '50% off %zz.txt'],
    ['/a%C3.txt', 'a%C3.txt'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeUserPath(input)).toBe(expected);
  });

  it.each([
    '..',
    '/../x',
    'a/b/../../..',
    '%2e%2e',
    '%2E%2e/x',
    'a%2f..%2fb',
    '%25252e%25252e/x',
    'http://host/x',
    'file:///etc/passwd',
    '//host/share',
    'a\\b',
    'a\0b',
    '%2e%2e/50% off',
    '50%/%2E%2E',
    'x'.repeat(5000),
    `${'y'.repeat(256)}/z`,
  ])('refuses %j', (input) => {
    expect(() => normalizeUserPath(input)).toThrow(/^(Path|A name in path) /);
  });
});

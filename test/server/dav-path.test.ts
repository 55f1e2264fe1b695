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
    '%zz',
    'x'.repeat(5000),
    `${'y'.repeat(256)}/z`,
  ])('refuses %j', (input) => {
    expect(() => normalizeUserPath(input)).toThrow(/^(Path|A name in path) /);
  });
});

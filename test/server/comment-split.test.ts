import { describe, expect, it } from 'vitest';
import { COMMENT_LIMIT, commentLength, splitComment } from '../../server/nextcloud/comment-split.js';

describe('splitting long comments', () => {
  it('counts code points after trimming and keeps exactly 1000 whole', () => {
    expect(commentLength('  😀😀  ')).toBe(2);
    const exact = 'a'.repeat(COMMENT_LIMIT);
    expect(splitComment(`  ${exact}\n`)).toEqual([exact]);
  });

  it('numbers the parts, keeps each within the limit and loses nothing', () => {
    const words = Array.from({ length: 600 }, (_, i) => `word${i}`).join(' ');
    const parts = splitComment(words);
    expect(parts.length).toBeGreaterThan(1);
    parts.forEach((part, i) => {
      expect(part.startsWith(`(${i + 1}/${parts.length}) `)).toBe(true);
      expect(commentLength(part)).toBeLessThanOrEqual(COMMENT_LIMIT);
    });
    expect(parts.map((part) => part.replace(/^\(\d+\/\d+\) /, '')).join(' ')).toBe(words);
  });

  it('prefers headings and paragraphs, and never cuts a mention or a code block', () => {
    const filler = (n: number) => 'Some sentence here. '.repeat(n).trim();
    const code = `\`\`\`\n${'let x = 1;\n'.repeat(20)}\`\`\``;
    const text = `${filler(20)} ask @"Ann Lee" and @bob.\n\n${code}\n\n## Next\n\n${filler(30)}`;
    const parts = splitComment(text);
    const bodies = parts.map((part) => part.replace(/^\(\d+\/\d+\) /, ''));
    expect(bodies.some((body) => body.startsWith('## Next'))).toBe(true);
    expect(
      bodies.filter((body) => body.includes('```')).every((body) => body.split('```').length === 3),
    ).toBe(true);
    expect(bodies.some((body) => body.includes('@"Ann Lee"'))).toBe(true);
  });

  it('cuts a single run without boundaries hard, at the limit', () => {
    const parts = splitComment('x'.repeat(2500));
    expect(parts.map(commentLength).every((n) => n <= COMMENT_LIMIT)).toBe(true);
    expect(parts.map((part) => part.replace(/^\(\d+\/\d+\) /, '')).join('')).toBe('x'.repeat(2500));
  });
});

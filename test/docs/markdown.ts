/** What the docs suites read out of a Markdown page: a section, its code blocks, their commands. */
import { readFileSync } from 'node:fs';

/** The text under a heading (exact title), up to the next heading of the same or a higher level. */
export function section(page: string, title: string): string {
  const lines = readFileSync(page, 'utf8').split('\n');
  const start = lines.findIndex((line) => /^#+ /.test(line) && line.replace(/^#+ /, '') === title);
  if (start < 0) throw new Error(`${page} has no section "${title}"`);
  const level = (lines[start] ?? '').indexOf(' ');
  const end = lines.findIndex((line, i) => i > start && /^#+ /.test(line) && line.indexOf(' ') <= level);
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** The fenced code blocks of a text in order, each with its info string (`sh`, `yaml`, …). */
export function fences(text: string): { lang: string; body: string }[] {
  return [...text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({
    lang: m[1] ?? '',
    body: m[2] ?? '',
  }));
}

/**
 * The commands of a shell block as argument lists: comments dropped, `\` continuations joined.
 * Only unquoted words are supported, which is all the docs' commands use.
 */
export function commands(block: string): string[][] {
  return block
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
    .filter(Boolean)
    .map((line) => line.split(/\s+/));
}

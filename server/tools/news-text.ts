/** Unix seconds as ISO 8601; absent or zero times are null. */
export const isoTime = (seconds: number | null | undefined) =>
  seconds ? new Date(seconds * 1000).toISOString() : null;

/**
 * Plain text from the HTML of News items, for a model to read. Feeds are untrusted input, so this is
 * one linear pass with `indexOf` (no backtracking regular expression over the whole body can be made
 * slow by a crafted feed); the markup only decides where lines break.
 */

/** Tags after which the text continues on a new line. */
const BREAKS = new Set([
  'br',
  'p',
  'div',
  'section',
  'article',
  'header',
  'footer',
  'blockquote',
  'pre',
  'ul',
  'ol',
  'table',
  'tr',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'hr',
  'figure',
  'figcaption',
]);
/** Elements whose content is never text. */
const SKIPPED = new Set(['script', 'style', 'noscript', 'template']);

const NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  hellip: '…',
  mdash: '—',
  ndash: '–',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  laquo: '«',
  raquo: '»',
  euro: '€',
  copy: '©',
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});/gi, (entity, code: string) => {
    if (code[0] !== '#') return NAMED[code.toLowerCase()] ?? entity;
    const point =
      code[1] === 'x' || code[1] === 'X' ? Number.parseInt(code.slice(2), 16) : Number(code.slice(1));
    return point > 0 && point <= 0x10ffff ? String.fromCodePoint(point) : entity;
  });
}

/** The text of an HTML fragment with line breaks where blocks end, list items as "- ". */
function textOf(html: string): string {
  const parts: string[] = [];
  // Source line breaks are spaces in HTML; only the markup's breaks remain.
  const text = (part: string) => parts.push(part.replace(/\s+/g, ' '));
  let at = 0;
  while (at < html.length) {
    const open = html.indexOf('<', at);
    if (open === -1) {
      text(html.slice(at));
      break;
    }
    text(html.slice(at, open));
    // "a < b" is text, as browsers read it: a tag starts with a letter, "/" or "!".
    if (!/[a-z/!?]/i.test(html[open + 1] ?? '')) {
      text('<');
      at = open + 1;
      continue;
    }
    if (html.startsWith('<!--', open)) {
      const end = html.indexOf('-->', open + 4);
      at = end === -1 ? html.length : end + 3;
      continue;
    }
    const close = html.indexOf('>', open);
    // An unterminated tag: what follows is not text.
    if (close === -1) break;
    const closing = html[open + 1] === '/';
    const name = (
      /^<\/?([a-z][a-z0-9]*)/i.exec(html.slice(open, Math.min(close, open + 16)))?.[1] ?? ''
    ).toLowerCase();
    at = close + 1;
    if (SKIPPED.has(name) && !closing) {
      const end = new RegExp(`</${name}`, 'ig');
      end.lastIndex = at;
      const endClose = end.exec(html) ? html.indexOf('>', end.lastIndex) : -1;
      at = endClose === -1 ? html.length : endClose + 1;
    } else if (name === 'li') {
      if (!closing) parts.push('\n- ');
    } else if (BREAKS.has(name)) {
      parts.push('\n');
    } else if (name === 'td' || name === 'th') {
      parts.push(' ');
    }
  }
  return decodeEntities(parts.join(''))
    .replace(/[^\S\n]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** The text of an item body, at most `max` characters (cut at a word where one is near). */
export function itemText(html: string | null | undefined, max: number): { text: string; truncated: boolean } {
  const text = textOf(html ?? '');
  if (text.length <= max) return { text, truncated: false };
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return { text: `${space > max * 0.8 ? cut.slice(0, space) : cut}…`, truncated: true };
}

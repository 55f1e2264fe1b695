/**
 * Nextcloud comments hold at most 1000 characters (IComment::MAX_MESSAGE_LENGTH), counted in
 * code points after trimming, so an emoji counts once. Longer text can be posted as a numbered
 * thread: these functions measure and cut it.
 */
export const COMMENT_LIMIT = 1000;
export const MAX_PARTS = 10;

/** The length Nextcloud checks. */
export function commentLength(message: string): number {
  return [...message.trim()].length;
}

/**
 * Boundaries to cut at, most structural first: before a heading, before a code fence, between
 * paragraphs, between lines, after a sentence, between words. Each pattern matches where the
 * next part may start.
 */
const BOUNDARIES = [/\n(?=#{1,6} )/g, /\n(?=```)/g, /\n\n/g, /\n/g, /[.!?](?=\s)/g, /\s/g];

/** Spans a cut must not fall inside: fenced code blocks, `@"names with spaces"` and `@user` mentions. */
function protectedSpans(text: string): [number, number][] {
  return [...text.matchAll(/```[\s\S]*?```|@"[^"\n]*"|@[\w.-]+/g)].map((m) => [
    m.index,
    m.index + m[0].length,
  ]);
}

/**
 * Cuts `message` into parts of at most `budget` code points each (prefixes not included),
 * preferring the most structural boundary that leaves a part at least a third full.
 */
function cut(message: string, budget: number): string[] {
  const chars = [...message.trim()];
  const parts: string[] = [];
  let start = 0;
  while (chars.length - start > budget) {
    const window = chars.slice(start, start + budget + 1).join('');
    const spans = protectedSpans(chars.slice(start, start + budget + 200).join(''));
    const allowed = (at: number) => !spans.some(([from, to]) => at > from && at < to);
    const minimum = Math.floor(budget / 3);
    let end = -1;
    for (const boundary of BOUNDARIES) {
      for (const m of window.matchAll(boundary)) {
        // The cut keeps a sentence's closing mark with it; other boundaries start the next part.
        const at = m[0].match(/[.!?]/) ? m.index + 1 : m.index;
        const codePoints = [...window.slice(0, at)].length;
        if (codePoints >= minimum && codePoints <= budget && allowed(at)) end = codePoints;
      }
      if (end > 0) break;
    }
    if (end <= 0) end = budget; // one unbroken run longer than a part: a hard cut is all there is
    parts.push(
      chars
        .slice(start, start + end)
        .join('')
        .trim(),
    );
    start += end;
    while (start < chars.length && /\s/.test(chars[start] ?? '')) start++;
  }
  parts.push(chars.slice(start).join('').trim());
  return parts.filter((part) => part.length > 0);
}

/**
 * The message as numbered parts `(i/N) …`, each within the limit, or the message itself when it
 * fits. The prefix length depends on N, so N is found by trying.
 */
export function splitComment(message: string): string[] {
  if (commentLength(message) <= COMMENT_LIMIT) return [message.trim()];
  let count = 2;
  for (;;) {
    const prefix = `(${count}/${count}) `.length;
    const parts = cut(message, COMMENT_LIMIT - prefix);
    if (parts.length <= count) return parts.map((part, index) => `(${index + 1}/${parts.length}) ${part}`);
    count = parts.length;
  }
}

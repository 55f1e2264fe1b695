import { InvalidInputError } from '../errors.js';

const MAX_PATH = 4096;
const MAX_SEGMENT = 255;

/**
 * Normalises a path a caller gave for their files into segments below their root, refusing
 * anything that could leave it: `..` (plain or percent-encoded, however often), absolute URLs,
 * backslashes and NUL. `"/"`, `""` and `"."` are the root. The result has no leading slash.
 */
export function normalizeUserPath(input: string): string {
  if (input.length > MAX_PATH) throw new InvalidInputError(`Path is longer than ${MAX_PATH} characters`);
  if (/^[a-z][a-z0-9+.-]*:/i.test(input) || input.startsWith('//')) {
    throw new InvalidInputError(`Path "${input}" must be a path inside your files, not a URL`);
  }
  for (const candidate of decodings(input)) {
    if (candidate.includes('\0') || candidate.includes('\\')) {
      throw new InvalidInputError(`Path "${input}" contains a forbidden character`);
    }
    if (candidate.split('/').includes('..')) {
      throw new InvalidInputError(`Path "${input}" must not contain ".." segments`);
    }
  }
  const segments = input.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.some((segment) => segment.length > MAX_SEGMENT)) {
    throw new InvalidInputError(`A name in path "${input}" is longer than ${MAX_SEGMENT} characters`);
  }
  return segments.join('/');
}

/**
 * The input and each successive percent-decoding of it, so nested encodings are checked too.
 * Paths are literal names (a `%` is a `%`: listings decode hrefs once, requests encode once), so a
 * `%` not followed by hex digits is left as it is rather than refused.
 */
function decodings(input: string): string[] {
  const seen = [input];
  let current = input;
  for (let i = 0; i < 4 && current.includes('%'); i++) {
    const next = decodeValidEscapes(current);
    if (next === current) break;
    seen.push(next);
    current = next;
  }
  return seen;
}

/** Decodes each run of `%XX` escapes that is valid UTF-8, leaving everything else as written. */
function decodeValidEscapes(value: string): string {
  return value.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      // Not UTF-8 (a lone %C3): no character to check, so it stays literal.
      return run;
    }
  });
}

/** The user-facing form of a normalised path: always with a leading slash. */
export function displayPath(relative: string): string {
  return `/${relative}`;
}

/** Percent-encodes each segment of a normalised path. */
export function encodePath(relative: string): string {
  return relative
    .split('/')
    .filter(Boolean)
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

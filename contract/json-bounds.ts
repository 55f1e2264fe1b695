/**
 * What JSON.parse of one MCP request body may build, in both programs. Parsing is iterative in V8,
 * so depth does not overflow the stack, but every array and object it creates costs 30–60 bytes of
 * heap: a 4 MiB body of `[[[[…` or `[{},{},…` becomes 60–120 MiB, over the pods' old generation
 * (RUNTIME_NODE_OPTIONS). Real tool calls nest a few levels and hold a few hundred values, their
 * size being in strings (a file's content), which cost no more than their bytes.
 */
export const JSON_LIMITS = {
  /** Nesting of arrays and objects. */
  maxDepth: 64,
  /** Arrays, objects and separated items (commas): an upper bound of what the parse allocates. */
  maxItems: 100_000,
} as const;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * Why `bytes` would cost more to parse than {@link JSON_LIMITS} allow, or undefined. One pass over
 * the bytes, allocating nothing; it does not validate the JSON (JSON.parse does that after), so
 * the structure every program acts on is the one JSON.parse builds, never a second reading of it.
 */
export function jsonOverLimits(bytes: Uint8Array): string | undefined {
  let depth = 0;
  let items = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      // UTF-8 continuation bytes are >= 0x80, so a byte-wise scan cannot mistake them for these.
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
      continue;
    }
    if (byte === QUOTE) inString = true;
    else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (++depth > JSON_LIMITS.maxDepth) return `nested deeper than ${JSON_LIMITS.maxDepth}`;
      if (++items > JSON_LIMITS.maxItems) return `more than ${JSON_LIMITS.maxItems} items`;
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) depth--;
    else if (byte === COMMA && ++items > JSON_LIMITS.maxItems)
      return `more than ${JSON_LIMITS.maxItems} items`;
  }
  return undefined;
}

/** JSON.parse of a body within {@link JSON_LIMITS}; `refused` says why it was not parsed. */
export function parseBoundedJson(body: Buffer): { value: unknown } | { refused: string } {
  const over = jsonOverLimits(body);
  if (over) return { refused: over };
  try {
    return { value: JSON.parse(body.toString('utf8')) };
  } catch {
    return { refused: 'not JSON' };
  }
}

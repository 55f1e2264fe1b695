import {
  eraOf,
  headerMismatch,
  MCP_REQUEST_HEADERS,
  mirroredHeaders,
  parseBoundedJson,
} from '../contract/index.js';
import { wireRequest } from '../dev/mcp-wire.js';
import type { Row } from './server.js';

/** Bounds of each measurement: whichever comes first. */
const MAX_ITERATIONS = 500_000;
const MAX_MS = 1_500;
const WARMUP = 20_000;

/** µs per call of `work`, after a warm-up, over a bounded loop. */
function perCall(work: () => unknown): number {
  for (let i = 0; i < WARMUP; i++) work();
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(MAX_MS) * 1_000_000n;
  let done = 0;
  // Checked every 1,000 calls, so reading the clock costs the loop next to nothing.
  while (done < MAX_ITERATIONS && (done % 1000 !== 0 || process.hrtime.bigint() < deadline)) {
    work();
    done++;
  }
  return Number(process.hrtime.bigint() - started) / 1e3 / done;
}

/**
 * The cost of the 2026-07-28 rule alone, as both programs run it on a body they have parsed:
 * era, mirrored headers, and whether they agree with it (contract/mcp-headers.ts). JSON parsing
 * of the same body, which the scope check needs anyway, is shown beside it for scale.
 */
export function benchHeaderCheck(): Row[] {
  const cases = [
    [
      'tools/call',
      wireRequest('modern', 'tools/call', { name: 'nc_notes_get_note', arguments: { note_id: 42 } }),
    ],
    [
      'resources/read, base64 Mcp-Name',
      wireRequest('modern', 'resources/read', { uri: 'nc://files/Überweisung März 2026.pdf' }),
    ],
  ] as const;
  return cases.map(([name, request]) => {
    const raw = Buffer.from(request.body);
    const parsed = parseBoundedJson(raw);
    if ('refused' in parsed) throw new Error(`bench body refused: ${parsed.refused}`);
    const body = parsed.value;
    const headers = request.headers;
    let disagreements = 0;
    const check = perCall(() => {
      const era = eraOf(body, headers[MCP_REQUEST_HEADERS.protocolVersion]);
      if (headerMismatch(body, mirroredHeaders(headers), era) !== undefined) disagreements++;
    });
    // A request that agrees must pass every time: a bench of a refusal measures the wrong path.
    if (disagreements > 0) throw new Error(`the ${name} bench request was refused ${disagreements} times`);
    const parse = perCall(() => parseBoundedJson(raw));
    return {
      metric: `proxy: 2026 header/body check, ${name} (${raw.length} B body)`,
      value: `${check.toFixed(2)} µs per request (JSON parse of the body: ${parse.toFixed(2)} µs)`,
    };
  });
}

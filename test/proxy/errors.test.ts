import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  InsufficientScopeError,
  InvalidTokenError,
  TooManyRequestsError,
  UpstreamUnavailableError,
} from '../../proxy/errors.js';
import { type Refused, sendError } from '../../proxy/http-errors.js';
import { NotFoundError } from '../../server/errors.js';

const challenge = {
  resourceMetadata: 'https://mcp.example/.well-known/oauth-protected-resource/mcp',
  scopes: [],
};

/** Answers one request with `sendError(error)` and returns what a client reads, and what was logged. */
async function answer(error: unknown, refused?: Refused) {
  const logged: string[] = [];
  const log = pino({ level: 'error' }, { write: (line: string) => void logged.push(line) });
  const server = createServer((_req, res) => sendError(res, error, challenge, log, refused));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    return { status: response.status, headers: response.headers, body: await response.json(), logged };
  } finally {
    server.close();
  }
}

describe('errors, modelled once per program', () => {
  it('name themselves, so logs say which error it was', () => {
    expect(new NotFoundError('Note 1 not found').name).toBe('NotFoundError');
    expect(new InvalidTokenError('expired', 'exp in the past').name).toBe('InvalidTokenError');
  });

  it('become HTTP answers in one place: ours by code, a bug as a bare 500 that is logged in full', async () => {
    const ours = await answer(new TooManyRequestsError('per-subject limit'));
    expect(ours.status).toBe(429);
    expect(ours.headers.get('retry-after')).toBe('1');
    expect(ours.logged).toEqual([]);

    const bug = await answer(new TypeError('cannot read properties of undefined (secret detail)'));
    expect(bug.status).toBe(500);
    expect(bug.body).toEqual({ error: 'internal_error', error_description: 'internal error' });
    expect(JSON.stringify(bug.body)).not.toContain('secret detail');
    expect(bug.logged.join('')).toContain('secret detail');
  });

  it('answer a 2026 request with a JSON-RPC error, but 401/403 as OAuth does', async () => {
    const modern: Refused = { era: 'modern', id: 4 };
    const down = await answer(new UpstreamUnavailableError('refused'), modern);
    expect(down.status).toBe(502);
    expect(down.body).toEqual({
      jsonrpc: '2.0',
      id: 4,
      error: {
        code: -32603,
        message: 'the MCP server is unavailable',
        data: { error: 'upstream_unavailable' },
      },
    });
    const busy = await answer(new TooManyRequestsError('per-subject limit'), modern);
    expect(busy.body).toMatchObject({ error: { code: -32600 } });
    const stepUp = await answer(new InsufficientScopeError(['notes:write'], 'x'), modern);
    expect(stepUp.status).toBe(403);
    expect(stepUp.headers.get('www-authenticate')).toContain('scope="notes:write"');
    expect(stepUp.body).toMatchObject({ error: 'insufficient_scope' });
  });
});

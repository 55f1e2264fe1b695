import { expect } from 'vitest';
import type { Era } from '../../contract/index.js';
import { LEGACY_PROTOCOL_VERSION, type WireRequest, wireRequest } from '../../dev/mcp-wire.js';

/**
 * The two kinds of MCP client the proxy serves on one endpoint, for `describe.each`: each builds
 * its requests as such a client does and says how the proxy's refusals must read to it.
 */
export interface EraClient {
  /** The revision, for test titles. */
  readonly name: string;
  readonly era: Era;
  /** A JSON-RPC request of this era (body and MCP headers). */
  request(method: string, params?: Record<string, unknown>, id?: number): WireRequest;
  /**
   * What a refusal's body must match: a 2026 client reads a JSON-RPC error on every status but
   * 401/403 (a dual-era client that finds none falls back to the 2025 handshake); a 2025 client,
   * and every 401/403, the OAuth-style object. `id`: the one echoed, when the body was read.
   */
  refusal(status: number, id?: number | null): Record<string, unknown>;
}

const oauthStyle = { error: expect.any(String), error_description: expect.any(String) };

export const LEGACY: EraClient = {
  name: LEGACY_PROTOCOL_VERSION,
  era: 'legacy',
  request: (method, params, id) => wireRequest('legacy', method, params, id),
  refusal: () => oauthStyle,
};

export const MODERN: EraClient = {
  name: '2026-07-28',
  era: 'modern',
  request: (method, params, id) => wireRequest('modern', method, params, id),
  refusal: (status, id) =>
    status === 401 || status === 403
      ? oauthStyle
      : {
          jsonrpc: '2.0',
          ...(id === undefined ? {} : { id }),
          // JSON-RPC's generic codes: the request's fault below 500, the server's from 500 on.
          error: { code: status >= 500 ? -32603 : -32600, message: expect.any(String) },
        },
};

export const ERAS: readonly EraClient[] = [LEGACY, MODERN];

/** What every MCP POST carries besides its MCP headers. */
const BASE_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/** POSTs `request` to an MCP endpoint; `headers` add to (or override) the request's own. */
export function postMcp(
  url: string,
  request: WireRequest,
  options: { bearer?: string | undefined; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      ...BASE_HEADERS,
      ...(options.bearer === undefined ? {} : { authorization: `Bearer ${options.bearer}` }),
      ...request.headers,
      ...options.headers,
    },
    body: request.body,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

/** The headers of a raw `node:http` POST of `request` (for Connection or Expect, which fetch() will not send). */
export function rawHeaders(request: WireRequest, bearer: string): Record<string, string> {
  return { ...BASE_HEADERS, authorization: `Bearer ${bearer}`, ...request.headers };
}

/** Asserts that a request was refused with `status`, its body reading as `era` expects. */
export function expectRefusal(
  era: EraClient,
  answer: { readonly status: number },
  text: string,
  status: number,
  id?: number | null,
): void {
  expect(answer.status).toBe(status);
  expect(JSON.parse(text)).toMatchObject(era.refusal(status, id));
}

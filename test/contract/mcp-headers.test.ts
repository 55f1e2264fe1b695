import { describe, expect, it } from 'vitest';
import { decodeHeaderValue, eraOf, eraOfHeaders, headerMismatch } from '../../contract/index.js';

const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' };
const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', _meta: meta } };
const modern = { protocolVersion: '2026-07-28', method: 'tools/call', name: 'echo' };

/** The era rule and the header check the proxy applies, and the server will (streamable-http.mdx). */
describe('MCP 2026 routing headers', () => {
  it('tells the eras apart by the _meta version or the version header, either enough', () => {
    expect(eraOf(call, undefined)).toBe('modern');
    expect(eraOf({ method: 'tools/list' }, '2026-07-28')).toBe('modern');
    expect(eraOf({ method: 'tools/list' }, '2025-11-25')).toBe('legacy');
    expect(eraOf({ method: 'initialize', params: {} }, undefined)).toBe('legacy');
    expect(eraOfHeaders('2027-01-01')).toBe('modern');
    expect(eraOfHeaders('latest')).toBe('legacy');
  });

  it('decodes the base64 sentinel, and refuses what a header may not hold', () => {
    expect(decodeHeaderValue('=?base64?SGVsbG8sIOS4lueVjA==?=')).toBe('Hello, 世界');
    expect(decodeHeaderValue('=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=')).toBe('=?base64?literal?=');
    expect(decodeHeaderValue('plain')).toBe('plain');
    expect(decodeHeaderValue('=?BASE64?SGk=?=')).toBe('=?BASE64?SGk=?=');
    expect(decodeHeaderValue('=?base64?SGk?=')).toBeUndefined();
    expect(decodeHeaderValue('=?base64?/w==?=')).toBeUndefined();
    expect(decodeHeaderValue('caf\u00e9')).toBeUndefined();
  });

  it('requires every mirrored header of a modern request, equal to the body', () => {
    expect(headerMismatch(call, modern, 'modern')).toBeUndefined();
    expect(headerMismatch(call, { ...modern, name: undefined }, 'modern')).toBe('Mcp-Name missing');
    expect(headerMismatch(call, { ...modern, method: 'tools/list' }, 'modern')).toMatch(/^Mcp-Method/);
    expect(headerMismatch(call, { ...modern, protocolVersion: undefined }, 'modern')).toMatch(
      /^MCP-Protocol-Version/,
    );
    expect(headerMismatch(call, { ...modern, name: ['echo', 'echo'] }, 'modern')).toBe('Mcp-Name repeated');
    const list = { method: 'tools/list', params: { _meta: meta } };
    expect(
      headerMismatch(list, { ...modern, method: 'tools/list', name: undefined }, 'modern'),
    ).toBeUndefined();
    // A name the body cannot back: a gateway routing on it would apply the wrong tool's policy.
    expect(headerMismatch(list, { ...modern, method: 'tools/list', name: 'echo' }, 'modern')).toBe(
      'Mcp-Name on a method that names nothing',
    );
  });

  it('lets a legacy request omit them, but not contradict its body', () => {
    const legacy = { method: 'tools/call', params: { name: 'echo' } };
    const none = { protocolVersion: undefined, method: undefined, name: undefined };
    expect(headerMismatch(legacy, none, 'legacy')).toBeUndefined();
    expect(headerMismatch(legacy, { ...none, name: 'other' }, 'legacy')).toBe(
      'Mcp-Name disagrees with the body',
    );
    expect(headerMismatch([legacy], { ...none, method: 'tools/call' }, 'legacy')).toBe(
      'routing headers on a batch',
    );
  });
});

/**
 * What the proxy, the server and the operator share: names and data, no I/O. The one piece of I/O
 * the proxy and the server share, reading a request body within budget (`body-budget.ts`), is
 * imported on its own, so the operator never loads it.
 */
export * from './access.js';
export * from './catalogue.js';
export * from './crd.js';
export * from './headers.js';
export * from './json-bounds.js';
export * from './mcp-headers.js';
export * from './runtime.js';
export * from './scopes.js';

/** What the proxy, the server and the operator share: names and data, no I/O. */
export * from './access.js';
export * from './catalogue.js';
export * from './crd.js';
export * from './headers.js';
export * from './json-bounds.js';
export * from './runtime.js';
export * from './scopes.js';

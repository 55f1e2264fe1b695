/**
 * Header names of the proxy → server contract (DESIGN.md, "The request path").
 * Lower-case because Node exposes incoming header names lower-cased.
 * The server trusts them only from a loopback peer.
 */
export const HEADERS = {
  /** `Bearer <token for Nextcloud>`, set by the proxy after exchange. */
  authorization: 'authorization',
  /** The Nextcloud user the token belongs to (`preferred_username` or `sub`). */
  user: 'x-nextcloud-mcp-user',
  /** Space-separated tool scopes the caller holds. */
  scopes: 'x-nextcloud-mcp-scopes',
} as const;

/** Prefix of every contract header the proxy strips from client requests. */
export const CONTRACT_HEADER_PREFIX = 'x-nextcloud-mcp-';

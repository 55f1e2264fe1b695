/**
 * Header names of the proxy → server contract (DESIGN.md, "The request path").
 * Lower-case because Node exposes incoming header names lower-cased.
 * The server trusts them only from a loopback peer.
 */
export const HEADERS = {
  /** `Bearer <token for Nextcloud>`, set by the proxy after exchange. */
  authorization: 'authorization',
  /**
   * The Nextcloud user the token belongs to (`preferred_username` or `sub`), percent-encoded
   * UTF-8 ({@link encodeUserId}): header values are Latin-1 to Node, user ids are not.
   */
  user: 'x-nextcloud-mcp-user',
  /** Space-separated tool scopes the caller holds. */
  scopes: 'x-nextcloud-mcp-scopes',
} as const;

/** Prefix of every contract header the proxy strips from client requests. */
export const CONTRACT_HEADER_PREFIX = 'x-nextcloud-mcp-';

/**
 * A user id as the user header carries it: every byte of its UTF-8 outside RFC 3986's unreserved
 * set percent-encoded (`encodeURIComponent`), so any Unicode id, and one holding `%`, round-trips.
 */
export function encodeUserId(user: string): string {
  return encodeURIComponent(user);
}

/** The user id a header carries, or undefined when its percent-encoding is broken. */
export function decodeUserId(header: string): string | undefined {
  try {
    return decodeURIComponent(header);
  } catch {
    return undefined;
  }
}

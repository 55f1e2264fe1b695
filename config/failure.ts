/**
 * A failure in one line, with the causes beneath it: fetch says only "fetch failed" and keeps
 * why (refused, DNS, TLS, a timeout) in `cause`, possibly several at once in an AggregateError.
 * Only error messages, codes and HTTP statuses are told: never a body, which may hold a token.
 */
export function describeFailure(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    const part = describeOne(current);
    if (part && !parts.some((told) => told.includes(part))) parts.push(part);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': ') || 'unknown error';
}

/** Node's codes for what a newcomer meets first, said plainly; other codes are shown as they are. */
const PLAINLY: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found (DNS)',
  EAI_AGAIN: 'DNS lookup failed (temporarily)',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
  UND_ERR_BODY_TIMEOUT: 'no answer in time',
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied',
  ENOENT: 'no such file',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate not trusted (self-signed)',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS certificate not trusted (self-signed in its chain)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted (unknown issuer)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'TLS certificate not trusted (unknown issuer)',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate is not for this host name',
};

function describeOne(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return [...new Set(error.errors.map(describeFailure))].join(' / ');
  }
  if (error instanceof Response)
    return `HTTP ${error.status}${error.statusText ? ` ${error.statusText}` : ''}`;
  if (!(error instanceof Error)) return '';
  const code = (error as NodeJS.ErrnoException).code;
  const plainly = typeof code === 'string' ? PLAINLY[code] : undefined;
  if (plainly) return `${plainly} (${error.message})`;
  if (error.name === 'TimeoutError') return `timed out (${error.message})`;
  return error.message;
}

import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { UnknownSessionError } from './errors.js';

const VERSION = 'v1';

/**
 * Binds MCP session ids to the subject that created them without shared state between
 * replicas: the id the client sees carries the upstream's id (if any), a nonce and an HMAC
 * over subject, upstream id and nonce, keyed by the tenant's secret. Any replica can check it;
 * another subject presenting it gets the spec's 404 for an unknown session.
 */
export class SessionBinder {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'nextcloud-mcp-proxy', 'mcp-session-binding', 32));
  }

  /** The session id to hand the client for a session the upstream named `upstreamId` (or none). */
  issue(subject: string, upstreamId: string | undefined): string {
    const upstream = Buffer.from(upstreamId ?? '').toString('base64url');
    const nonce = randomBytes(16).toString('base64url');
    return `${VERSION}.${upstream}.${nonce}.${this.mac(subject, upstream, nonce)}`;
  }

  /** The upstream's session id behind `presented` ('' when the upstream has none), if `subject` owns it. */
  open(subject: string, presented: string): string {
    const [version, upstream, nonce, mac, ...rest] = presented.split('.');
    if (version !== VERSION || upstream === undefined || !nonce || !mac || rest.length > 0) {
      throw new UnknownSessionError('malformed session id');
    }
    const expected = Buffer.from(this.mac(subject, upstream, nonce));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw new UnknownSessionError('session id not bound to this subject');
    }
    return Buffer.from(upstream, 'base64url').toString();
  }

  private mac(subject: string, upstream: string, nonce: string): string {
    return createHmac('sha256', this.key).update(`${subject}\0${upstream}\0${nonce}`).digest('base64url');
  }
}

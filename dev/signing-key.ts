import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type JWK, type JWTPayload, SignJWT } from 'jose';

/** A signing key handed to the embedded IdP (`signingJwk`), so suites and benchmarks can mint its tokens. */
export interface SigningKey {
  /** The private JWK, with its `kid`. */
  readonly jwk: JWK;
  /**
   * An RS256 access token (typ at+jwt, which the IdP requires of a token to exchange) with
   * `claims`, a fresh `jti` and a five-minute `exp` unless `claims` sets them.
   */
  sign(claims: JWTPayload, header?: { alg?: string; kid?: string; typ?: string }): Promise<string>;
}

export async function createSigningKey(kid: string): Promise<SigningKey> {
  const jwk = {
    ...(await exportJWK((await generateKeyPair('RS256', { extractable: true })).privateKey)),
    kid,
  };
  const key = await importJWK(jwk, 'RS256');
  return {
    jwk,
    sign(claims, header = {}) {
      return new SignJWT({ exp: Math.floor(Date.now() / 1000) + 300, jti: randomUUID(), ...claims })
        .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid, ...header })
        .sign(key);
    },
  };
}

import { describe, expect, it } from 'vitest';
import { SecretKeyMissing } from '../../operator/errors.js';
import { credentialsFromSecret } from '../../operator/keycloak-credentials.js';

const data = (keys: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(keys).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
  );

describe("the Keycloak admin Secret's keys", () => {
  it("reads a user's, the realm key optional", () => {
    expect(credentialsFromSecret('ns/kc', data({ username: 'admin', password: 'pw' }))).toEqual({
      username: 'admin',
      password: 'pw',
    });
    expect(
      credentialsFromSecret('ns/kc', data({ username: 'op', password: 'pw', realm: 'tenant', extra: 'x' })),
    ).toEqual({ username: 'op', password: 'pw', realm: 'tenant' });
  });

  it("prefers a service account's when both are there, and counts an empty value as missing", () => {
    expect(
      credentialsFromSecret(
        'ns/kc',
        data({ username: 'admin', password: 'pw', clientId: 'op', clientSecret: 's' }),
      ),
    ).toEqual({ clientId: 'op', clientSecret: 's' });
    expect(() =>
      credentialsFromSecret('ns/kc', data({ username: 'admin', password: '', clientSecret: '' })),
    ).toThrow(
      new SecretKeyMissing(
        `Secret ns/kc has no key "password": it needs "clientId" and "clientSecret" (a service account of the tenant's realm), or "username" and "password" (and "realm" when the user is not of master)`,
      ),
    );
  });

  it('names the missing keys of an incomplete service account', () => {
    expect(() => credentialsFromSecret('ns/kc', data({ clientSecret: 'hidden' }))).toThrow(
      'Secret ns/kc has no key "clientId": a service account needs "clientId" and "clientSecret"',
    );
    expect(() => credentialsFromSecret('ns/kc', undefined)).toThrow(/no key "username", "password"/);
  });
});

import { NetworkError } from '@keycloak/keycloak-admin-client';
import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  fromKubernetes,
  IdentityProviderRejected,
  IdentityProviderUnavailable,
  KubernetesConflict,
  KubernetesNotFound,
  KubernetesRejected,
  KubernetesUnavailable,
  OperatorError,
  SecretNotFound,
} from '../../operator/errors.js';
import { fromKeycloak } from '../../operator/keycloak-errors.js';

const apiError = (code: number, message = 'said so') =>
  new ApiException(code, 'HTTP error', JSON.stringify({ kind: 'Status', message }), {});
const keycloakError = (status: number, responseData: unknown = {}) =>
  new NetworkError('failed', { response: new Response(null, { status }), responseData });

describe('operator errors', () => {
  it('name their class, carry a code and keep their cause', () => {
    const cause = new Error('underneath');
    const error = new SecretNotFound('Secret ns/kc does not exist', { cause });
    expect(error).toBeInstanceOf(OperatorError);
    expect(error).toMatchObject({ name: 'SecretNotFound', code: 'ERR_SECRET_NOT_FOUND', cause });
    expect(error.transient).toBe(false);
    expect(error.reason).toBe('SecretNotFound');
  });

  it("classify the Kubernetes client's failures once, by status", () => {
    expect(fromKubernetes(apiError(404))).toBeInstanceOf(KubernetesNotFound);
    expect(fromKubernetes(apiError(409))).toBeInstanceOf(KubernetesConflict);
    expect(fromKubernetes(apiError(422))).toBeInstanceOf(KubernetesRejected);
    // A failed JSON patch `test` answers 422: a lost race when the patch carries one.
    expect(fromKubernetes(apiError(422), { tested: true })).toBeInstanceOf(KubernetesConflict);
    expect(fromKubernetes(apiError(503))).toBeInstanceOf(KubernetesUnavailable);
    expect(fromKubernetes(new TypeError('fetch failed'))).toBeInstanceOf(KubernetesUnavailable);
    const conflict = fromKubernetes(apiError(409, 'the object has been modified'));
    expect(conflict.message).toBe('the Kubernetes API answered HTTP 409 (the object has been modified)');
    expect(conflict.transient).toBe(true);
    expect(conflict.reason).toBeUndefined();
    const ours = new SecretNotFound('x');
    expect(fromKubernetes(ours)).toBe(ours);
  });

  it("classify the Keycloak admin client's failures once: a 4xx refuses, the rest may pass", () => {
    const refused = fromKeycloak(
      keycloakError(401, { error_description: 'Invalid user credentials' }),
      'sign-in',
    );
    expect(refused).toBeInstanceOf(IdentityProviderRejected);
    expect(refused.message).toBe('sign-in: HTTP 401 (Invalid user credentials)');
    expect(fromKeycloak(keycloakError(429), 'x')).toBeInstanceOf(IdentityProviderUnavailable);
    expect(fromKeycloak(keycloakError(502), 'x')).toBeInstanceOf(IdentityProviderUnavailable);
    expect(fromKeycloak(new Error('socket hang up'), 'x')).toMatchObject({
      name: 'IdentityProviderUnavailable',
      message: 'x: socket hang up',
      transient: true,
    });
  });
});

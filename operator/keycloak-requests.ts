import { Agent, type Dispatcher } from 'undici';

/** What a request to Keycloak was: the admin token grant, or an admin API read or write. */
export type KeycloakRequestKind = 'sign-in' | 'read' | 'write';
/** Told of every HTTP request sent to Keycloak. */
export type KeycloakRequestObserver = (kind: KeycloakRequestKind) => void;

/** An HTTP agent for the automations that tells `observe` of each request (metrics, benchmarks). */
export function countingDispatcher(observe: KeycloakRequestObserver): Dispatcher {
  return new Agent().compose((dispatch) => (options, handler) => {
    // The sign-in is a POST too, but it changes nothing in any realm.
    const signIn = options.path.includes('/protocol/openid-connect/token');
    observe(signIn ? 'sign-in' : options.method === 'GET' ? 'read' : 'write');
    return dispatch(options, handler);
  });
}

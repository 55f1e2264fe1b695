import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The real peers (control plane, Keycloak) every operator and IdP suite runs against.
    globalSetup: ['test/global-setup.ts'],
    // Most suites wait on a peer (Keycloak, the API server, a spawned program), not on a core:
    // three files at once on two cores (the default is one, cores - 1).
    maxWorkers: 3,
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Stopping the peers gracefully (apiserver, Keycloak) takes longer than the default 10 s.
    teardownTimeout: 60_000,
  },
});

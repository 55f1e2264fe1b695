/**
 * A real Keycloak for the suites: the distribution from Maven Central (peers/build.sh),
 * `kc.sh start-dev` on loopback with a bootstrap admin and an in-memory H2 database, so every
 * run starts from a master realm alone. The experimental CIMD feature is on so the operator's
 * client policy for Client ID Metadata Documents meets the executor it names.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../dev/free-port.js';
import { peerPath } from './cache.js';
import { startPeer, waitUntilReady } from './process.js';

export interface KeycloakPeer {
  readonly url: string;
  readonly admin: string;
  readonly adminPassword: string;
  /** Its management interface (health and metrics). */
  readonly managementUrl: string;
  readonly pids: number[];
  stop(): Promise<void>;
}

export async function startKeycloak(
  dir: string,
  /** `features`: Keycloak's `--features`; a suite that needs a Keycloak without CIMD passes none. */
  options: { detached?: boolean; features?: readonly string[] } = {},
): Promise<KeycloakPeer> {
  const keycloakHome = peerPath('keycloakHome');
  mkdirSync(dir, { recursive: true });
  const [port, managementPort] = [await freePort(), await freePort()];
  const admin = 'admin';
  const adminPassword = randomBytes(12).toString('hex');
  const url = `http://127.0.0.1:${port}`;
  const managementUrl = `http://127.0.0.1:${managementPort}`;
  const keycloak = startPeer(
    'keycloak',
    join(keycloakHome, 'bin', 'kc.sh'),
    [
      'start-dev',
      '--db=dev-mem',
      '--http-host=127.0.0.1',
      `--http-port=${port}`,
      `--http-management-port=${managementPort}`,
      '--health-enabled=true',
      '--metrics-enabled=true',
      // Client ID Metadata Documents are experimental in 26.x: off unless asked for.
      ...((options.features ?? ['cimd']).length
        ? [`--features=${(options.features ?? ['cimd']).join(',')}`]
        : []),
      `--hostname=${url}`,
      '--log-level=warn,org.keycloak.events:debug',
    ],
    join(dir, 'keycloak.log'),
    {
      detached: options.detached ?? false,
      env: {
        ...process.env,
        KC_BOOTSTRAP_ADMIN_USERNAME: admin,
        KC_BOOTSTRAP_ADMIN_PASSWORD: adminPassword,
        // Keycloak sizes its heap from the machine's memory; the suites need far less.
        JAVA_OPTS_KC_HEAP: '-Xms128m -Xmx768m',
      },
    },
  );
  await waitUntilReady(keycloak, async () => (await fetch(`${managementUrl}/health/ready`)).ok, 240_000);
  return {
    url,
    admin,
    adminPassword,
    managementUrl,
    pids: [keycloak.child.pid ?? 0],
    stop: () => keycloak.stop(),
  };
}

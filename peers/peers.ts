/**
 * Starts the real peers together (a control plane with the NextcloudMcp CRD installed, and
 * Keycloak) and names them in shell-sourceable variables, the ones the suites read.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peerPath } from './cache.js';
import { startKeycloak } from './keycloak.js';
import { startKubernetes } from './kubernetes.js';

export interface PeerEnv {
  TEST_KUBECONFIG: string;
  TEST_ETCD_URL: string;
  TEST_AUDIT_LOG: string;
  TEST_KEYCLOAK_URL: string;
  TEST_KEYCLOAK_ADMIN: string;
  TEST_KEYCLOAK_ADMIN_PASSWORD: string;
  TEST_KUBECTL: string;
  TEST_HELM: string;
  /** The process ids to stop (npm run peers:stop). */
  PEER_PIDS: string;
}

export interface RunningPeers {
  env: PeerEnv;
  stop(): Promise<void>;
}

export async function startPeers(dir: string, options: { detached?: boolean } = {}): Promise<RunningPeers> {
  const started = Date.now();
  const [kubernetes, keycloak] = await Promise.all([
    startKubernetes(join(dir, 'kubernetes'), { ...options, crds: 'crds/' }).then((peer) => {
      process.stderr.write(`peers: control plane ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      return peer;
    }),
    startKeycloak(join(dir, 'keycloak'), options).then((peer) => {
      process.stderr.write(`peers: Keycloak ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      return peer;
    }),
  ]);
  return {
    env: {
      TEST_KUBECONFIG: kubernetes.kubeconfig,
      TEST_ETCD_URL: kubernetes.etcdUrl,
      TEST_AUDIT_LOG: kubernetes.auditLog,
      TEST_KEYCLOAK_URL: keycloak.url,
      TEST_KEYCLOAK_ADMIN: keycloak.admin,
      TEST_KEYCLOAK_ADMIN_PASSWORD: keycloak.adminPassword,
      TEST_KUBECTL: peerPath('kubectl'),
      TEST_HELM: peerPath('helm'),
      PEER_PIDS: [...kubernetes.pids, ...keycloak.pids].join(' '),
    },
    async stop() {
      await Promise.all([kubernetes.stop(), keycloak.stop()]);
    },
  };
}

export function writePeerEnv(file: string, env: PeerEnv): void {
  writeFileSync(
    file,
    `${Object.entries(env)
      .map(([key, value]) => `export ${key}='${value}'`)
      .join('\n')}\n`,
  );
}

export function readPeerEnv(file: string): PeerEnv | undefined {
  if (!existsSync(file)) return undefined;
  const env: Record<string, string> = {};
  for (const match of readFileSync(file, 'utf8').matchAll(/^export ([A-Z_]+)='([^']*)'$/gm))
    env[match[1] as string] = match[2] as string;
  return env as unknown as PeerEnv;
}

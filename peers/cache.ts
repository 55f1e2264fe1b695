import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The pinned versions of the real peers (peers/versions.env, also read by build.sh). */
export const PEER_VERSIONS = Object.fromEntries(
  readFileSync(new URL('./versions.env', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z0-9_]+=/.test(line))
    .map((line) => line.split('=', 2) as [string, string]),
) as Record<
  | 'K8S_VERSION'
  | 'ETCD_VERSION'
  | 'HELM_VERSION'
  | 'KEYCLOAK_VERSION'
  | 'PROMETHEUS_OPERATOR_VERSION'
  | 'INSPECTOR_VERSION'
  | 'NODE_LTS_VERSION',
  string
>;

const cacheRoot =
  process.env.NEXTCLOUD_MCP_PEERS_CACHE ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'nextcloud-mcp', 'peers');

/** Where build.sh put the peers. */
const paths = (() => {
  const k8s = join(cacheRoot, `kubernetes-${PEER_VERSIONS.K8S_VERSION}`, 'bin');
  const inspector = join(cacheRoot, `inspector-${PEER_VERSIONS.INSPECTOR_VERSION}`, 'node_modules');
  const paths = {
    kubeApiserver: join(k8s, 'kube-apiserver'),
    kubeControllerManager: join(k8s, 'kube-controller-manager'),
    kubectl: join(k8s, 'kubectl'),
    etcd: join(cacheRoot, `etcd-${PEER_VERSIONS.ETCD_VERSION}`, 'bin', 'etcd'),
    helm: join(cacheRoot, `helm-${PEER_VERSIONS.HELM_VERSION}`, 'bin', 'helm'),
    keycloakHome: join(cacheRoot, `keycloak-${PEER_VERSIONS.KEYCLOAK_VERSION}`),
    monitoringCrds: join(
      cacheRoot,
      `prometheus-operator-${PEER_VERSIONS.PROMETHEUS_OPERATOR_VERSION}`,
      'crds',
    ),
    /** The current LTS Node (the Inspector runs on it), and the Inspector's launcher (its `mcp-inspector` bin). */
    ltsNode: join(cacheRoot, `node-${PEER_VERSIONS.NODE_LTS_VERSION}`, 'node_modules', 'node', 'bin', 'node'),
    inspector: join(
      inspector,
      '@modelcontextprotocol',
      'inspector',
      'clients',
      'launcher',
      'build',
      'index.js',
    ),
  };
  return paths;
})();

/** Whether build.sh put this peer into the cache. */
export function peerCached(name: keyof typeof paths): boolean {
  return existsSync(paths[name]);
}

/** The path of one peer's program; throws with the command to run when it is missing. */
export function peerPath(name: keyof typeof paths): string {
  const path = paths[name];
  if (!existsSync(path)) throw new Error(`${path} is missing: run bash peers/build.sh first`);
  return path;
}

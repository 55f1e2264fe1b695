/**
 * A real control plane for the suites, started as envtest starts one: etcd, kube-apiserver with a
 * generated CA and serving certificate, token authentication, RBAC and the admission plugins of a
 * production cluster, and kube-controller-manager running the garbage collector, namespace,
 * Deployment, ReplicaSet and ServiceAccount controllers. No kubelet and no scheduler: a test makes
 * pods Ready by writing their status.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { freePort } from '../dev/free-port.js';
import { peerPath } from './cache.js';
import { type PeerProcess, startPeer, waitUntilReady } from './process.js';

export interface KubernetesPeer {
  readonly url: string;
  /** A kubeconfig for a cluster admin (system:masters). */
  readonly kubeconfig: string;
  readonly adminToken: string;
  readonly caFile: string;
  /** etcd's client URL (its JSON gateway compacts history for the watch-expiry tests). */
  readonly etcdUrl: string;
  /** The first apiserver's audit log (JSON lines, Metadata level): who made which request. */
  readonly auditLog: string;
  /** Process ids of etcd, kube-apiserver and kube-controller-manager (as started). */
  readonly pids: number[];
  readonly apiservers: readonly Apiserver[];
  stop(): Promise<void>;
}

const ADMISSION_PLUGINS = [
  // kube-apiserver's defaults, named so the set does not drift with releases …
  'NamespaceLifecycle',
  'LimitRanger',
  'ServiceAccount',
  'DefaultStorageClass',
  'DefaultTolerationSeconds',
  'MutatingAdmissionWebhook',
  'ValidatingAdmissionWebhook',
  'ValidatingAdmissionPolicy',
  'ResourceQuota',
  'PodSecurity',
  'Priority',
  'RuntimeClass',
  'StorageObjectInUseProtection',
  'PersistentVolumeClaimResize',
  'TaintNodesByCondition',
  'CertificateApproval',
  'CertificateSigning',
  'CertificateSubjectRestriction',
  'DefaultIngressClass',
  // … and what production clusters add: an owner reference with blockOwnerDeletion needs the
  // right to update the owner's finalizers.
  'NodeRestriction',
  'OwnerReferencesPermissionEnforcement',
];

function openssl(cwd: string, ...args: string[]) {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA, a serving certificate for 127.0.0.1 / localhost, and the service-account signing key. */
function writePki(dir: string) {
  openssl(
    dir,
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=peers-ca',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  writeFileSync(
    join(dir, 'server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n',
  );
  openssl(
    dir,
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=kube-apiserver',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
  );
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'server.ext',
    '-out',
    'server.crt',
  );
  openssl(dir, 'genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'sa.key');
  openssl(dir, 'pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub');
}

export function kubeconfigFor(server: string, caFile: string, token: string, user = 'admin'): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'peers', cluster: { server, 'certificate-authority': caFile } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: 'peers', context: { cluster: 'peers', user } }],
    'current-context': 'peers',
  });
}

function healthy(url: string, ca: Buffer, token: string, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = https.get(
      `${url}${path}`,
      { ca, headers: { authorization: `Bearer ${token}` } },
      (response) => {
        response.resume();
        resolve(response.statusCode === 200);
      },
    );
    request.on('error', () => resolve(false));
    request.setTimeout(5000, () => request.destroy());
  });
}

export interface KubernetesOptions {
  readonly detached?: boolean;
  /** kube-apiservers over the one etcd (an HA control plane: one can be down while another serves). */
  readonly apiservers?: number;
  readonly controllerManager?: boolean;
  /** CRDs to install before the controllers start, so the garbage collector knows their kinds at once. */
  readonly crds?: string;
}

/** `kubectl apply --server-side -f <dir>`, as a platform team installs CRDs, then waits for them. */
export function installCrds(kubectl: string, kubeconfig: string, crds = 'crds/'): void {
  const run = (...args: string[]) =>
    execFileSync(kubectl, [`--kubeconfig=${kubeconfig}`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  run('apply', '--server-side', '--field-manager=nextcloud-mcp-tests', '--force-conflicts', '-f', crds);
  run('wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all');
}

/** One kube-apiserver of the control plane. */
export interface Apiserver {
  readonly url: string;
  readonly kubeconfig: string;
  /** Stops it, runs `whileDown` (e.g. changes through another apiserver), and starts it again. */
  restart(whileDown?: () => Promise<void>): Promise<void>;
}

export async function startKubernetes(dir: string, options: KubernetesOptions = {}): Promise<KubernetesPeer> {
  mkdirSync(dir, { recursive: true });
  writePki(dir);
  const adminToken = randomBytes(24).toString('hex');
  const controllerManagerToken = randomBytes(24).toString('hex');
  writeFileSync(
    join(dir, 'tokens.csv'),
    `${adminToken},admin,admin-uid,"system:masters"\n${controllerManagerToken},system:kube-controller-manager,kcm-uid,"system:masters"\n`,
  );
  // Who did what, as the apiserver saw it: the suites read it to count the operator's writes and
  // the permissions it used. The control plane's own traffic and probes are left out.
  const auditLog = join(dir, 'audit.log');
  writeFileSync(
    join(dir, 'audit-policy.yaml'),
    JSON.stringify({
      apiVersion: 'audit.k8s.io/v1',
      kind: 'Policy',
      omitStages: ['RequestReceived'],
      rules: [
        { level: 'None', users: ['system:kube-controller-manager', 'system:apiserver'] },
        { level: 'None', nonResourceURLs: ['/readyz*', '/healthz*', '/livez*', '/metrics'] },
        { level: 'Metadata' },
      ],
    }),
  );
  const [etcdPort, etcdPeerPort] = [await freePort(), await freePort()];
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const caFile = join(dir, 'ca.crt');
  const ca = readFileSync(caFile);
  const detached = options.detached ?? false;

  const etcd = startPeer(
    'etcd',
    peerPath('etcd'),
    [
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeerPort}`,
      '--unsafe-no-fsync',
      '--log-level=warn',
    ],
    join(dir, 'etcd.log'),
    { detached },
  );
  await waitUntilReady(etcd, async () => (await fetch(`${etcdUrl}/health`)).ok, 30_000);

  const processes: PeerProcess[] = [];
  const startApiserver = async (index: number, port: number): Promise<Apiserver> => {
    const url = `https://127.0.0.1:${port}`;
    const kubeconfig = join(dir, index === 0 ? 'admin.kubeconfig' : `admin-${index}.kubeconfig`);
    writeFileSync(kubeconfig, kubeconfigFor(url, caFile, adminToken));
    const args = [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      // As envtest: the default/kubernetes endpoints may not point at loopback.
      '--endpoint-reconciler-type=none',
      `--secure-port=${port}`,
      `--cert-dir=${dir}`,
      `--tls-cert-file=${join(dir, 'server.crt')}`,
      `--tls-private-key-file=${join(dir, 'server.key')}`,
      `--client-ca-file=${caFile}`,
      `--token-auth-file=${join(dir, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      `--enable-admission-plugins=${ADMISSION_PLUGINS.join(',')}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${join(dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      '--allow-privileged=true',
      `--audit-policy-file=${join(dir, 'audit-policy.yaml')}`,
      `--audit-log-path=${index === 0 ? auditLog : join(dir, `audit-${index}.log`)}`,
      '--audit-log-format=json',
      '--audit-log-mode=blocking',
      '--v=1',
    ];
    const launch = async () => {
      const peer = startPeer(
        'kube-apiserver',
        peerPath('kubeApiserver'),
        args,
        join(dir, `kube-apiserver-${index}.log`),
        {
          detached,
        },
      );
      processes[index] = peer;
      await waitUntilReady(peer, () => healthy(url, ca, adminToken, '/readyz'), 90_000);
    };
    await launch();
    return {
      url,
      kubeconfig,
      async restart(whileDown) {
        await processes[index]?.stop();
        await whileDown?.();
        await launch();
      },
    };
  };
  const apiservers: Apiserver[] = [];
  for (let index = 0; index < (options.apiservers ?? 1); index++)
    apiservers.push(await startApiserver(index, await freePort()));
  const first = apiservers[0] as Apiserver;
  const last = apiservers[apiservers.length - 1] as Apiserver;

  if (options.crds) installCrds(peerPath('kubectl'), first.kubeconfig, options.crds);
  let controllerManager: PeerProcess | undefined;
  if (options.controllerManager ?? true) {
    const kcmKubeconfig = join(dir, 'kube-controller-manager.kubeconfig');
    writeFileSync(
      kcmKubeconfig,
      kubeconfigFor(last.url, caFile, controllerManagerToken, 'kube-controller-manager'),
    );
    controllerManager = startPeer(
      'kube-controller-manager',
      peerPath('kubeControllerManager'),
      [
        // The apiserver a fault test leaves up, so the controllers keep working through it.
        `--kubeconfig=${kcmKubeconfig}`,
        '--controllers=garbagecollector,namespace,deployment,replicaset,serviceaccount,serviceaccount-token',
        '--leader-elect=false',
        '--use-service-account-credentials=false',
        `--root-ca-file=${caFile}`,
        `--service-account-private-key-file=${join(dir, 'sa.key')}`,
        '--secure-port=0',
        '--concurrent-gc-syncs=5',
        '--v=1',
      ],
      join(dir, 'kube-controller-manager.log'),
      { detached },
    );
    // The ServiceAccount controller's default account in `default` is its first visible act.
    await waitUntilReady(
      controllerManager,
      () => healthy(last.url, ca, adminToken, '/api/v1/namespaces/default/serviceaccounts/default'),
      60_000,
    );
  }

  return {
    url: first.url,
    kubeconfig: first.kubeconfig,
    apiservers,
    adminToken,
    caFile,
    etcdUrl,
    auditLog,
    get pids() {
      return [etcd, ...processes, ...(controllerManager ? [controllerManager] : [])].map(
        (peer) => peer.child.pid ?? 0,
      );
    },
    async stop() {
      await controllerManager?.stop();
      for (const peer of processes) await peer.stop();
      await etcd.stop();
    },
  };
}

/**
 * Compacts etcd's whole history (its JSON gateway), as the apiserver's periodic compaction does:
 * a watch resuming from an older resourceVersion is answered 410 Gone and must list again.
 */
export async function compactEtcd(etcdUrl: string): Promise<void> {
  const post = async (path: string, body: object) => {
    const response = await fetch(`${etcdUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`etcd ${path} answered HTTP ${response.status}`);
    return (await response.json()) as { header: { revision: string } };
  };
  // A range over one key is the cheapest way to read the current revision.
  const { header } = await post('/v3/kv/range', { key: Buffer.from('/').toString('base64') });
  await post('/v3/kv/compaction', { revision: header.revision, physical: true });
}

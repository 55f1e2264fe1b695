import { CoordinationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { ConfigError } from '../config/env.js';
import { loadOperatorConfig } from './config.js';
import { startController } from './controller.js';
import { createEventRecorder } from './events.js';
import { startOperatorHttp } from './http.js';
import { createIdentityProvisioner } from './identity.js';
import { LeaderElector, Leadership, retryPeriodMs } from './leader.js';
import { createOperatorMetrics } from './metrics.js';

const log = pino({ name: 'nextcloud-mcp-operator' });

try {
  // Configuration.
  const config = loadOperatorConfig(process.env);
  log.level = config.LOG_LEVEL;
  const kubeConfig = new KubeConfig();
  if (config.KUBECONFIG) kubeConfig.loadFromFile(config.KUBECONFIG);
  else kubeConfig.loadFromCluster();

  // Dependencies.
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const metrics = createOperatorMetrics();
  const leadership = new Leadership({
    elector: new LeaderElector({
      leases: kubeConfig.makeApiClient(CoordinationV1Api),
      namespace: config.POD_NAMESPACE,
      name: 'nextcloud-mcp-operator',
      identity: config.POD_NAME,
      leaseDurationSeconds: config.LEASE_DURATION_SECONDS,
    }),
    retryPeriodMs: retryPeriodMs(config.LEASE_DURATION_SECONDS),
    log: log.child({ identity: config.POD_NAME }),
    onRound: (leading) => metrics.leader.set(leading ? 1 : 0),
    start: () =>
      startController({
        kubeConfig,
        identity: createIdentityProvisioner(
          core,
          (mode, operation, result) => metrics.idpCalls.inc({ mode, operation, result }),
          (kind) => metrics.keycloakRequests.inc({ kind }),
        ),
        events: createEventRecorder(core, log, config.POD_NAME),
        operatorImage: config.OPERATOR_IMAGE,
        tenantImages: config.TENANT_IMAGES,
        ingressDomains: config.TENANT_INGRESS_DOMAINS,
        workers: config.WORKERS,
        log,
        metrics,
        resyncMs: config.RESYNC_SECONDS * 1000,
        ...(config.WATCH_NAMESPACE ? { namespace: config.WATCH_NAMESPACE } : {}),
      }),
  });

  // Start: probes first (a standby replica answers them too), then the leadership rounds.
  const http = await startOperatorHttp(config.HTTP_PORT, leadership, metrics.registry);
  log.info({ port: http.port }, 'probes and metrics listening');
  await leadership.start();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log.info({ signal }, 'stopping');
      void leadership.stop().then(() => {
        http.server.close();
        process.exit(0);
      });
    });
  }
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}

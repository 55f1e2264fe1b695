import { CoordinationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { ConfigError } from '../config/env.js';
import { loadOperatorConfig } from './config.js';
import { type RunningController, startController } from './controller.js';
import { createEventRecorder } from './events.js';
import { startOperatorHttp } from './http.js';
import { createIdentityProvisioner } from './identity.js';
import { LeaderElector, retryPeriodMs } from './leader.js';
import { createOperatorMetrics } from './metrics.js';

const log = pino({ name: 'nextcloud-mcp-operator' });

try {
  const config = loadOperatorConfig(process.env);
  log.level = config.LOG_LEVEL;
  const kubeConfig = new KubeConfig();
  if (config.KUBECONFIG) kubeConfig.loadFromFile(config.KUBECONFIG);
  else kubeConfig.loadFromCluster();
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const metrics = createOperatorMetrics();
  const elector = new LeaderElector({
    leases: kubeConfig.makeApiClient(CoordinationV1Api),
    namespace: config.POD_NAMESPACE,
    name: 'nextcloud-mcp-operator',
    identity: config.POD_NAME,
    leaseDurationSeconds: config.LEASE_DURATION_SECONDS,
  });
  let apiReachable = false;
  const http = await startOperatorHttp(
    config.HTTP_PORT,
    { apiReachable: () => apiReachable },
    metrics.registry,
  );
  log.info({ port: http.port }, 'probes and metrics listening');

  let controller: RunningController | undefined;
  // Only the replica holding the Lease reconciles.
  const tick = async () => {
    const leading = await elector.tryAcquireOrRenew().then(
      (won) => {
        apiReachable = true;
        return won;
      },
      (error: unknown) => {
        apiReachable = false;
        log.warn({ err: error }, 'leader election failed; not leading this round');
        return false;
      },
    );
    metrics.leader.set(leading ? 1 : 0);
    if (leading && !controller) {
      log.info({ identity: config.POD_NAME }, 'leading: starting the controller');
      controller = await startController({
        kubeConfig,
        identity: createIdentityProvisioner(
          core,
          (mode, operation, outcome) => metrics.idpCalls.inc({ mode, operation, outcome }),
          (kind) => metrics.keycloakRequests.inc({ kind }),
        ),
        events: createEventRecorder(core, log, config.POD_NAME),
        operatorImage: config.OPERATOR_IMAGE,
        workers: config.WORKERS,
        log,
        metrics,
        resyncMs: config.RESYNC_SECONDS * 1000,
        ...(config.WATCH_NAMESPACE ? { namespace: config.WATCH_NAMESPACE } : {}),
      });
    } else if (!leading && controller) {
      log.warn('lost the lease: stopping the controller');
      await controller.stop();
      controller = undefined;
    }
  };
  await tick();
  const timer = setInterval(() => void tick(), retryPeriodMs(config.LEASE_DURATION_SECONDS));
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log.info({ signal }, 'stopping');
      clearInterval(timer);
      const stopping = async () => {
        // Reconciles in flight finish first; then the lease goes to a standby replica at once.
        await controller?.stop();
        if (controller)
          await elector
            .release()
            .catch((error: unknown) => log.warn({ err: error }, 'could not release the lease'));
        http.server.close();
      };
      void stopping().then(() => process.exit(0));
    });
  }
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}

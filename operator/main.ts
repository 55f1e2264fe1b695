import { CoordinationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { loadOperatorConfig, OperatorConfigError } from './config.js';
import { type RunningController, startController } from './controller.js';
import { createIdentityProvisioner } from './identity.js';
import { LeaderElector } from './leader.js';

const log = pino({ name: 'nextcloud-mcp-operator' });

try {
  const config = loadOperatorConfig(process.env);
  log.level = config.LOG_LEVEL;
  const kubeConfig = new KubeConfig();
  if (config.KUBECONFIG) kubeConfig.loadFromFile(config.KUBECONFIG);
  else kubeConfig.loadFromCluster();
  const elector = new LeaderElector({
    leases: kubeConfig.makeApiClient(CoordinationV1Api),
    namespace: config.POD_NAMESPACE,
    name: 'nextcloud-mcp-operator',
    identity: config.POD_NAME,
    leaseDurationSeconds: config.LEASE_DURATION_SECONDS,
  });
  let controller: RunningController | undefined;
  // Only the replica holding the Lease reconciles; it renews at a third of the lease's duration.
  const tick = async () => {
    const leading = await elector.tryAcquireOrRenew().catch((error: unknown) => {
      log.warn({ err: error }, 'leader election failed; not leading this round');
      return false;
    });
    if (leading && !controller) {
      log.info({ identity: config.POD_NAME }, 'leading: starting the controller');
      controller = await startController({
        kubeConfig,
        identity: createIdentityProvisioner(kubeConfig.makeApiClient(CoreV1Api)),
        operatorImage: config.OPERATOR_IMAGE,
        workers: config.WORKERS,
        log,
      });
    } else if (!leading && controller) {
      log.warn('lost the lease: stopping the controller');
      await controller.stop();
      controller = undefined;
    }
  };
  await tick();
  const timer = setInterval(() => void tick(), (config.LEASE_DURATION_SECONDS * 1000) / 3);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log.info({ signal }, 'stopping');
      clearInterval(timer);
      void (controller?.stop() ?? Promise.resolve()).then(() => process.exit(0));
    });
  }
} catch (error) {
  if (!(error instanceof OperatorConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}

import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { loadOperatorConfig, OperatorConfigError } from './config.js';
import { startController } from './controller.js';
import { createIdentityProvisioner } from './identity.js';

const log = pino({ name: 'nextcloud-mcp-operator' });

try {
  const config = loadOperatorConfig(process.env);
  log.level = config.LOG_LEVEL;
  const kubeConfig = new KubeConfig();
  if (config.KUBECONFIG) kubeConfig.loadFromFile(config.KUBECONFIG);
  else kubeConfig.loadFromCluster();
  const controller = await startController({
    kubeConfig,
    identity: createIdentityProvisioner(kubeConfig.makeApiClient(CoreV1Api)),
    operatorImage: config.OPERATOR_IMAGE,
    workers: config.WORKERS,
    log,
  });
  log.info({ workers: config.WORKERS, image: config.OPERATOR_IMAGE }, 'operator running');
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log.info({ signal }, 'stopping');
      void controller.stop().then(() => process.exit(0));
    });
  }
} catch (error) {
  if (!(error instanceof OperatorConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}

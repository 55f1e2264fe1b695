import { CoordinationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { pino } from 'pino';
import { runProgram } from '../config/cli.js';
import { awaitApiServer } from './api-server.js';
import { loadKubeConfig, OPERATOR_PROGRAM } from './config.js';
import { startController } from './controller.js';
import { createEventRecorder } from './events.js';
import { startOperatorHttp } from './http.js';
import { createIdentityProvisioner } from './identity.js';
import { LeaderElector, Leadership, retryPeriodMs } from './leader.js';
import { createOperatorMetrics } from './metrics.js';

const log = pino({ name: OPERATOR_PROGRAM.name });

await runProgram(OPERATOR_PROGRAM, log, async (config) => {
  // Dependencies.
  const kubeConfig = loadKubeConfig(config);
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

  // Start: probes first (a standby replica answers them too), then, once the API server
  // answers, the leadership rounds.
  const http = await startOperatorHttp(config.HTTP_PORT, leadership, metrics.registry);
  log.info({ port: http.port }, 'probes and metrics listening');
  const stopping = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log.info({ signal }, 'stopping');
      stopping.abort();
      void leadership.stop().then(() => {
        http.server.close();
        process.exit(0);
      });
    });
  }
  if (await awaitApiServer(kubeConfig, log, stopping.signal)) await leadership.start();
});

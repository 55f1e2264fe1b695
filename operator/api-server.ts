import { setTimeout as sleep } from 'node:timers/promises';
import { type KubeConfig, VersionApi } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { describeFailure } from '../config/failure.js';
import { fromKubernetes } from './errors.js';

/**
 * Waits until the Kubernetes API server answers (`/version`), trying with backoff (0.5 s,
 * doubling, at most 30 s). Says once that it cannot reach it (where, why, that it keeps trying)
 * and once that it did; a refusal that no retry fixes (credentials: 401) ends the start.
 * False when `signal` aborted the wait.
 */
export async function awaitApiServer(
  kubeConfig: KubeConfig,
  log: Logger,
  signal: AbortSignal,
  firstDelayMs = 500,
): Promise<boolean> {
  const version = kubeConfig.makeApiClient(VersionApi);
  const server = kubeConfig.getCurrentCluster()?.server ?? '(no server in the kubeconfig)';
  for (let attempt = 1; !signal.aborted; attempt++) {
    try {
      await version.getCode();
      if (attempt > 1)
        log.info({ server, attempts: attempt }, `reached the Kubernetes API server at ${server}`);
      return true;
    } catch (error) {
      const failure = fromKubernetes(error);
      if (!failure.transient) throw failure;
      const retryInMs = Math.min(30_000, firstDelayMs * 2 ** Math.min(attempt - 1, 6));
      if (attempt === 1) {
        log.error(
          { server },
          `cannot reach the Kubernetes API server at ${server}: ${describeFailure(error)}; retrying with backoff until it answers`,
        );
      } else log.debug({ server, attempt, retryInMs }, 'the Kubernetes API server still unreachable');
      await sleep(retryInMs, undefined, { signal }).catch(() => undefined);
    }
  }
  return false;
}

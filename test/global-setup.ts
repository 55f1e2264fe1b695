/**
 * Vitest's global setup: the suites run against real peers. Variables already set (another
 * cluster, another Keycloak) win; else the peers `npm run peers:start` left running (.peers/env)
 * are used; else this run starts its own and stops them at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { type PeerEnv, type RunningPeers, readPeerEnv, startPeers } from '../peers/peers.js';
import { probeApps } from './nextcloud-apps.js';

let running: RunningPeers | undefined;
let dir: string | undefined;

async function alive(env: PeerEnv): Promise<boolean> {
  try {
    return (
      (await fetch(`${env.TEST_KEYCLOAK_URL}/realms/master`)).ok &&
      env.PEER_PIDS.split(' ').every((pid) => process.kill(Number(pid), 0))
    );
  } catch {
    return false;
  }
}

export async function setup(project: TestProject): Promise<void> {
  const real = process.env.TEST_NEXTCLOUD_URL;
  const user = process.env.TEST_NEXTCLOUD_USER;
  const password = process.env.TEST_NEXTCLOUD_APP_PASSWORD;
  if (real && user && password) {
    const apps = await probeApps(real, user, password);
    console.info(`the real Nextcloud has: ${apps.join(', ') || 'none of the optional apps'}`);
    project.provide('nextcloudApps', apps);
  }
  // `npm run test:oldest-node` runs only suites that need no peer.
  if (process.env.NEXTCLOUD_MCP_PEERS === 'none') return;
  if (process.env.TEST_KUBECONFIG && process.env.TEST_KEYCLOAK_URL) return;
  let env = readPeerEnv('.peers/env');
  if (!env || !(await alive(env))) {
    dir = mkdtempSync(join(tmpdir(), 'nextcloud-mcp-peers-'));
    running = await startPeers(dir);
    env = running.env;
  }
  for (const [key, value] of Object.entries(env)) process.env[key] ??= value;
}

export async function teardown(): Promise<void> {
  await running?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}

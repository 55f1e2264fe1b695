/** `npm run peers:stop`: stops what `npm run peers:start` started. */
import { rmSync } from 'node:fs';
import { readPeerEnv } from './peers.js';

const env = readPeerEnv('.peers/env');
for (const pid of env?.PEER_PIDS.split(' ') ?? []) {
  try {
    // Each peer leads a process group of its own (kc.sh's Java is in Keycloak's). Their data is
    // thrown away, and a graceful stop of all at once can hang (an apiserver whose etcd went first).
    process.kill(-Number(pid), 'SIGKILL');
  } catch {
    // already gone
  }
}
rmSync('.peers', { recursive: true, force: true });
process.stdout.write(env ? 'peers stopped\n' : 'no peers were running\n');

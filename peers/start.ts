/** `npm run peers:start`: the real peers in the background for a person or a probe; `.peers/env` names them. */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { startPeers, writePeerEnv } from './peers.js';

const dir = resolve('.peers');
mkdirSync(dir, { recursive: true });
const peers = await startPeers(dir, { detached: true });
writePeerEnv(resolve(dir, 'env'), peers.env);
process.stdout.write(
  `peers running; their logs are under ${dir}. Use them with:\n  . .peers/env\nStop them with: npm run peers:stop\n`,
);
process.exit(0);

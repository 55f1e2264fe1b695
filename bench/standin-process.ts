/**
 * The Nextcloud stand-in in a process of its own, so a benchmark's load generator does not share
 * a thread with it. Prints its URL on the first line of stdout. Env: ISSUER (the bearer issuer).
 */
import { DEMO_USER } from '../dev/full-path.js';
import { startNextcloudStandin } from '../dev/nextcloud/nextcloud.js';

const issuer = process.env.ISSUER ?? '';
const standin = await startNextcloudStandin({
  users: { [DEMO_USER.name]: DEMO_USER.appPassword },
  bearer: { issuer, audience: 'nextcloud', jwksUrl: `${issuer}/jwks` },
});
process.stdout.write(`${standin.url}\n`);
process.once('SIGTERM', () => void standin.stop().then(() => process.exit(0)));

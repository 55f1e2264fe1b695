/**
 * The Nextcloud the local stack, the suites and the benchmarks run against: a real one named by
 * TEST_NEXTCLOUD_URL, else the stand-in (dev/nextcloud/) over real Apache mod_dav and Radicale.
 */
import { type ApacheWebdav, apacheAvailable, startApacheWebdav } from './apache-webdav.js';
import { type NextcloudStandin, startNextcloudStandin } from './nextcloud/nextcloud.js';
import { radicaleAvailable, startRadicale } from './radicale.js';

/**
 * The Nextcloud the suites run against: the real one when TEST_NEXTCLOUD_URL (+ user and app
 * password) is set, else the stand-in backed by a real WebDAV server (Apache mod_dav).
 */
export interface Target {
  readonly url: string;
  readonly user: string;
  readonly appPassword: string;
  /** Present only with the stand-in: fault injection and request log. */
  readonly standin?: NextcloudStandin;
  stop(): Promise<void>;
}

export const STANDIN_USERS = { alice: 'alice-app-password', bob: 'bob-app-password' };
export const STANDIN_GROUPS = { staff: ['alice', 'bob'] };

/** True when WebDAV-backed suites can run; in CI a missing server is a failure, not a skip. */
export function webdavAvailable(): boolean {
  if (process.env.TEST_NEXTCLOUD_URL || apacheAvailable()) return true;
  if (process.env.CI)
    throw new Error('CI needs apache2 (mod_dav) for the WebDAV suites; .ci/run installs it');
  console.warn(
    'apache2 with mod_dav is not installed: WebDAV-backed suites are skipped (apt-get install apache2)',
  );
  return false;
}

/** True when the CalDAV/CardDAV suites can run (Radicale here, or a real Nextcloud). */
export function groupwareAvailable(): boolean {
  return Boolean(process.env.TEST_NEXTCLOUD_URL) || radicaleAvailable();
}

export async function startTarget(options: { webdav?: boolean; groupware?: boolean } = {}): Promise<Target> {
  const real = process.env.TEST_NEXTCLOUD_URL;
  if (real) {
    const user = process.env.TEST_NEXTCLOUD_USER;
    const appPassword = process.env.TEST_NEXTCLOUD_APP_PASSWORD;
    if (!user || !appPassword)
      throw new Error('TEST_NEXTCLOUD_URL needs TEST_NEXTCLOUD_USER and TEST_NEXTCLOUD_APP_PASSWORD');
    return { url: real, user, appPassword, stop: async () => {} };
  }
  let apache: ApacheWebdav | undefined;
  if (options.webdav) apache = await startApacheWebdav(Object.keys(STANDIN_USERS));
  const radicale = options.groupware ? await startRadicale() : undefined;
  const standin = await startNextcloudStandin({
    users: STANDIN_USERS,
    groups: STANDIN_GROUPS,
    ...(apache ? { davUrl: apache.url } : {}),
    // The DAV principal differs from the login name, as for LDAP/OIDC users: clients must discover it.
    ...(radicale ? { groupwareUrl: radicale.url, davPrincipal: (user: string) => `principal-${user}` } : {}),
  });
  return {
    url: standin.url,
    user: 'alice',
    appPassword: STANDIN_USERS.alice,
    standin,
    async stop() {
      await standin.stop();
      await apache?.stop();
      await radicale?.stop();
    },
  };
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

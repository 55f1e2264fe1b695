/**
 * Which Nextcloud apps the suites' target has. The stand-in has them all; a real Nextcloud is asked
 * once, in the global setup, so each suite of an app it lacks is skipped rather than failed. The
 * probe is the suites' own (navigation ids and capability keys), not the server's detection it tests.
 */
import { inject } from 'vitest';

/** App name → its id in Nextcloud's navigation and capabilities. */
const IDS = {
  notes: 'notes',
  deck: 'deck',
  tables: 'tables',
  cookbook: 'cookbook',
  news: 'news',
  mail: 'mail',
  talk: 'spreed',
  collectives: 'collectives',
} as const;
export type ProbedApp = keyof typeof IDS;

declare module 'vitest' {
  export interface ProvidedContext {
    /** The apps a real target (TEST_NEXTCLOUD_URL) has; unset with the stand-in. */
    nextcloudApps: ProbedApp[] | undefined;
  }
}

export async function probeApps(url: string, user: string, appPassword: string): Promise<ProbedApp[]> {
  const headers = {
    authorization: `Basic ${Buffer.from(`${user}:${appPassword}`).toString('base64')}`,
    'ocs-apirequest': 'true',
    accept: 'application/json',
  };
  const read = async (path: string) => {
    const answer = await fetch(new URL(path, url), { headers });
    if (!answer.ok) throw new Error(`${path} answered ${answer.status}: is TEST_NEXTCLOUD_* right?`);
    return ((await answer.json()) as { ocs: { data: unknown } }).ocs.data;
  };
  const [navigation, capabilities] = await Promise.all([
    read('/ocs/v2.php/core/navigation/apps?format=json') as Promise<{ id: string }[]>,
    read('/ocs/v2.php/cloud/capabilities?format=json') as Promise<{ capabilities: object }>,
  ]);
  const ids = new Set([...navigation.map((entry) => entry.id), ...Object.keys(capabilities.capabilities)]);
  return (Object.keys(IDS) as ProbedApp[]).filter((app) => ids.has(IDS[app]));
}

/** True when the target has the app: always with the stand-in. */
export function hasApp(app: ProbedApp): boolean {
  return inject('nextcloudApps')?.includes(app) ?? true;
}

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.js';

/**
 * A real CalDAV/CardDAV server (Debian's Radicale) on loopback, behind the Nextcloud stand-in:
 * the stand-in authenticates the user and forwards with `X-Remote-User` (Radicale's reverse-proxy
 * authentication) and `X-Script-Name: /remote.php/dav`, so collections live below Nextcloud's DAV
 * root and clients find them by discovery (current-user-principal, calendar-home-set).
 */
export interface Radicale {
  readonly url: string;
  stop(): Promise<void>;
}

const RADICALE = '/usr/bin/radicale';

export function radicaleAvailable(): boolean {
  if (existsSync(RADICALE)) return true;
  if (process.env.CI)
    throw new Error('CI needs Debian radicale for the CalDAV/CardDAV suites; .ci/run installs it');
  console.warn('radicale is not installed: the CalDAV/CardDAV suites are skipped (apt-get install radicale)');
  return false;
}

export async function startRadicale(): Promise<Radicale> {
  const dir = await mkdtemp(join(tmpdir(), 'radicale-'));
  const config = join(dir, 'config');
  // Radicale binds the port itself; a port taken meanwhile fails the start, which is retried.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    await writeFile(
      config,
      [
        '[server]',
        `hosts = 127.0.0.1:${port}`,
        '[auth]',
        'type = http_x_remote_user',
        '[rights]',
        'type = owner_only',
        '[storage]',
        `filesystem_folder = ${join(dir, 'collections')}`,
        '[web]',
        'type = none',
        '[logging]',
        'level = warning',
        '',
      ].join('\n'),
    );
    const child: ChildProcess = spawn(RADICALE, ['--config', config], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100 && child.exitCode === null; i++) {
      const up = await fetch(`${url}/.web`).then(
        () => true,
        () => false,
      );
      if (up)
        return {
          url,
          async stop() {
            child.kill('SIGTERM');
            await new Promise((resolve) =>
              child.exitCode === null ? child.once('exit', resolve) : resolve(null),
            );
            await rm(dir, { recursive: true, force: true });
          },
        };
      await sleep(50);
    }
    child.kill('SIGKILL');
    if (attempt >= 3) throw new Error(`radicale did not start: ${stderr}`);
  }
}

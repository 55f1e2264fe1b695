import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.js';

/**
 * A real WebDAV server (Debian's Apache httpd with mod_dav_fs) serving users' files at
 * Nextcloud's path `/remote.php/dav/files/<user>/`, started on loopback for the tests.
 */
export interface ApacheWebdav {
  readonly url: string;
  readonly root: string;
  stop(): Promise<void>;
}

const APACHE = '/usr/sbin/apache2';
const MODULES = '/usr/lib/apache2/modules';

export function apacheAvailable(): boolean {
  return existsSync(APACHE) && existsSync(join(MODULES, 'mod_dav_fs.so'));
}

export async function startApacheWebdav(users: readonly string[]): Promise<ApacheWebdav> {
  const dir = await mkdtemp(join(tmpdir(), 'apache-webdav-'));
  const root = join(dir, 'files');
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  for (const user of users) await mkdir(join(root, user), { recursive: true });
  await mkdir(join(dir, 'lock'), { recursive: true });
  if (asRoot) {
    // httpd drops to www-data when started as root; it must own what it writes.
    const id = (flag: string) => Number(spawnSync('id', [flag, 'www-data']).stdout.toString().trim());
    for (const path of [dir, root, join(dir, 'lock'), ...users.map((user) => join(root, user))]) {
      await chown(path, id('-u'), id('-g'));
    }
    await chmod(dir, 0o755);
  }
  const modules = ['mpm_event', 'authz_core', 'mime', 'alias', 'dav', 'dav_fs']
    .map((name) => `LoadModule ${name}_module ${MODULES}/mod_${name}.so`)
    .join('\n');
  const conf = `${modules}
ServerRoot "${dir}"
ServerName 127.0.0.1
Listen 127.0.0.1:${port}
PidFile "${dir}/httpd.pid"
ErrorLog "${dir}/error.log"
LogLevel warn
${asRoot ? 'User www-data\nGroup www-data' : ''}
TypesConfig /etc/mime.types
DavLockDB "${dir}/lock/DavLock"
DocumentRoot "${root}"
Alias /remote.php/dav/files "${root}"
<Directory "${root}">
  Dav On
  DavDepthInfinity On
  Require all granted
  Options None
  AllowOverride None
</Directory>
`;
  await writeFile(join(dir, 'httpd.conf'), conf);
  const child: ChildProcess = spawn(APACHE, ['-f', join(dir, 'httpd.conf'), '-DFOREGROUND'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) {
      const log = await readFile(join(dir, 'error.log'), 'utf8').catch(() => '');
      throw new Error(`apache2 exited (${child.exitCode}): ${stderr}${log}`);
    }
    const ok = await fetch(`${url}/remote.php/dav/files/`, { method: 'OPTIONS' }).then(
      () => true,
      () => false,
    );
    if (ok) break;
    if (i > 100) throw new Error(`apache2 did not start: ${stderr}`);
    await sleep(50);
  }
  return {
    url,
    root,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

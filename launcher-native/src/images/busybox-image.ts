import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { treeDigest } from './tree-digest.js';

const run = promisify(execFile);
const BUSYBOX = '/bin/busybox';

/**
 * A minimal directory image from Debian's busybox-static: enough for smoke
 * tests and demos of every runtime path without building a distribution.
 * It has the bind targets ch-run needs (/in, /out, /etc/passwd, /etc/group)
 * baked in, since a read-only image cannot grow them at run time.
 */
export async function buildBusyboxImage(dir: string, files: Record<string, string> = {}): Promise<{ location: string; digest: string }> {
  for (const sub of ['bin', 'in', 'out', 'tmp', 'etc', 'proc', 'dev', 'sys', 'home', 'app']) await mkdir(join(dir, sub), { recursive: true });
  await copyFile(BUSYBOX, join(dir, 'bin', 'busybox')).catch(() => {
    throw new Error(`${BUSYBOX} is missing: install Debian's busybox-static`);
  });
  await chmod(join(dir, 'bin', 'busybox'), 0o755);
  const { stdout } = await run(BUSYBOX, ['--list']);
  for (const applet of stdout.split('\n').filter((a) => /^[a-z0-9_.[-]+$/.test(a) && a !== 'busybox')) {
    await symlink('busybox', join(dir, 'bin', applet)).catch(() => undefined);
  }
  // World-writable and sticky like any /tmp: runc gives a tmpfs mounted over it this mode (Docker's --tmpfs).
  await chmod(join(dir, 'tmp'), 0o1777);
  await writeFile(join(dir, 'etc', 'passwd'), '');
  await writeFile(join(dir, 'etc', 'group'), '');
  for (const [path, content] of Object.entries(files)) {
    await writeFile(join(dir, 'app', path), content, { mode: 0o755 });
  }
  await chmod(dir, 0o755);
  return { location: dir, digest: await treeDigest(dir) };
}

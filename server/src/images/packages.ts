import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The Debian packages installed in a root file system, from its dpkg status file; empty for non-Debian images. */
export async function installedPackages(rootfs: string): Promise<Record<string, string>> {
  const file = join(rootfs, 'var', 'lib', 'dpkg', 'status');
  // A link (to the host's own status file, say) is no package list of the image's.
  if (!(await lstat(file).catch(() => null))?.isFile()) return {};
  const status = await readFile(file, 'utf8').catch(() => '');
  const packages: Record<string, string> = {};
  for (const stanza of status.split(/\n\n+/)) {
    const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(stanza)?.[1]?.trim();
    if (field('Package') && field('Version') && /install ok installed/.test(field('Status') ?? '')) packages[field('Package')!] = field('Version')!;
  }
  return Object.fromEntries(Object.entries(packages).sort(([a], [b]) => a.localeCompare(b)));
}

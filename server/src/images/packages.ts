import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDpkgStatus } from '@narrative/launcher-native';

/** The Debian packages installed in a root file system, from its dpkg status file; empty for non-Debian images. */
export async function installedPackages(rootfs: string): Promise<Record<string, string>> {
  const file = join(rootfs, 'var', 'lib', 'dpkg', 'status');
  // A link (to the host's own status file, say) is no package list of the image's.
  if (!(await lstat(file).catch(() => null))?.isFile()) return {};
  // The same reading `narrative app build` records as the image's lock.
  return parseDpkgStatus(await readFile(file, 'utf8').catch(() => ''));
}

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Debian packages by name → exact version: what an image holds, and its lock. */
export type PackageVersions = Record<string, string>;

/** Where dpkg keeps its list in a root file system, as mmdebstrap's tar names it. */
export const DPKG_STATUS = './var/lib/dpkg/status';

/** The installed packages in a dpkg status file's text, sorted by name. */
export function parseDpkgStatus(status: string): PackageVersions {
  const packages: PackageVersions = {};
  for (const stanza of status.split(/\n\n+/)) {
    const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(stanza)?.[1]?.trim();
    const name = field('Package');
    const version = field('Version');
    // Removed packages keep a stanza ("deinstall ok config-files"); only installed ones are in the image.
    if (name && version && /install ok installed/.test(field('Status') ?? '')) packages[name] = version;
  }
  return Object.fromEntries(Object.entries(packages).sort(([a], [b]) => a.localeCompare(b)));
}

/** The installed packages of a root file system packed as a tar, read from its dpkg status without unpacking the rest. */
export async function tarPackages(tarFile: string): Promise<PackageVersions> {
  const { stdout } = await run('tar', ['-xOf', tarFile, DPKG_STATUS], { maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' }).catch((error: Error) => {
    throw new Error(`the image has no readable dpkg status (${DPKG_STATUS}): ${error.message}`);
  });
  return parseDpkgStatus(stdout);
}

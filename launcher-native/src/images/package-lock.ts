import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { PackageVersions } from './dpkg-status.js';
import { PINNED_PACKAGE } from './recipe.js';

const run = promisify(execFile);

/**
 * An image's lock: every Debian package inside it at its exact version, read
 * from the built image's dpkg status. The recipe pins what the developer
 * asked for; the lock also pins everything apt chose for them.
 */
export type PackageLock = PackageVersions;

/** The apt preferences file, by the same name outside (beside the build) and inside the image being built. */
const PINS = 'narrative-lock';
const PINS_IN_IMAGE = `/etc/apt/preferences.d/${PINS}`;

/** What is wrong with a lock, one line per entry; it reaches an apt preferences file, so nothing may slip through. */
export function lockProblems(lock: PackageLock): string[] {
  const problems = Object.entries(lock).filter(([name, version]) => !PINNED_PACKAGE.test(`${name}=${version}`)).map(([name, version]) => `${JSON.stringify(name)}=${JSON.stringify(version)} is not a Debian package name and version`);
  if (Object.keys(lock).length === 0) problems.push('the lock names no packages');
  return problems;
}

/** apt preferences holding every package at its locked version; 1001 lets apt go back to an older one. */
export function aptPreferences(lock: PackageLock): string {
  return Object.entries(lock).map(([name, version]) => `Package: ${name}\nPin: version ${version}\nPin-Priority: 1001\n`).join('\n');
}

/**
 * Writes the lock's pins into `work` and gives the mmdebstrap arguments that
 * put them where apt reads them before it resolves any package. The hook names
 * the file relative to mmdebstrap's working directory, which must be `work`:
 * its special hooks split their argument on blanks, so no absolute path goes in.
 */
export async function pinLock(lock: PackageLock, work: string): Promise<string[]> {
  await writeFile(join(work, PINS), aptPreferences(lock), { mode: 0o644 });
  return [`--setup-hook=upload ${PINS} ${PINS_IN_IMAGE}`];
}

/**
 * Takes the pins back out of the root file system tar, leaving the bytes an
 * unpinned build of the same packages gives: mmdebstrap clamps every time
 * stamp to SOURCE_DATE_EPOCH, so the emptied directory keeps its entry as it was.
 */
export async function unpinLayer(layer: string): Promise<void> {
  // Plain GNU tar: the creation options of oci-archive's tar() have no meaning for --delete.
  await run('tar', ['--delete', '-f', layer, `.${PINS_IN_IMAGE}`]).catch((error: Error) => {
    throw new Error(`taking the lock's pins out of the image failed (GNU tar is needed): ${error.message}`);
  });
}

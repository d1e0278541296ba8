import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildDebianImage, LockedVersionsUnavailable, type PackageVersions } from '@narrative/launcher-native';
import { ApiError, type NarrativeClient } from '../client/index.js';
import { ARCHIVE_FILE } from './app-source.js';
import { UsageError } from './usage.js';

/** What `narrative app verify-image` found. */
export interface ImageVerification {
  app: string;
  version: string;
  /** The rebuild has the registered digest: the same bytes. */
  same: boolean;
  registered: string;
  rebuilt: string;
  /** How many packages the lock holds at their versions. */
  lockedPackages: number;
  /** Packages whose version in the rebuild is not the locked one (empty when the pins held, as they should). */
  packagesOffLock: { name: string; locked: string | null; rebuilt: string | null }[];
  /** The rebuilt OCI archive, when kept (--out). */
  archive: string | null;
  seconds: number;
}

/**
 * Rebuilds a registered app's image from the recipe stored with it and its
 * lock, every Debian package held at the version the registered image holds,
 * and compares digests. The lock is the registered image's own package list,
 * which the server read from its dpkg status when the image was pushed: the
 * same list `narrative app build` records in image.json, since one digest is
 * one set of bytes. The recipe's app files come from `source`, the app's
 * directory, as the server keeps only the image.
 */
export async function verifyImage(
  client: NarrativeClient,
  ref: { id: string; version: string },
  options: { source?: string; out?: string },
  say: (line: string) => void,
): Promise<ImageVerification> {
  const name = `${ref.id}@${ref.version}`;
  const { container } = (await client.app(ref.id, ref.version)).spec;
  if (!container.recipe) throw new UsageError(`${name} has no recipe: its image was placed by an operator, and there is nothing to rebuild it from`);
  if ('location' in container.image) {
    throw new UsageError(`${name} runs an image an operator placed (${container.image.location}): this server never read the packages inside, so there is no lock to rebuild it from`);
  }
  const lock = await lockOf(client, container.image.digest);
  const files = Object.keys(container.recipe.files);
  if (files.length > 0 && !options.source) throw new UsageError(`the recipe of ${name} copies app files into the image (${files.join(', ')}): give the app's directory with --source <dir>`);
  if (options.source && !(await stat(options.source).catch(() => null))?.isDirectory()) throw new UsageError(`${options.source} is not a directory`);
  // Never over an archive already there: --out build would otherwise replace the build that image.json describes.
  if (options.out && (await stat(join(options.out, ARCHIVE_FILE)).catch(() => null))) throw new UsageError(`${join(options.out, ARCHIVE_FILE)} exists: give --out a directory without an image archive`);
  const dir = options.out ? resolve(options.out) : await mkdtemp(join(tmpdir(), 'narrative-verify-image-'));
  try {
    say(`rebuilding ${name} from its recipe and its lock of ${Object.keys(lock).length} packages`);
    const built = await buildDebianImage({ recipe: container.recipe, appDir: resolve(options.source ?? dir), archive: join(dir, ARCHIVE_FILE), lock, onProgress: say }).catch((error: Error) => {
      throw error instanceof LockedVersionsUnavailable ? new Error(`cannot rebuild ${name} from its lock: ${error.message}`) : error;
    });
    return {
      app: ref.id, version: ref.version, same: built.digest === container.image.digest, registered: container.image.digest, rebuilt: built.digest,
      lockedPackages: Object.keys(lock).length, packagesOffLock: offLock(lock, built.packages), archive: options.out ? built.archive : null, seconds: built.seconds,
    };
  } finally {
    if (!options.out) await rm(dir, { recursive: true, force: true });
  }
}

async function lockOf(client: NarrativeClient, digest: string): Promise<PackageVersions> {
  const image = await client.image(digest).catch((error: unknown) => {
    if (error instanceof ApiError && error.status === 404) throw new Error(`the server does not store image ${digest}, whose package list is the lock`);
    throw error;
  });
  if (Object.keys(image.packages).length === 0) throw new Error(`image ${digest} lists no Debian packages (it has no dpkg status), so there is no lock to rebuild it from`);
  return image.packages;
}

function offLock(lock: PackageVersions, rebuilt: PackageVersions): ImageVerification['packagesOffLock'] {
  const names = [...new Set([...Object.keys(lock), ...Object.keys(rebuilt)])].sort();
  return names.filter((n) => lock[n] !== rebuilt[n]).map((n) => ({ name: n, locked: lock[n] ?? null, rebuilt: rebuilt[n] ?? null }));
}

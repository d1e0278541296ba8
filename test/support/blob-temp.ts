import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * The files under a data directory's blobs/tmp, as paths relative to it: each
 * server process writes in a directory of its own there (`<host>.<pid>`), so
 * what matters is the files, not those directories.
 */
export function blobTempFiles(home: string): string[] {
  const root = join(home, 'blobs', 'tmp');
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.path, entry.name)))
    .sort();
}

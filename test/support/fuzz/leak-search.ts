import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** A directory to search for the marker, how deep, and what below it is allowed to hold it (the data directory). */
export interface SearchPlace {
  dir: string;
  depth: number;
  except?: string[];
}

/**
 * Paths whose name contains the marker, under the places a traversal or an
 * injected shell command would land. Only names are searched: every hostile
 * path and `touch` command the fuzzer sends carries the marker in the name it
 * would create. Directories that cannot be read are skipped: they are not
 * ones the server's account could have written either.
 */
export async function findMarker(marker: string, places: SearchPlace[]): Promise<string[]> {
  const found = new Set<string>();
  for (const place of places) await walk(resolve(place.dir), place.depth, new Set((place.except ?? []).map((p) => resolve(p))), marker, found);
  return [...found].sort();
}

async function walk(dir: string, depth: number, except: Set<string>, marker: string, found: Set<string>): Promise<void> {
  if (depth <= 0 || except.has(dir)) return;
  // /proc and /sys hold names of live processes and kernel objects, some of them with our command lines.
  if (dir === '/proc' || dir === '/sys') return;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (except.has(path)) continue;
    if (entry.name.includes(marker)) found.add(path);
    if (entry.isDirectory() && !entry.isSymbolicLink()) await walk(path, depth - 1, except, marker, found);
  }
}

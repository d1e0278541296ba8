import { mkdir, readdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isRunning } from '@narrative/launcher-native';

/**
 * Temp space under a directory that several servers may share (replicas on
 * one file system): each process writes in a directory of its own, named
 * `<host>.<pid>`, so none clears another's unfinished upload.
 */
export function scratchOf(parent: string): string {
  return join(parent, `${hostname()}.${process.pid}`);
}

/**
 * Makes this process's scratch directory empty, and removes what processes of
 * this host that are gone (a crash, a kill) left under `parent`, and entries
 * of no process (from before scratch directories). Other hosts' are theirs to clear.
 */
export async function freshScratch(parent: string, mode = 0o700): Promise<string> {
  await mkdir(parent, { recursive: true, mode });
  const host = hostname();
  for (const entry of await readdir(parent)) {
    const dot = entry.lastIndexOf('.');
    const pid = Number(entry.slice(dot + 1));
    const owned = dot > 0 && Number.isSafeInteger(pid) && pid > 0;
    if (owned && (entry.slice(0, dot) !== host || (pid !== process.pid && isRunning(pid)))) continue;
    await rm(join(parent, entry), { recursive: true, force: true });
  }
  const mine = scratchOf(parent);
  await mkdir(mine, { mode });
  return mine;
}


import { realpathSync } from 'node:fs';
import { symlink } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';

/**
 * Where things are in a job directory. The names of its JSON files are known
 * here only: everyone else reads and writes them through this module's
 * readers and writers, which check them against their schemas.
 */
export const FILE_NAMES = {
  spec: 'job.json',
  result: 'result.json',
  log: 'log.jsonl',
  wrapper: 'wrapper.json',
  /** Written by the server once it saved the job's outputs: their references and data. */
  saved: 'saved.json',
  /** Under out/: what the app declares it made. */
  declaration: 'outputs.json',
} as const;

export function filePath(jobDir: string, file: Exclude<keyof typeof FILE_NAMES, 'declaration'>): string {
  return join(jobDir, FILE_NAMES[file]);
}

/**
 * The folders the app sees as /in and /out, and the wrapper's own files beside them. The
 * runtime's state is beside the job directory, not in it: rootless podman insists that every
 * directory above its storage be traversable by all (it chmods them --x--x--x, or fails), and
 * the job directory is closed to all but the job's account (wrapper/prepare.ts, closeJobDir).
 */
export function jobFolders(jobDir: string): { inDir: string; outDir: string; envFile: string; runtimeDir: string } {
  return { inDir: join(jobDir, 'in'), outDir: join(jobDir, 'out'), envFile: join(jobDir, 'env'), runtimeDir: `${resolve(jobDir)}.runtime` };
}

/**
 * Beside the job directories: `.ended/<job dir's name>`, made by the wrapper once result.json
 * is in place, so that a server watching this one folder hears of a job's end at once rather
 * than at its next look at the scheduler (which remains the rule: the marker is only a hint).
 */
export function endedMarker(jobDir: string): string {
  return join(dirname(resolve(jobDir)), ENDED_FOLDER, basename(resolve(jobDir)));
}
export const ENDED_FOLDER = '.ended';

/** The variable each task of a bulk run finds its index in, whatever the scheduler. */
export const TASK_INDEX_VARIABLE = 'NARRATIVE_TASK_INDEX';

/**
 * A bulk run is submitted once, on an array directory; task `index` runs on
 * `<array dir>/<index>`, a relative link to its own job's directory, so each
 * job keeps its own directory, log and outputs.
 */
export async function linkArrayTask(arrayDir: string, index: number, jobDir: string): Promise<void> {
  await symlink(relative(arrayDir, jobDir), join(arrayDir, String(index)));
}

/** The job directory the wrapper runs on: the one given, or for a task of an array, its own job's. */
export function taskJobDir(given: string, env: NodeJS.ProcessEnv): string {
  const index = env[TASK_INDEX_VARIABLE];
  return index === undefined ? given : realpathSync(join(given, index));
}

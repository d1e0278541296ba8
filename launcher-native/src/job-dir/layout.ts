import { closeSync, existsSync, mkdirSync, openSync, readSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { open, symlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { syncDirectory } from '../files/durable-file.js';

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
 * A bulk run is submitted once, on an array directory; task `index` runs on its own job's
 * directory, so each job keeps its own directory, log and outputs. The server makes none of
 * those directories: making 10,000 of them, an inode or two each, was most of accepting a
 * bulk run (docs/benchmarks.md, "bulk"). Each task's directory and job.json are line `index` of
 * the array directory's `tasks.jsonl` (`{"jobDir": <relative to the array directory>, "spec":
 * <job.json>}`), found through `tasks.index` (each line's byte offset, in fixed-width records),
 * and the task's wrapper makes them as it starts (`taskJobDir`). Both files are durable before
 * the array is submitted, so no task can run on a definition a crash could lose.
 */
export async function writeArrayTaskFiles(arrayDir: string, count: number, taskAt: (index: number) => { jobDir: string; spec: unknown }): Promise<void> {
  const index = Buffer.alloc(count * INDEX_RECORD_BYTES);
  let offset = 0;
  // A few hundred lines at a time: the tasks of 10,000 jobs are megabytes, never held whole.
  await writeSynced(join(arrayDir, ARRAY_FILES.tasks), async (file) => {
    for (let first = 0; first < count; first += TASKS_PER_WRITE) {
      let lines = '';
      for (let i = first; i < Math.min(count, first + TASKS_PER_WRITE); i++) {
        const { jobDir, spec } = taskAt(i);
        const line = `${JSON.stringify({ jobDir: relative(arrayDir, jobDir), spec })}\n`;
        index.write(`${String(offset).padStart(INDEX_RECORD_BYTES - 1, '0')}\n`, i * INDEX_RECORD_BYTES, 'latin1');
        offset += Buffer.byteLength(line);
        lines += line;
      }
      await file.writeFile(lines);
    }
  });
  await writeSynced(join(arrayDir, ARRAY_FILES.index), (file) => file.writeFile(index));
  await syncDirectory(arrayDir);
  await syncDirectory(dirname(resolve(arrayDir)));
}
const ARRAY_FILES = { tasks: 'tasks.jsonl', index: 'tasks.index' } as const;
/** A byte offset in decimal, zero-padded, and a newline: tasks.jsonl files up to a petabyte. */
const INDEX_RECORD_BYTES = 16;
const TASKS_PER_WRITE = 500;

/** A new file, private, written by `fill` and synced before it is closed. No temp file: nothing reads an array directory before it is submitted. */
async function writeSynced(path: string, fill: (file: FileHandle) => Promise<void>): Promise<void> {
  const file = await open(path, 'wx', 0o600);
  try {
    await fill(file);
    await file.sync();
  } finally {
    await file.close();
  }
}

/** An array directory of links instead, `<array dir>/<index>` to each task's job directory (what servers wrote before tasks.jsonl). */
export async function linkArrayTask(arrayDir: string, index: number, jobDir: string): Promise<void> {
  await symlink(relative(arrayDir, jobDir), join(arrayDir, String(index)));
}

/**
 * The job directory the wrapper runs on: the one given, or for a task of an array, its own
 * job's, which it makes from the array's tasks.jsonl (again, should the task run again).
 */
export function taskJobDir(given: string, env: NodeJS.ProcessEnv): string {
  const index = env[TASK_INDEX_VARIABLE];
  if (index === undefined) return given;
  if (!existsSync(join(given, ARRAY_FILES.index))) return realpathSync(join(given, index));
  const task = readArrayTask(given, index);
  const jobDir = resolve(given, task.jobDir);
  mkdirSync(jobDir, { recursive: true, mode: 0o700 });
  // Whole or not at all; not synced: a task that runs again after a crash writes it again.
  const temp = join(jobDir, `.${FILE_NAMES.spec}.tmp`);
  writeFileSync(temp, JSON.stringify(task.spec, null, 2), { mode: 0o600 });
  renameSync(temp, filePath(jobDir, 'spec'));
  return realpathSync(jobDir);
}

/** Line `index` of an array directory's tasks.jsonl, read through tasks.index: two records and one line, however many tasks. */
function readArrayTask(arrayDir: string, index: string): { jobDir: string; spec: unknown } {
  const noTask = () => new Error(`${join(arrayDir, ARRAY_FILES.index)} names no task ${JSON.stringify(index)}`);
  if (!/^\d{1,9}$/.test(index)) throw noTask();
  const records = readAt(join(arrayDir, ARRAY_FILES.index), Number(index) * INDEX_RECORD_BYTES, 2 * INDEX_RECORD_BYTES).toString('latin1');
  if (records.length < INDEX_RECORD_BYTES) throw noTask();
  const start = Number(records.slice(0, INDEX_RECORD_BYTES - 1));
  const end = records.length === 2 * INDEX_RECORD_BYTES ? Number(records.slice(INDEX_RECORD_BYTES, -1)) : statSync(join(arrayDir, ARRAY_FILES.tasks)).size;
  const task = JSON.parse(readAt(join(arrayDir, ARRAY_FILES.tasks), start, end - start).toString('utf8')) as { jobDir?: unknown; spec?: unknown };
  if (typeof task.jobDir !== 'string' || typeof task.spec !== 'object' || task.spec === null) throw new Error(`${join(arrayDir, ARRAY_FILES.tasks)}: task ${index} names no job directory and job.json`);
  return { jobDir: task.jobDir, spec: task.spec };
}

function readAt(path: string, position: number, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    return buffer.subarray(0, readSync(fd, buffer, 0, length, position));
  } finally {
    closeSync(fd);
  }
}

import { setTimeout as sleep } from 'node:timers/promises';
import { Type, type Static } from '@sinclair/typebox';
import { writeFileDurably } from '../files/durable-file.js';
import { checker, readJsonFile } from './check.js';
import { FILE_NAMES, filePath } from './layout.js';

/**
 * `<jobDir>/saved.json`, written by the server once it has saved (or refused)
 * a job's outputs: each output's object reference and data as stored. A step
 * that takes this job's output waits for it, so its app sees the same
 * inputs.json (`ref`, `data`) as when run on the saved object by hand.
 */
export const SavedOutputs = Type.Union([
  Type.Object({ outputs: Type.Record(Type.String(), Type.Object({ ref: Type.String(), data: Type.Unknown() })) }),
  Type.Object({ refused: Type.String({ description: 'why the server saved no outputs' }) }),
]);
export type SavedOutputs = Static<typeof SavedOutputs>;

const checkSaved = checker(FILE_NAMES.saved, SavedOutputs);

export async function writeSaved(jobDir: string, saved: SavedOutputs): Promise<void> {
  await writeFileDurably(filePath(jobDir, 'saved'), JSON.stringify(checkSaved(saved)), 0o644);
}

export function readSaved(jobDir: string): Promise<SavedOutputs | null> {
  return readJsonFile(filePath(jobDir, 'saved'), FILE_NAMES.saved, checkSaved);
}

/** Polls until the server has written the job's saved.json; throws after `timeoutMs` or when aborted. */
export async function waitForSaved(jobDir: string, timeoutMs: number, signal?: AbortSignal, everyMs = 250): Promise<SavedOutputs> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const saved = await readSaved(jobDir);
    if (saved) return saved;
    if (Date.now() >= deadline) throw new Error(`the server did not record the outputs of the job in ${jobDir} within ${Math.round(timeoutMs / 1000)} s`);
    await sleep(everyMs, undefined, signal ? { signal } : undefined);
  }
}

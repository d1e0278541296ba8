import { hostname } from 'node:os';
import { Type } from '@sinclair/typebox';
import { writeFileDurably } from '../files/durable-file.js';
import { isSameProcess, readProcess } from '../processes/process-table.js';
import { checker, readJsonFile } from './check.js';
import { FILE_NAMES, filePath } from './layout.js';

/**
 * `<jobDir>/wrapper.json`, the wrapper's own record of itself: which process
 * on which host runs a job. A restarted server whose scheduler forgot the job
 * (the local one keeps its table in memory) asks this before it calls the job
 * lost, because the wrapper it started runs on, and will write its result.
 */
const WrapperRecord = Type.Object({ host: Type.String(), pid: Type.Integer(), startTime: Type.String() });
const checkRecord = checker(FILE_NAMES.wrapper, WrapperRecord);

export async function recordWrapper(jobDir: string): Promise<void> {
  const record = checkRecord({ host: hostname(), pid: process.pid, startTime: readProcess(process.pid)?.startTime ?? '' });
  await writeFileDurably(filePath(jobDir, 'wrapper'), JSON.stringify(record), 0o644);
}

/** True only when the job's wrapper is known to run on this host still; on another host, or without a readable record, we cannot tell. */
export async function wrapperAlive(jobDir: string): Promise<boolean> {
  try {
    const record = await readJsonFile(filePath(jobDir, 'wrapper'), FILE_NAMES.wrapper, checkRecord);
    return record !== null && record.host === hostname() && record.startTime !== '' && isSameProcess({ name: 'wrapper', pid: record.pid, startTime: record.startTime });
  } catch {
    return false;
  }
}

import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isSameProcess, readProcess } from '../cluster/processes.js';
import { writeFileDurably } from '../files/durable-file.js';

/**
 * The wrapper's own record of itself: which process on which host runs a
 * job. A restarted server whose scheduler forgot the job (the local one keeps
 * its table in memory) asks this before it calls the job lost, because the
 * wrapper it started runs on, and will write its result.
 */
export const WRAPPER_FILE = 'wrapper.json';

interface WrapperRecord {
  host: string;
  pid: number;
  startTime: string;
}

export async function recordWrapper(jobDir: string): Promise<void> {
  const record: WrapperRecord = { host: hostname(), pid: process.pid, startTime: readProcess(process.pid)?.startTime ?? '' };
  await writeFileDurably(join(jobDir, WRAPPER_FILE), JSON.stringify(record), 0o644);
}

/** True only when the job's wrapper is known to run on this host still; on another host we cannot tell. */
export async function wrapperAlive(jobDir: string): Promise<boolean> {
  try {
    const record = JSON.parse(await readFile(join(jobDir, WRAPPER_FILE), 'utf8')) as WrapperRecord;
    return record.host === hostname() && record.startTime !== '' && isSameProcess({ name: 'wrapper', pid: record.pid, startTime: record.startTime });
  } catch {
    return false;
  }
}

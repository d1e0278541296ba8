import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOG_FILE, RESULT_FILE, type JobResult, type JobSpec } from './job-spec.js';

/** The compiled wrapper, run as the scheduler would: `node main.js <jobDir>`. */
export const WRAPPER = fileURLToPath(new URL('./main.js', import.meta.url));

/**
 * The job the wrapper and scheduler tests run: the busybox test app's script
 * on one reads file, as an unprivileged account when the tests run as root.
 */
export interface TestJob {
  jobId: string;
  runtime: JobSpec['runtime'];
  image: JobSpec['image'];
  params: Record<string, unknown>;
  readsPath: string;
  reads: string;
  runAs: JobSpec['runAs'];
}

export function testJobSpec(t: TestJob, overrides: Partial<JobSpec> = {}): JobSpec {
  return {
    jobId: t.jobId,
    runtime: t.runtime,
    image: t.image,
    argv: ['/bin/sh', '/app/run.sh'],
    params: t.params,
    inputs: [{ name: 'reads', ref: '1/2/3', type: 'Genomics.Reads-1.0', data: {}, files: [{ name: 'reads.fastq', path: t.readsPath, sha256: createHash('sha256').update(t.reads).digest('hex') }] }],
    env: { THREADS: '2' },
    network: false,
    gpus: 0,
    mpi: false,
    timeLimitSeconds: 60,
    runAs: t.runAs,
    ...overrides,
  };
}

/** A fresh job directory holding the spec's job.json. */
export async function writeTestJob(jobDir: string, spec: JobSpec): Promise<string> {
  await mkdir(jobDir);
  await writeFile(join(jobDir, 'job.json'), JSON.stringify(spec));
  return jobDir;
}

/** What a finished job left: its result.json and log lines (all of their text joined, for matching). */
export async function readJobOutcome(jobDir: string) {
  const result = JSON.parse(await readFile(join(jobDir, RESULT_FILE), 'utf8')) as JobResult;
  const log = (await readFile(join(jobDir, LOG_FILE), 'utf8').catch(() => ''))
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { stream: string; text: string });
  return { result, log, text: log.map((l) => l.text).join('\n') };
}

/** Runs the wrapper on a job directory to its end, with extra environment, and reads what it left. */
export async function runWrapper(jobDir: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [WRAPPER, jobDir], { env: { ...process.env, ...env } });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, ...(await readJobOutcome(jobDir)) };
}

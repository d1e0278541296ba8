import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobSpec } from './job-spec.js';

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
    inputs: [{ name: 'reads', ref: '1/2/3', files: [{ name: 'reads.fastq', path: t.readsPath, sha256: createHash('sha256').update(t.reads).digest('hex') }] }],
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

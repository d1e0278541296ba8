import { readFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { writeFileDurably } from '../files/durable-file.js';
import type { Injection } from '../runtimes/runtime.js';
import { collectOutputs } from './collect.js';
import { checkJobSpec, JOB_FILE, RESULT_FILE, type JobResult, type JobSpec, type MemoryUse } from './job-spec.js';
import { prepareJobDir, type Prepared } from './prepare.js';

/** The account the app runs as: never root. */
export interface Account {
  uid: number;
  gid: number;
  user: string;
}

/** How the container step ended, and what ran it (for provenance). */
export interface Launched {
  outcome: 'exited' | 'timed-out' | 'cancelled' | 'out-of-memory';
  exitCode: number | null;
  signal: string | null;
  runtime: { name: string; version: string };
  injections: Injection[];
  memory?: MemoryUse;
}

/** Runs the app's container on a prepared job directory; resolves once the container is gone. */
export type Launch = (spec: JobSpec, prepared: Prepared, account: Account, cancel: AbortSignal) => Promise<Launched>;

/**
 * What every way of running a job shares, whatever starts the container (the
 * node-side wrapper through a runtime's CLI, or the docker scheduler through
 * the engine's API): check job.json, refuse root, build /in and /out, run,
 * hash /out. `choose` picks the launch for the spec before anything is
 * prepared, so a spec no launcher can run leaves no /in or /out behind.
 * Never throws: every failure becomes a launcher-error result.
 */
export async function wrap(jobDir: string, cancel: AbortSignal, choose: (spec: JobSpec) => Launch, node = process.env.SLURMD_NODENAME ?? hostname()): Promise<JobResult> {
  const startedAt = new Date().toISOString();
  const base = { startedAt, node, runtime: { name: 'unknown', version: 'unknown' }, injections: [], outputs: [], declared: null, exitCode: null, signal: null };
  let spec: JobSpec | null = null;
  try {
    spec = JSON.parse(await readFile(join(jobDir, JOB_FILE), 'utf8')) as JobSpec;
    checkJobSpec(spec);
    const account = accountFor(spec);
    const launch = choose(spec);
    const prepared = await prepareJobDir(jobDir, spec);
    const launched = await launch(spec, prepared, account, cancel);
    const { outputs, declared, problems } = await collectOutputs(prepared.outDir);
    return {
      ...base,
      jobId: spec.jobId,
      ...launched,
      detail: problems.length > 0 ? problems.join('; ') : null,
      endedAt: new Date().toISOString(),
      outputs,
      declared,
    };
  } catch (error) {
    return { ...base, jobId: spec?.jobId ?? 'unknown', outcome: 'launcher-error', detail: (error as Error).message, endedAt: new Date().toISOString() };
  }
}

/**
 * The account named by job.json, or else the caller's own; refuses root either way. A
 * caller running as root must be given an unprivileged account: the app never inherits root.
 */
export function accountFor(spec: JobSpec): Account {
  const asRoot = process.getuid?.() === 0;
  if (asRoot && !spec.runAs) throw new Error('refusing to run an app as root: job.json names no unprivileged account (runAs)');
  if (spec.runAs?.uid === 0) throw new Error('refusing to run an app as root: runAs is uid 0');
  return spec.runAs ?? { uid: process.getuid?.() ?? -1, gid: process.getgid?.() ?? -1, user: userInfo().username };
}

/** result.json, written last and whole: its presence tells the server the job ended. */
export function writeResult(jobDir: string, result: JobResult): Promise<void> {
  return writeFileDurably(join(jobDir, RESULT_FILE), JSON.stringify(result, null, 2), 0o644);
}

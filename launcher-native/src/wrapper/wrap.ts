import { hostname } from 'node:os';
import { checkJobSpec, readJobSpec, type JobSpec, type RunnableJobSpec } from '../job-dir/job-spec.js';
import type { Injection, JobResult, MemoryUse, Usage } from '../job-dir/result.js';
import { accountFor, type Account } from '../job-dir/run-as.js';
import { collectOutputs } from './collect.js';
import { prepareJobDir, type Prepared } from './prepare.js';
import { WRAPPER_VERSION } from './version.js';

/** How the container step ended, and what ran it (for provenance). */
export interface Launched {
  outcome: 'exited' | 'timed-out' | 'cancelled' | 'out-of-memory';
  exitCode: number | null;
  signal: string | null;
  runtime: { name: string; version: string };
  injections: Injection[];
  memory?: MemoryUse;
  /** What the app used; absent when the container never started. */
  usage?: Usage;
}

/** Runs the app's container on a prepared job directory; resolves once the container is gone. */
export type Launch = (spec: RunnableJobSpec, prepared: Prepared, account: Account, cancel: AbortSignal) => Promise<Launched>;

/**
 * What every run of a job does, whatever starts its container (a runtime's
 * CLI, or a Docker engine's API): check job.json, refuse root, build /in and
 * /out, run, hash /out. `choose` picks the launch for the spec before anything
 * is prepared, so a spec no launcher can run leaves no /in or /out behind.
 * Never throws: every failure becomes a launcher-error result.
 */
export async function wrap(jobDir: string, cancel: AbortSignal, choose: (spec: RunnableJobSpec) => Launch, node = process.env.SLURMD_NODENAME ?? hostname()): Promise<JobResult> {
  const startedAt = new Date().toISOString();
  const base = { startedAt, node, runtime: { name: 'unknown', version: 'unknown' }, wrapper: { version: WRAPPER_VERSION }, injections: [], outputs: [], declared: null };
  let spec: JobSpec | null = null;
  try {
    spec = await readJobSpec(jobDir);
    const runnable = checkJobSpec(spec);
    const account = accountFor(runnable);
    const launch = choose(runnable);
    const prepared = await prepareJobDir(jobDir, runnable);
    const launched = await launch(runnable, prepared, account, cancel);
    const { outputs, declared, problems } = await collectOutputs(prepared.outDir);
    return {
      ...base,
      jobId: runnable.jobId,
      ...launched,
      detail: problems.length > 0 ? problems.join('; ') : null,
      endedAt: new Date().toISOString(),
      outputs,
      declared,
      ...(prepared.upstream.length > 0 ? { upstream: prepared.upstream } : {}),
    };
  } catch (error) {
    return launcherError(spec?.jobId ?? 'unknown', (error as Error).message, { startedAt, node });
  }
}

/** The result of a run the wrapper could not make: why, and nothing of an app. */
export function launcherError(jobId: string, detail: string, at: { startedAt: string; node: string }): JobResult {
  return {
    jobId, outcome: 'launcher-error', detail, exitCode: null, signal: null, ...at, endedAt: new Date().toISOString(),
    runtime: { name: 'unknown', version: 'unknown' }, wrapper: { version: WRAPPER_VERSION }, injections: [], outputs: [], declared: null,
  };
}

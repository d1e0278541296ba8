import { appendLogLine } from '../job-dir/log.js';
import type { MemoryUse, Usage } from '../job-dir/result.js';
import { confine, type Limits } from './limits/confinement.js';
import { runLogged, type RunOptions, type RunOutcome } from './run-container.js';

export interface ConfinedOutcome extends Omit<RunOutcome, 'outcome'> {
  outcome: RunOutcome['outcome'] | 'out-of-memory';
  memory: MemoryUse;
  usage: Usage;
}

/**
 * Runs the container's command held to the job's CPUs and memory (see
 * wrapper/limits/confinement.ts for how), and tells an app the kernel killed for
 * memory from one that failed on its own. Then `cleanup` releases the
 * runtime's state, while its helpers still live (podman's pause process
 * runs inside the limits too), and whatever is left inside is killed.
 */
export async function runConfined(argv: string[], limits: Limits, jobId: string, options: RunOptions, cleanup: () => Promise<void>): Promise<ConfinedOutcome> {
  const confinement = await confine(limits, jobId, options.env.PATH === undefined ? {} : { path: options.env.PATH });
  try {
    await appendLogLine(options.jobDir, 'system', confinement.description);
    const started = performance.now();
    const ran = await runLogged(confinement.command(argv), { ...options, spawnInside: confinement.spawnInside });
    const wallSeconds = Math.round(performance.now() - started) / 1000;
    // Read before the cleanup and release below: the cgroup's counters go with it.
    const { peakMiB, oomKills, cpuSeconds } = confinement.usage();
    const memory: MemoryUse = { limitMiB: limits.memoryMiB, peakMiB, enforcedBy: confinement.enforcedBy };
    const usage: Usage = { cpuSeconds, peakMemoryMiB: peakMiB, wallSeconds };
    // Any OOM kill fails the job, as Slurm's OUT_OF_MEMORY does: a pipeline whose first
    // stage the kernel killed can still exit 0, with half its output.
    if (ran.outcome === 'exited' && oomKills !== null && oomKills > 0) {
      await appendLogLine(options.jobDir, 'system', `out of memory: the kernel killed ${oomKills === 1 ? 'a process' : `${oomKills} processes`} of the app at its limit of ${limits.memoryMiB} MiB (peak ${peakMiB ?? 'not measured'}${peakMiB === null ? '' : ' MiB'})`);
      return { ...ran, outcome: 'out-of-memory', memory, usage };
    }
    return { ...ran, memory, usage };
  } finally {
    // What the app did stands whatever its clean-up meets: a failure here is said in the log, not made the job's outcome.
    await cleanup().catch((error: unknown) => noteCleanupFailure(options.jobDir, 'the runtime could not clean up', error));
    await confinement.release().catch((error: unknown) => noteCleanupFailure(options.jobDir, 'the job\'s limits could not be released', error));
  }
}

async function noteCleanupFailure(jobDir: string, what: string, error: unknown): Promise<void> {
  await appendLogLine(jobDir, 'system', `${what}: ${error instanceof Error ? error.message : String(error)}`).catch(() => undefined);
}

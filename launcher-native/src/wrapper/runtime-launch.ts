import { execFile } from 'node:child_process';
import { chown, mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { removeOwnedTree } from '../files/remove-owned.js';
import { jobFolders } from '../job-dir/layout.js';
import { appendLogLine } from '../job-dir/log.js';
import type { Account } from '../job-dir/run-as.js';
import { withHostVersions } from './host-versions.js';
import { runConfined } from './run-confined.js';
import { runLogged } from './run-container.js';
import { runtimeNamed, type RunSpec } from './runtimes/index.js';
import type { Launch } from './wrap.js';

const run = promisify(execFile);

/** The runtime named in job.json, run as argv through its CLI: its prepare steps, then the container, held to the job's limits. */
export function runtimeLaunch(jobDir: string, spec: { runtime: string }): Launch {
  const runtime = runtimeNamed(spec.runtime);
  return async (spec, prepared, account, cancel) => {
    const stateDir = await stateDirFor(jobDir, account);
    try {
      return await launchIn(stateDir, spec, prepared, account, cancel);
    } finally {
      // It is beside the job directory (see jobFolders): nothing of it is kept once the runtime has cleaned up.
      await removeOwnedTree(stateDir)
        .catch((error: unknown) => appendLogLine(jobDir, 'system', `the runtime's state could not be removed: ${error instanceof Error ? error.message : String(error)}`))
        .catch(() => undefined);
    }
  };

  async function launchIn(stateDir: string, ...[spec, prepared, account, cancel]: Parameters<Launch>): ReturnType<Launch> {
    const runSpec: RunSpec = {
      name: `narrative-${spec.jobId}`,
      image: spec.image,
      binds: [
        { source: prepared.inDir, target: '/in', readOnly: true },
        { source: prepared.outDir, target: '/out', readOnly: false },
      ],
      env: spec.env,
      envFile: prepared.envFile,
      stateDir,
      argv: spec.argv,
      workdir: '/out',
      user: { uid: account.uid, gid: account.gid },
      network: spec.network,
      gpus: spec.gpus,
      mpi: spec.mpi,
      cpus: spec.cpus,
      memoryMiB: spec.memoryMiB,
    };
    // Asked beside the run rather than before it: only provenance needs the answer, and the app need not wait for it.
    const version = run(runtime.versionArgv()[0]!, runtime.versionArgv().slice(1), { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', USER: account.user } })
      .then(({ stdout, stderr }) => (stdout || stderr).trim().split('\n')[0] ?? 'unknown', () => 'unknown');
    const options = {
      cwd: jobDir,
      env: { PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', USER: account.user, HOME: jobDir },
      // Only root can switch accounts; otherwise the wrapper already runs as the app's account.
      user: process.getuid?.() === 0 ? { uid: account.uid, gid: account.gid } : null,
      jobDir,
      timeLimitMs: spec.timeLimitSeconds * 1000,
      cancel,
    };
    for (const step of runtime.prepare(runSpec)) {
      const stepped = await runLogged(step, options);
      if (stepped.exitCode !== 0) throw new Error(`${step.join(' ')} failed (exit ${stepped.exitCode})`);
    }
    const cleanup = async () => {
      // Not stoppable by the job's cancel (it may be what ended the run), but bounded in time.
      for (const step of runtime.cleanup?.(runSpec) ?? []) await runLogged(step, { ...options, timeLimitMs: 60_000, cancel: new AbortController().signal });
    };
    const outcome = await runConfined(runtime.run(runSpec), { memoryMiB: spec.memoryMiB, cpus: spec.cpus }, spec.jobId, { ...options, stopArgv: runtime.stop(runSpec) }, cleanup);
    // The CLI's own CPU time and memory are not the app's: said as not measured rather than wrongly.
    const usage = runtime.runsOutsideWrapper ? { cpuSeconds: null, peakMemoryMiB: null, wallSeconds: outcome.usage.wallSeconds } : outcome.usage;
    return { ...outcome, usage, runtime: { name: runtime.name, version: await version }, injections: await withHostVersions(runtime.injections(runSpec), process.env) };
  }
}

/** `<jobDir>.runtime`, private to the app's account: the runtime's state for this job only, removed after it (see RunSpec.stateDir and jobFolders). */
async function stateDirFor(jobDir: string, account: Account): Promise<string> {
  const dir = jobFolders(jobDir).runtimeDir;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (process.getuid?.() === 0) await chown(dir, account.uid, account.gid);
  return dir;
}

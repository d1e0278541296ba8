#!/usr/bin/env node
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeFileDurably } from '../files/durable-file.js';
import { runtimeNamed, type RunSpec } from '../runtimes/index.js';
import { collectOutputs } from './collect.js';
import { checkJobSpec, JOB_FILE, LOG_FILE, RESULT_FILE, type JobResult, type JobSpec } from './job-spec.js';
import { prepareJobDir } from './prepare.js';
import { runLogged } from './run-container.js';

/**
 * The job wrapper, run on the node by the scheduler: `main.js <jobDir>`.
 * It builds /in and /out, runs the app's container as an unprivileged
 * account, and writes result.json last. Its exit code mirrors the app's, so
 * the scheduler's own state agrees with the result.
 */
const run = promisify(execFile);

async function wrap(jobDir: string, cancel: AbortSignal): Promise<JobResult> {
  const startedAt = new Date().toISOString();
  const node = process.env.SLURMD_NODENAME ?? hostname();
  const base = { startedAt, node, runtime: { name: 'unknown', version: 'unknown' }, injections: [], outputs: [], declared: null, exitCode: null, signal: null };
  let spec: JobSpec | null = null;
  try {
    spec = JSON.parse(await readFile(join(jobDir, JOB_FILE), 'utf8')) as JobSpec;
    checkJobSpec(spec);
    const asRoot = process.getuid?.() === 0;
    if (asRoot && !spec.runAs) throw new Error('refusing to run an app as root: job.json names no unprivileged account (runAs)');
    if (spec.runAs?.uid === 0) throw new Error('refusing to run an app as root: runAs is uid 0');
    const runtime = runtimeNamed(spec.runtime);
    const prepared = await prepareJobDir(jobDir, spec);
    const account = spec.runAs ?? { uid: process.getuid?.() ?? -1, gid: process.getgid?.() ?? -1, user: userInfo().username };
    const runSpec: RunSpec = {
      name: `narrative-${spec.jobId}`,
      image: spec.image,
      binds: [
        { source: prepared.inDir, target: '/in', readOnly: true },
        { source: prepared.outDir, target: '/out', readOnly: false },
      ],
      env: spec.env,
      envFile: prepared.envFile,
      argv: spec.argv,
      workdir: '/out',
      user: { uid: account.uid, gid: account.gid },
      network: spec.network,
      gpus: spec.gpus,
      mpi: spec.mpi,
    };
    const version = await run(runtime.versionArgv()[0]!, runtime.versionArgv().slice(1), { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', USER: account.user } })
      .then(({ stdout, stderr }) => (stdout || stderr).trim().split('\n')[0] ?? 'unknown', () => 'unknown');
    const options = {
      cwd: jobDir,
      env: { PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', USER: account.user, HOME: jobDir },
      user: asRoot ? { uid: account.uid, gid: account.gid } : null,
      logFile: join(jobDir, LOG_FILE),
      timeLimitMs: spec.timeLimitSeconds * 1000,
      cancel,
    };
    for (const step of runtime.prepare(runSpec)) {
      const prepared = await runLogged(step, options);
      if (prepared.exitCode !== 0) throw new Error(`${step.join(' ')} failed (exit ${prepared.exitCode})`);
    }
    const outcome = await runLogged(runtime.run(runSpec), options);
    const { outputs, declared, problems } = await collectOutputs(prepared.outDir);
    return {
      ...base,
      jobId: spec.jobId,
      ...outcome,
      detail: problems.length > 0 ? problems.join('; ') : null,
      endedAt: new Date().toISOString(),
      runtime: { name: runtime.name, version },
      injections: runtime.injections(runSpec),
      outputs,
      declared,
    };
  } catch (error) {
    return { ...base, jobId: spec?.jobId ?? 'unknown', outcome: 'launcher-error', detail: (error as Error).message, endedAt: new Date().toISOString() };
  }
}

const jobDir = process.argv[2];
if (!jobDir) {
  process.stderr.write('usage: wrapper <jobDir>\n');
  process.exit(2);
}
const cancel = new AbortController();
process.once('SIGTERM', () => cancel.abort());
process.once('SIGINT', () => cancel.abort());
const result = await wrap(jobDir, cancel.signal);
await writeFileDurably(join(jobDir, RESULT_FILE), JSON.stringify(result, null, 2), 0o644);
process.exit(result.outcome === 'exited' ? (result.exitCode ?? 1) : 1);

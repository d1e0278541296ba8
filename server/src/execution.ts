import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DockerScheduler, LocalScheduler, runtimeNamed, SlurmScheduler, type Scheduler } from '@narrative/launcher-native';
import type { Config } from './config.js';
import type { Account, Execution } from './domain/context.js';

const run = promisify(execFile);

/**
 * How this server runs apps, from its configuration: the scheduler, the
 * node-side runtime, the job directories, and the unprivileged account apps
 * run as when jobs start as root.
 */
export async function createExecution(config: Config): Promise<Execution | null> {
  if (config.execution.scheduler === 'none') return null;
  const jobsDir = join(config.home, 'jobs');
  await mkdir(jobsDir, { recursive: true, mode: 0o711 });
  // The service account must reach its job's /in and /out: the data directory becomes traversable, not listable.
  // Its database and blobs stay unreadable to it (0600/0640 files under 0700 directories).
  await chmod(config.home, 0o711);
  runtimeNamed(config.execution.runtime);
  const scheduler: Scheduler =
    config.execution.scheduler === 'docker'
      ? new DockerScheduler({ socketPath: config.execution.docker.socket, ...(config.execution.docker.network ? { network: config.execution.docker.network } : {}) })
      : config.execution.scheduler === 'slurm'
      ? new SlurmScheduler({
          env: config.execution.slurm.conf ? { SLURM_CONF: config.execution.slurm.conf } : {},
          ...(config.execution.slurm.partition ? { partition: config.execution.slurm.partition } : {}),
          ...(config.execution.slurm.account ? { account: config.execution.slurm.account } : {}),
          ...(config.execution.slurm.jobcompLog ? { jobcompLog: config.execution.slurm.jobcompLog } : {}),
        })
      : new LocalScheduler({ slots: config.execution.slots, minuteMs: config.execution.localMinuteMs, killGraceMs: Math.min(10_000, config.execution.localMinuteMs) });
  return {
    scheduler,
    // On the docker scheduler the engine is the runtime, whatever NARRATIVE_RUNTIME says (job.json and provenance say so).
    runtime: config.execution.scheduler === 'docker' ? 'docker' : config.execution.runtime,
    jobsDir,
    runAs: process.getuid?.() === 0 ? await account(config.execution.runAs) : null,
    accounts: process.getuid?.() === 0 && config.execution.accountMap ? await accountMap(config.execution.accountMap) : new Map(),
    wrapper: [process.execPath, fileURLToPath(import.meta.resolve('@narrative/launcher-native/wrapper'))],
  };
}

/**
 * The operator's map of platform users to their own accounts. A mapped
 * account that does not exist or is root stops the server at start: a job
 * must never fall back silently to another identity.
 */
async function accountMap(file: string): Promise<Map<string, Account>> {
  const entries = Object.entries(JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>);
  const accounts = new Map<string, Account>();
  for (const [platformUser, local] of entries) {
    if (typeof local !== 'string') throw new Error(`${file}: the account of ${platformUser} must be a user name`);
    const resolved = await account(local);
    if (!resolved) throw new Error(`${file}: ${platformUser} is mapped to ${local}, which is not an unprivileged account on this machine`);
    accounts.set(platformUser, resolved);
  }
  return accounts;
}

/** The service account's ids; null when it does not exist (jobs then fail with that reason, never run as root). */
export async function account(user: string): Promise<Execution['runAs']> {
  try {
    const uid = Number((await run('id', ['-u', user])).stdout.trim());
    const gid = Number((await run('id', ['-g', user])).stdout.trim());
    return uid > 0 ? { uid, gid, user } : null;
  } catch {
    return null;
  }
}

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { DockerScheduler, LocalScheduler, runtimeNamed, SlurmScheduler, type Scheduler } from '@narrative/launcher-native';
import type { Config } from './config.js';
import type { Account, Execution } from './domain/context.js';

const run = promisify(execFile);

/**
 * How this server runs apps, from its configuration: the scheduler, the
 * node-side runtime, the job directories, and the unprivileged account apps
 * run as when jobs start as root.
 */
export async function createExecution(config: Config, logger?: Logger): Promise<Execution | null> {
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
    wrapper: [process.execPath, wrapperProgram(logger)],
  };
}

/**
 * The job wrapper's file: its one-file bundle, which starts in half the time, when the record
 * beside it (launcher-native/scripts/bundle-wrapper.mjs) says it was made from the compiled
 * wrapper exactly as it is now; otherwise the compiled wrapper itself, so a server started after a
 * `tsc -b` that was not followed by the bundling never runs an old bundle. Checked once, at start
 * (a build under a running server is for the set-up to do), by content, not by time: npm gives
 * every installed file the same old date.
 */
export function wrapperProgram(logger?: Logger, compiled = fileURLToPath(import.meta.resolve('@narrative/launcher-native/wrapper'))): string {
  const bundle = join(dirname(compiled), 'bundle.mjs');
  const stale = bundleStaleness(bundle, compiled);
  if (stale === null) return bundle;
  logger?.warn({ wrapper: compiled }, `jobs run the unbundled job wrapper, which starts slower: ${stale}; \`npm run build\` bundles it again`);
  return compiled;
}

/**
 * Why the bundle may not stand for the compiled wrapper, or null when it may. Its ~260 files are
 * read synchronously, once at start: a few milliseconds, where reads through the thread pool take 30.
 */
export function bundleStaleness(bundle: string, compiled: string): string | null {
  let record: { bundle?: unknown; inputs?: Record<string, unknown> };
  try {
    record = JSON.parse(readFileSync(join(dirname(bundle), 'bundle.inputs.json'), 'utf8')) as typeof record;
  } catch {
    return 'it has not been bundled';
  }
  const inputs = Object.entries(record.inputs ?? {}).map(([file, hash]) => ({ path: resolve(dirname(bundle), file), hash }));
  if (!inputs.some((input) => input.path === compiled)) return 'the bundle was not made from it';
  const changed = [{ path: bundle, hash: record.bundle }, ...inputs].find((input) => sha256OrNull(input.path) !== input.hash);
  return changed ? `${changed.path} is not as it was when the bundle was made` : null;
}

function sha256OrNull(file: string): string | null {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return null;
  }
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

import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { isRunning, listProcesses, readProcess, type ProcessRecord } from '../processes/process-table.js';

/** Starting and stopping the daemons of the local cluster and engine (tests and demos only). */
export type DaemonRecord = ProcessRecord;

/**
 * slurmstepd outlives slurmd by design (so slurmd can restart under running jobs), and it
 * inherits slurmd's environment: the SLURM_CONF we gave slurmd tells ours from other clusters'.
 */
export function stepDaemonsOf(slurmConf: string): number[] {
  const marker = `SLURM_CONF=${slurmConf}`;
  return listProcesses()
    .filter((p) => p.cmdline.startsWith('slurmstepd') && isRunning(p.pid))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p.pid}/environ`, 'utf8').split('\0').includes(marker);
      } catch {
        return false;
      }
    })
    .map((p) => p.pid);
}

/**
 * Starts a daemon in the foreground mode of its own flags, in a new session so it outlives
 * the CLI that started it; its stdout and stderr go to logFile. Returns its record.
 */
export function spawnDaemon(name: string, argv: string[], env: Record<string, string>, logFile: string): DaemonRecord {
  const log = openSync(logFile, 'a');
  try {
    const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', log, log], env });
    child.on('error', () => undefined); // a failed exec shows up as a dead PID while we wait
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${name} (${argv[0]})`);
    return { name, pid: child.pid, startTime: readProcess(child.pid)?.startTime ?? '' };
  } finally {
    closeSync(log);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until none of the PIDs runs; false if some still run after timeoutMs. */
export async function waitGone(pids: number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!pids.some(isRunning)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
}

/** SIGTERM, then SIGKILL whatever is left after graceMs; resolves once none of them runs. */
export async function terminate(pids: number[], graceMs: number): Promise<void> {
  signal(pids, 'SIGTERM');
  if (await waitGone(pids, graceMs)) return;
  signal(pids.filter(isRunning), 'SIGKILL');
  if (!(await waitGone(pids, 5_000))) {
    throw new Error(`processes survived SIGKILL: ${pids.filter(isRunning).join(', ')}`);
  }
}

function signal(pids: number[], name: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, name);
    } catch {
      // Already gone: that is what we want.
    }
  }
}

import { spawn } from 'node:child_process';
import { openSync, closeSync, readdirSync, readFileSync } from 'node:fs';

/** A process we started, named so a recycled PID is never mistaken for it. */
export interface DaemonRecord {
  name: string;
  pid: number;
  /** Kernel start time (clock ticks since boot, /proc/<pid>/stat field 22). */
  startTime: string;
}

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** One-letter kernel state; Z (zombie) and X (dead) count as gone. */
  state: string;
  startTime: string;
  cmdline: string;
  /** The command line as the kernel keeps it, one element per argument. */
  argv: string[];
}

/** One process from /proc, or undefined when it is gone. Linux only, like Slurm itself. */
export function readProcess(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').split('\0');
    return { pid, ppid: Number(rest[1]), state: rest[0] ?? '?', startTime: rest[19] ?? '', cmdline: argv.join(' '), argv };
  } catch {
    return undefined;
  }
}

export function listProcesses(): ProcessInfo[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => readProcess(Number(entry)))
    .filter((p): p is ProcessInfo => p !== undefined);
}

/**
 * Running processes whose environment (as it was at exec) holds entry, NAME=value: how a test
 * tells the processes it started from any other running the same command on the machine.
 */
export function processesWithEnv(entry: string): ProcessInfo[] {
  return listProcesses().filter((p) => {
    try {
      return isRunning(p.pid) && readFileSync(`/proc/${p.pid}/environ`, 'utf8').split('\0').includes(entry);
    } catch {
      return false; // gone meanwhile, or not ours to read
    }
  });
}

/** Running and not a zombie: a zombie has exited and only waits for its parent to reap it. */
export function isRunning(pid: number): boolean {
  const info = readProcess(pid);
  return info !== undefined && info.state !== 'Z' && info.state !== 'X';
}

/** Still the very process we recorded (same PID and same start time), and running. */
export function isSameProcess(record: DaemonRecord): boolean {
  const info = readProcess(record.pid);
  return info !== undefined && info.startTime === record.startTime && isRunning(record.pid);
}

/** Every descendant of the given PIDs (e.g. slurmctld's slurmscriptd, a job step's tasks). */
export function descendantsOf(pids: number[], processes: ProcessInfo[] = listProcesses()): number[] {
  const found = new Set<number>();
  let frontier = new Set(pids);
  while (frontier.size > 0) {
    const next = new Set<number>();
    for (const p of processes) {
      if (frontier.has(p.ppid) && !found.has(p.pid) && !pids.includes(p.pid)) next.add(p.pid);
    }
    for (const pid of next) found.add(pid);
    frontier = next;
  }
  return [...found];
}

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

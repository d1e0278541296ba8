import { readdirSync, readFileSync } from 'node:fs';

/**
 * The machine's process table, read from /proc (Linux only, like Slurm itself): what the
 * wrapper's record of itself, the local cluster and the tests use to tell one process from another.
 */

/** A process we started, named so a recycled PID is never mistaken for it. */
export interface ProcessRecord {
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
export function isSameProcess(record: ProcessRecord): boolean {
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

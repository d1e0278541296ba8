import { readFileSync } from 'node:fs';

/**
 * The kernel gives /proc times in USER_HZ, fixed at 100 for user space on every architecture
 * Node runs on (x86, arm, arm64, ppc64, s390x, riscv64), whatever the kernel's own HZ.
 */
const USER_HZ = 100;

/**
 * The CPU time (user and system, in seconds) of this process's children that have ended and
 * been waited for, and of their descendants they waited for: `cutime` and `cstime` of
 * /proc/<pid>/stat (getrusage's RUSAGE_CHILDREN, which Node does not offer). null where it
 * cannot be read (not Linux).
 */
export function childrenCpuSeconds(stat: string | null = readStat()): number | null {
  if (stat === null) return null;
  // The command name in parentheses may hold spaces and parentheses: the fields follow its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 16 and 17 of proc(5), counted from `state`, which is field 3.
  const [cutime, cstime] = [Number(fields[16 - 3]), Number(fields[17 - 3])];
  return Number.isInteger(cutime) && Number.isInteger(cstime) ? (cutime + cstime) / USER_HZ : null;
}

function readStat(): string | null {
  try {
    return readFileSync('/proc/self/stat', 'utf8');
  } catch {
    return null;
  }
}

/**
 * The CPU time of what one child started at `start()` used, by the difference of the children's
 * totals: its time counts once it has been waited for (Node does so before a child's 'close'),
 * with that of the processes it waited for in turn. A daemon that left it, and a container an
 * engine starts elsewhere, are not counted; a cgroup counts those.
 */
export class ChildrenCpu {
  private before: number | null = null;

  start(): void {
    this.before = childrenCpuSeconds();
  }

  /** Seconds since start(); null when start() was not called or /proc cannot be read. */
  seconds(): number | null {
    const now = childrenCpuSeconds();
    return this.before === null || now === null ? null : Math.max(0, Math.round((now - this.before) * 100) / 100);
  }
}

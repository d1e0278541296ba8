import { mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isRunning } from '../../processes/process-table.js';

const MiB = 1024 * 1024;
const CPU_PERIOD_US = 100_000;
/** How long release() keeps killing what is left before it gives up on a cgroup. */
const RELEASE_TIMEOUT_MS = 10_000;

/** The v1 controllers a job cgroup uses: memory is required, cpu (the limit) and cpuacct (CPU time used) optional. */
export type Controller = 'memory' | 'cpu' | 'cpuacct';

/** This process's own cgroup in each controller (null: that controller has none here). */
export interface Parents {
  memory: string;
  cpu: string | null;
  cpuacct: string | null;
}

/**
 * The directory of this process's own cgroup in one cgroup v1 controller, from
 * /proc/self/mountinfo and /proc/self/cgroup; null when that controller has no v1
 * hierarchy mounted here (a cgroup v2-only host) or our cgroup lies outside the mount.
 */
export function ownCgroupDir(controller: Controller, mountinfo: string, procCgroup: string): string | null {
  const mount = mountinfo.split('\n').map(parseMountLine).find((m) => m?.fstype === 'cgroup' && m.superOptions.includes(controller));
  const own = procCgroup.split('\n').map((line) => line.split(':')).find((fields) => fields[1]?.split(',').includes(controller));
  if (!mount || !own) return null;
  const path = own.slice(2).join(':');
  const inside = relative(mount.root, path);
  if (inside.startsWith('..')) return null;
  return join(mount.mountPoint, inside);
}

function parseMountLine(line: string) {
  const [left, right] = line.split(' - ');
  if (!left || !right) return null;
  const fields = left.split(' ');
  const [fstype, , superOptions] = right.split(' ');
  // mountinfo escapes space, tab, newline and backslash as \ooo.
  const unescape = (text = '') => text.replace(/\\([0-7]{3})/g, (_m, octal: string) => String.fromCharCode(parseInt(octal, 8)));
  return { root: unescape(fields[3]), mountPoint: unescape(fields[4]), fstype, superOptions: (superOptions ?? '').split(',') };
}

/**
 * One job's cgroup: a child of the wrapper's own cgroup in the memory controller (and
 * the cpu and cpuacct controllers where there are those), named after the job and the
 * wrapper's PID. Only the app's processes live in it, never the wrapper, so the app's
 * limit is its own, and so is the CPU time it counts.
 */
export class CgroupV1Job {
  /** Each cgroup made, once (controllers mounted together share one), with the wrapper's own in that hierarchy. */
  private readonly made: { dir: string; parent: string }[];

  private constructor(private readonly dirs: { memory: string; cpu: string | null; cpuacct: string | null }, parents: Parents) {
    const pairs = [
      { dir: dirs.memory, parent: parents.memory },
      ...(dirs.cpu && parents.cpu ? [{ dir: dirs.cpu, parent: parents.cpu }] : []),
      ...(dirs.cpuacct && parents.cpuacct ? [{ dir: dirs.cpuacct, parent: parents.cpuacct }] : []),
    ];
    this.made = pairs.filter((pair, i) => pairs.findIndex((p) => p.dir === pair.dir) === i);
  }

  /** Creates the cgroup with its limits; throws (having created nothing) where the kernel or permissions refuse. */
  static create(name: string, limits: { memoryMiB: number; cpus: number }, parents: Parents): CgroupV1Job {
    const memory = join(parents.memory, name);
    mkdirSync(memory);
    let cpu: string | null = null;
    try {
      writeFileSync(join(memory, 'memory.limit_in_bytes'), String(limits.memoryMiB * MiB));
      // Where swap is accounted, no swap beyond the limit either (as Docker's MemorySwap and Slurm's ConstrainSwapSpace).
      writeIfPresent(join(memory, 'memory.memsw.limit_in_bytes'), String(limits.memoryMiB * MiB));
      if (parents.cpu) cpu = createCpuCgroup(join(parents.cpu, name), limits.cpus);
    } catch (error) {
      rmdirSync(memory);
      throw error;
    }
    // cpuacct is usually mounted with cpu (`cpu,cpuacct`): then the cpu cgroup counts the time already.
    const cpuacct = parents.cpuacct === null ? null
      : parents.cpuacct === parents.cpu ? cpu
      : parents.cpuacct === parents.memory ? memory
      : createAccountingCgroup(join(parents.cpuacct, name));
    return new CgroupV1Job({ memory, cpu, cpuacct }, parents);
  }

  get limitsCpu(): boolean {
    return this.dirs.cpu !== null;
  }

  /**
   * Runs `start` (a synchronous spawn) with the wrapper moved into the cgroup, so the child
   * is born inside it and nothing it does escapes the limit; the wrapper moves back at once.
   */
  spawnInside<T>(start: () => T): T {
    const pid = String(process.pid);
    try {
      for (const { dir } of this.made) writeFileSync(join(dir, 'cgroup.procs'), pid);
      return start();
    } finally {
      // Best effort: a wrapper left inside only shares the app's limit, which must not stop the run.
      for (const { parent: dir } of this.made) {
        try {
          writeFileSync(join(dir, 'cgroup.procs'), pid);
        } catch {
          // stays where it is
        }
      }
    }
  }

  /**
   * The most memory the job held (page cache included, as the limit counts it), the number of
   * OOM kills in it, and the CPU time (user and system) of every process that ran in it
   * (null without a cpuacct cgroup).
   */
  usage(): { peakMiB: number; oomKills: number | null; cpuSeconds: number | null } {
    const peak = Number(readFileSync(join(this.dirs.memory, 'memory.max_usage_in_bytes'), 'utf8'));
    // `oom_kill N` exists since Linux 4.13; older kernels cannot tell, which is said as null.
    const kills = /^oom_kill (\d+)$/m.exec(readFileSync(join(this.dirs.memory, 'memory.oom_control'), 'utf8'));
    // cpuacct.usage: nanoseconds on all CPUs, counted by the scheduler for each process in the cgroup.
    const nanoseconds = this.dirs.cpuacct ? readNumber(join(this.dirs.cpuacct, 'cpuacct.usage')) : NaN;
    return {
      peakMiB: Math.round((peak / MiB) * 10) / 10,
      oomKills: kills ? Number(kills[1]) : null,
      cpuSeconds: Number.isFinite(nanoseconds) ? Math.round(nanoseconds / 1e7) / 100 : null,
    };
  }

  /** Kills whatever the app left in the cgroup (daemons that left its process group too), then removes it. */
  async release(): Promise<void> {
    for (const { dir } of this.made) await emptyAndRemove(dir);
  }
}

function createCpuCgroup(dir: string, cpus: number): string {
  mkdirSync(dir);
  try {
    writeFileSync(join(dir, 'cpu.cfs_period_us'), String(CPU_PERIOD_US));
    writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(Math.max(1000, Math.round(cpus * CPU_PERIOD_US))));
  } catch (error) {
    rmdirSync(dir);
    throw error;
  }
  return dir;
}

/**
 * A cgroup that only counts CPU time. Counting is not a limit: where the kernel refuses it,
 * the job keeps its limits and its CPU time is measured otherwise (or not at all).
 */
function createAccountingCgroup(dir: string): string | null {
  try {
    mkdirSync(dir);
    return dir;
  } catch {
    return null;
  }
}

/** A number a cgroup file holds; NaN when it cannot be read (a measure missing is said as null, not a failed job). */
function readNumber(path: string): number {
  try {
    return Number(readFileSync(path, 'utf8'));
  } catch {
    return NaN;
  }
}

function writeIfPresent(path: string, value: string): void {
  try {
    writeFileSync(path, value);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

async function emptyAndRemove(dir: string): Promise<void> {
  for (const deadline = Date.now() + RELEASE_TIMEOUT_MS; ; await new Promise((r) => setTimeout(r, 25))) {
    let pids: number[];
    try {
      pids = readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    if (pids.length === 0) {
      try {
        return rmdirSync(dir);
      } catch (error) {
        // EBUSY: a process was still leaving; try again.
        if ((error as NodeJS.ErrnoException).code !== 'EBUSY') throw error;
      }
    }
    for (const pid of pids) signal(pid, 'SIGKILL');
    if (Date.now() > deadline) throw new Error(`cannot remove ${dir}: processes ${pids.join(', ')} do not die`);
  }
}

/**
 * Removes the cgroups of wrappers that died without cleaning up (SIGKILLed):
 * named `…-<pid>` after a wrapper no longer running. Their processes are killed
 * first; their job has ended with its wrapper.
 */
export async function removeOrphans(parent: string, prefix: string): Promise<void> {
  let entries: string[];
  try {
    entries = readdirSync(parent);
  } catch {
    return;
  }
  for (const entry of entries) {
    const owner = entry.startsWith(prefix) ? /-(\d+)$/.exec(entry)?.[1] : undefined;
    if (owner && !isRunning(Number(owner))) await emptyAndRemove(join(parent, entry)).catch(() => undefined);
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

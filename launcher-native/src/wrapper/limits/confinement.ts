import { readFileSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Enforcement } from '../../job-dir/result.js';
import { CgroupV1Job, ownCgroupDir, removeOrphans } from './cgroup-v1.js';
import { ChildrenCpu } from './children-cpu.js';

export interface Limits {
  memoryMiB: number;
  cpus: number;
}

/**
 * How the wrapper holds an app to its CPUs and memory: the run command and its
 * spawn go through here, and afterwards it says what the app used.
 */
export interface Confinement {
  readonly enforcedBy: Enforcement;
  /** One line for the job log: what is enforced, and how. */
  readonly description: string;
  /** The run command, with whatever applies the limits from outside prefixed to it. */
  command(argv: string[]): string[];
  /** Calls `start` (a synchronous spawn) so that the process it starts is inside the limits. */
  spawnInside<T>(start: () => T): T;
  /** Peak memory and CPU time (null: not measured) and OOM kills (null: cannot tell) of what ran inside. */
  usage(): { peakMiB: number | null; oomKills: number | null; cpuSeconds: number | null };
  /** Kills whatever is left inside and removes what the confinement created. */
  release(): Promise<void>;
}

const PREFIX = 'narrative-';

/**
 * A cgroup (v1) of the wrapper's own where the machine gives one (root, or a
 * delegated hierarchy); otherwise a per-process data limit through prlimit,
 * which makes allocations fail rather than the kernel kill (so no OOM is seen,
 * only the app's exit); otherwise nothing, said in the log.
 */
export async function confine(limits: Limits, jobId: string, host: Partial<Host> = {}): Promise<Confinement> {
  const { path, mountinfo, procCgroup } = { ...thisHost(), ...host };
  const memory = ownCgroupDir('memory', mountinfo, procCgroup);
  let why = 'no cgroup v1 memory controller is mounted here';
  if (memory) {
    const cpu = ownCgroupDir('cpu', mountinfo, procCgroup);
    const cpuacct = ownCgroupDir('cpuacct', mountinfo, procCgroup);
    for (const parent of new Set([memory, cpu, cpuacct])) if (parent) await removeOrphans(parent, PREFIX);
    try {
      return cgroupConfinement(CgroupV1Job.create(`${PREFIX}${jobId.replace(/[^A-Za-z0-9_.]/g, '_')}-${process.pid}`, limits, { memory, cpu, cpuacct }), limits);
    } catch (error) {
      why = `cannot create a cgroup in ${memory}: ${(error as Error).message}`;
    }
  }
  return findProgram('prlimit', path) ? rlimitConfinement(limits, why) : unconfined(limits, `${why}, and prlimit is not installed`);
}

/** What confine() reads of the machine: where prlimit may be, and this process's cgroups. */
export interface Host {
  path: string;
  mountinfo: string;
  procCgroup: string;
}

function thisHost(): Host {
  const read = (file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return ''; // not Linux: no cgroups
    }
  };
  return { path: process.env.PATH ?? '', mountinfo: read('/proc/self/mountinfo'), procCgroup: read('/proc/self/cgroup') };
}

function cgroupConfinement(cgroup: CgroupV1Job, limits: Limits): Confinement {
  const cpus = cgroup.limitsCpu ? `${limits.cpus} CPU${limits.cpus === 1 ? '' : 's'}` : 'CPUs not limited (no cpu controller)';
  // Without a cpuacct cgroup, the CPU time of the child the wrapper waits for is the next best measure.
  const children = new ChildrenCpu();
  return {
    enforcedBy: 'cgroup-v1',
    description: `limits: ${limits.memoryMiB} MiB of memory (swap included), ${cpus}, held by a cgroup (v1) of the job's own`,
    command: (argv) => argv,
    spawnInside: (start) => {
      children.start();
      return cgroup.spawnInside(start);
    },
    usage: () => {
      const used = cgroup.usage();
      return { ...used, cpuSeconds: used.cpuSeconds ?? children.seconds() };
    },
    release: () => cgroup.release(),
  };
}

function rlimitConfinement(limits: Limits, why: string): Confinement {
  const bytes = limits.memoryMiB * 1024 * 1024;
  return {
    enforcedBy: 'rlimit-data',
    description: `limits: ${limits.memoryMiB} MiB of data memory per process (RLIMIT_DATA; an allocation beyond it fails), CPUs not limited: ${why}`,
    // prlimit execs the command: the child the wrapper waits for is the app's first process.
    command: (argv) => ['prlimit', `--data=${bytes}:${bytes}`, '--', ...argv],
    ...measuredByChildren(),
  };
}

function unconfined(limits: Limits, why: string): Confinement {
  return {
    enforcedBy: 'none',
    description: `limits: ${limits.memoryMiB} MiB and ${limits.cpus} CPUs are NOT enforced: ${why}`,
    command: (argv) => argv,
    ...measuredByChildren(),
  };
}

/** Without a cgroup: no peak, no OOM kills seen, and the CPU time of the child the wrapper waits for. */
function measuredByChildren(): Pick<Confinement, 'spawnInside' | 'usage' | 'release'> {
  const children = new ChildrenCpu();
  return {
    spawnInside: (start) => {
      children.start();
      return start();
    },
    usage: () => ({ peakMiB: null, oomKills: null, cpuSeconds: children.seconds() }),
    release: async () => undefined,
  };
}

function findProgram(name: string, path: string): boolean {
  return path.split(delimiter).filter(Boolean).some((dir) => {
    try {
      return statSync(join(dir, name)).isFile();
    } catch {
      return false;
    }
  });
}

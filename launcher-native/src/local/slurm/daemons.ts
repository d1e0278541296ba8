import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isRunning, isSameProcess, readProcess } from '../../processes/process-table.js';
import type { DaemonRecord } from '../daemon-processes.js';
import type { Programs } from './programs.js';
import type { ClusterLayout } from './slurm-conf.js';

/** One daemon of a local cluster: how it is started, and the PID file it keeps itself. */
export interface DaemonSpec {
  /** munged, slurmctld or slurmd-<node>: the key in cluster.json and the name of its stderr log. */
  name: string;
  argv: string[];
  pidFile: string;
  /** The node a slurmd serves. */
  node?: string;
}

export const slurmdName = (node: string) => `slurmd-${node}`;

/** In start order: slurmctld authenticates through munged, and the nodes register with slurmctld. */
export function daemonSpecs(layout: ClusterLayout, slurmConf: string, nodes: string[], programs: Pick<Programs, 'munged' | 'slurmctld' | 'slurmd'>): DaemonSpec[] {
  return [
    {
      name: 'munged',
      // --force: munged refuses a socket that other users cannot reach (a private home, a 0700
      // temp dir); only this cluster's daemons and its owner's commands need to reach ours.
      argv: [programs.munged, '--foreground', '--force', `--key-file=${layout.mungeKey}`, `--socket=${layout.mungeSocket}`,
        `--pid-file=${layout.mungePidFile}`, `--seed-file=${layout.mungeSeed}`, `--log-file=${join(layout.logDir, 'munged.log')}`],
      pidFile: layout.mungePidFile,
    },
    { name: 'slurmctld', argv: [programs.slurmctld, '-D', '-f', slurmConf], pidFile: layout.ctldPidFile },
    ...nodes.map((node) => ({
      name: slurmdName(node), node, argv: [programs.slurmd, '-D', '-N', node, '-f', slurmConf], pidFile: layout.slurmdPidFile(node),
    })),
  ];
}

/**
 * The running process that is this daemon, if any: the one we recorded while it still runs
 * (same PID and kernel start time), else the one named in the daemon's own PID file (someone
 * restarted it by hand). Either way its command line must be this daemon's, so a PID the
 * kernel has since handed to another process is never taken for it.
 */
export function liveDaemon(spec: DaemonSpec, recorded: DaemonRecord | undefined): DaemonRecord | undefined {
  if (recorded && isSameProcess(recorded) && runsAs(recorded.pid, spec.argv)) return recorded;
  const pid = readPidFile(spec.pidFile);
  const info = pid === undefined ? undefined : readProcess(pid);
  if (!info || !isRunning(info.pid) || !runsAs(info.pid, spec.argv)) return undefined;
  return { name: spec.name, pid: info.pid, startTime: info.startTime };
}

/** Same arguments and program; the program's directory may differ (/sbin and /usr/sbin are one on merged-/usr systems). */
function runsAs(pid: number, argv: string[]): boolean {
  const actual = readProcess(pid)?.argv ?? [];
  return actual.length === argv.length
    && basename(actual[0] ?? '') === basename(argv[0] ?? '')
    && actual.slice(1).every((arg, i) => arg === argv[i + 1]);
}

function readPidFile(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

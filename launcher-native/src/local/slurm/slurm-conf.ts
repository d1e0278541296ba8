import { join } from 'node:path';

/** Where every file of one local cluster lives: all under its directory, nothing in /etc, /run or /var. */
export interface ClusterLayout {
  dir: string;
  slurmConf: string;
  /** Our own record of the daemons we started (PIDs and start times). */
  stateFile: string;
  /** 0700: the munge key and PRNG seed are secrets. */
  mungeKeyDir: string;
  mungeKey: string;
  mungeSeed: string;
  mungeSocketDir: string;
  mungeSocket: string;
  mungePidFile: string;
  /** Where slurmctld and each slurmd write their PIDs: what tells a running daemon after a restart by hand. */
  ctldPidFile: string;
  slurmdPidFile: (node: string) => string;
  ctldStateDir: string;
  spoolDir: (node: string) => string;
  logDir: string;
  jobCompLog: string;
}

export function clusterLayout(dir: string): ClusterLayout {
  const mungeKeyDir = join(dir, 'munge-key');
  const mungeSocketDir = join(dir, 'munge');
  return {
    dir,
    slurmConf: join(dir, 'slurm.conf'),
    stateFile: join(dir, 'cluster.json'),
    mungeKeyDir,
    mungeKey: join(mungeKeyDir, 'munge.key'),
    mungeSeed: join(mungeKeyDir, 'munged.seed'),
    mungeSocketDir,
    mungeSocket: join(mungeSocketDir, 'munge.socket.2'),
    mungePidFile: join(mungeSocketDir, 'munged.pid'),
    ctldPidFile: join(dir, 'slurmctld.pid'),
    slurmdPidFile: (node) => join(dir, `slurmd-${node}.pid`),
    ctldStateDir: join(dir, 'state'),
    spoolDir: (node) => join(dir, 'spool', node),
    logDir: join(dir, 'log'),
    jobCompLog: join(dir, 'log', 'jobcomp.log'),
  };
}

export const PARTITION = 'debug';

/**
 * Seconds a finished job stays visible to `squeue` (there is no slurmdbd, so `sacct` has
 * nothing). Long enough for a poller (or a restarted server) to read the final state,
 * short enough that tests do not see a long queue. slurmctld purges on its own timer, so
 * a job may linger up to about a minute longer.
 */
export const MIN_JOB_AGE_SECONDS = 60;

export interface ConfOptions {
  layout: ClusterLayout;
  /** The account all daemons run as (whoever starts the cluster). */
  user: string;
  ctldPort: number;
  nodes: { name: string; port: number }[];
  cpusPerNode: number;
}

/** Memory each local node declares (config_overrides lets it exceed the machine's). */
export const NODE_MEMORY_MIB = 16_384;

/** slurm.conf for one controller and N slurmd "nodes" sharing 127.0.0.1, told apart by port. */
export function renderSlurmConf({ layout, user, ctldPort, nodes, cpusPerNode }: ConfOptions): string {
  const lines = [
    '# Written by narrative `cluster up`: a local Slurm for tests and demos. Rewritten on every start.',
    'ClusterName=narrative',
    'SlurmctldHost=localhost(127.0.0.1)',
    `SlurmctldPort=${ctldPort}`,
    `SlurmUser=${user}`,
    `SlurmdUser=${user}`,
    'AuthType=auth/munge',
    'CredType=cred/munge',
    // Our own munged, not the system one in /run/munge.
    `AuthInfo=socket=${layout.mungeSocket}`,
    `StateSaveLocation=${layout.ctldStateDir}`,
    // %n: each slurmd substitutes its own node name, so N daemons on one host keep apart.
    `SlurmdSpoolDir=${layout.spoolDir('%n')}`,
    `SlurmctldPidFile=${layout.ctldPidFile}`,
    `SlurmdPidFile=${layout.slurmdPidFile('%n')}`,
    `SlurmctldLogFile=${join(layout.logDir, 'slurmctld.log')}`,
    `SlurmdLogFile=${join(layout.logDir, 'slurmd-%n.log')}`,
    // Nodes may declare more CPUs than this machine has.
    'SlurmdParameters=config_overrides',
    // The default batch_sched_delay of 3 s spaces out job starts.
    'SchedulerParameters=batch_sched_delay=0',
    `MinJobAge=${MIN_JOB_AGE_SECONDS}`,
    // A bulk run of the API's largest size (10,000 objects) is one array; the defaults (1001 and
    // 10000) would refuse it, or the jobs that come beside it.
    'MaxArraySize=10001',
    'MaxJobCount=50000',
    // A node that was down when the cluster last stopped comes back as soon as its slurmd registers.
    'ReturnToService=2',
    'MpiDefault=none',
    // Neither needs systemd or a delegated cgroup v2 tree, which this kind of machine lacks. Slurm's
    // task/cgroup works on cgroup v1 here, but names its tree after the node (/slurm_n1), which every
    // local cluster on a machine shares: the job wrapper holds each app to its limits in a cgroup of its own.
    'ProctrackType=proctrack/linuxproc',
    'TaskPlugin=task/none',
    'JobAcctGatherType=jobacct_gather/none',
    // No slurmdbd: finished jobs are read from squeue (until MinJobAge) or the jobcomp file.
    'AccountingStorageType=accounting_storage/none',
    'JobCompType=jobcomp/filetxt',
    `JobCompLoc=${layout.jobCompLog}`,
    // Jobs share a node CPU by CPU, so a few small test jobs run side by side.
    'SelectType=select/cons_tres',
    'SelectTypeParameters=CR_CPU',
    // RealMemory: without it Slurm assumes 1 MB per node and refuses any --mem an app asks for.
    ...nodes.map((n) => `NodeName=${n.name} NodeAddr=127.0.0.1 NodeHostname=localhost Port=${n.port} CPUs=${cpusPerNode} RealMemory=${NODE_MEMORY_MIB} State=UNKNOWN`),
    `PartitionName=${PARTITION} Nodes=ALL Default=YES MaxTime=INFINITE State=UP`,
  ];
  return `${lines.join('\n')}\n`;
}

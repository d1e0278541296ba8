import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { resolve } from 'node:path';
import { userInfo } from 'node:os';
import { bringUp } from './bring-up.js';
import { daemonSpecs, liveDaemon } from './daemons.js';
import { descendantsOf, isSameProcess } from '../../processes/process-table.js';
import { stepDaemonsOf, terminate, waitGone, type DaemonRecord } from '../daemon-processes.js';
import { findProgram, findPrograms, runClient } from './programs.js';
import { clusterLayout, PARTITION, renderSlurmConf, type ClusterLayout } from './slurm-conf.js';

export { MIN_JOB_AGE_SECONDS } from './slurm-conf.js';

export interface ClusterOptions {
  /** Holds all of the cluster's state: munge key and socket, slurm.conf, spool, logs, PIDs. */
  dir: string;
  /** Number of slurmd "nodes" (n1, n2, ...), default 2. */
  nodes?: number;
  /** CPUs each node declares, whatever this machine has; default 4. */
  cpusPerNode?: number;
}

export interface ClusterInfo {
  dir: string;
  slurmConf: string;
  nodes: string[];
  partition: string;
  /** The jobcomp/filetxt log: how finished jobs are read once squeue has forgotten them. */
  jobcompLog: string;
  /** What sbatch/squeue/scancel/sinfo need to talk to this cluster: SLURM_CONF. */
  env: Record<string, string>;
}

/** What `clusterUp` did: the cluster's info, and which daemons it had to start. */
export interface ClusterUp extends ClusterInfo {
  /** Every daemon for a new cluster; none for one that was up; else only those that had died or stopped answering. */
  started: string[];
}

/** cluster.json: what `down` needs to stop exactly what `up` started. */
interface ClusterState {
  slurmConf: string;
  nodes: string[];
  partition: string;
  daemons: DaemonRecord[];
}

const STOP_GRACE_MS = 5_000;
/** Unix socket paths are limited to 108 bytes; the longest of ours is the slurmstepd socket in a spool dir. */
const LONGEST_SUFFIX = '/spool/n999/n999_4294967294.4294967291'.length;

/**
 * Starts munged, slurmctld and N slurmd on 127.0.0.1, and resolves once every node has
 * registered. Idempotent: on a cluster in dir that is up, each daemon that runs and answers is
 * left alone and each dead (or unanswering) one is started again on its own, with the
 * configuration the cluster has (the other options are then ignored). A cluster none of whose
 * daemons runs (a crash, a reboot) starts afresh.
 */
export async function clusterUp(options: ClusterOptions): Promise<ClusterUp> {
  const layout = clusterLayout(resolve(options.dir));
  const nodeCount = options.nodes ?? 2;
  const cpusPerNode = options.cpusPerNode ?? 4;
  if (!Number.isSafeInteger(nodeCount) || nodeCount < 1 || nodeCount > 999) throw new Error(`nodes must be 1..999, not ${nodeCount}`);
  if (!Number.isSafeInteger(cpusPerNode) || cpusPerNode < 1) throw new Error(`cpusPerNode must be a positive integer, not ${cpusPerNode}`);
  if (layout.dir.length + LONGEST_SUFFIX > 107) throw new Error(`cluster directory path too long for Unix sockets (keep it under ${107 - LONGEST_SUFFIX} characters): ${layout.dir}`);

  const programs = findPrograms();
  const existing = readState(layout);
  if (existing && existsSync(existing.slurmConf)) {
    const specs = daemonSpecs(layout, existing.slurmConf, existing.nodes, programs);
    const recorded = (name: string) => existing.daemons.find((d) => d.name === name);
    if (specs.some((spec) => liveDaemon(spec, recorded(spec.name)))) {
      // Some of it runs: repair in place. A failure leaves the rest running, as it was.
      const { started } = await bringUp({
        layout, slurmConf: existing.slurmConf, specs, programs, recorded: existing.daemons,
        save: (daemons) => writeState(layout, { ...existing, daemons }),
      });
      return { ...infoOf(layout, existing), started };
    }
  }
  if (existing) await clusterDown(layout.dir); // nothing of it runs: clear what a crash left (step daemons), start afresh
  const nodes = Array.from({ length: nodeCount }, (_, i) => `n${i + 1}`);
  prepareDirectories(layout, nodes);
  const [ctldPort, ...nodePorts] = await freePorts(nodeCount + 1);
  writeFileSync(layout.slurmConf, renderSlurmConf({
    layout, user: userInfo().username, ctldPort: ctldPort!, cpusPerNode,
    nodes: nodes.map((name, i) => ({ name, port: nodePorts[i]! })),
  }));

  const state: ClusterState = { slurmConf: layout.slurmConf, nodes, partition: PARTITION, daemons: [] };
  try {
    // Each daemon is recorded as soon as it is spawned, so a failed start can still be stopped.
    const { started } = await bringUp({
      layout, slurmConf: state.slurmConf, specs: daemonSpecs(layout, state.slurmConf, nodes, programs), programs, recorded: [],
      save: (daemons) => writeState(layout, { ...state, daemons }),
    });
    return { ...infoOf(layout, state), started };
  } catch (error) {
    await clusterDown(layout.dir).catch(() => undefined);
    throw error;
  }
}

/**
 * Cancels the cluster's jobs, stops every daemon `clusterUp` started in dir (SIGTERM, then
 * SIGKILL after a grace period) and resolves once none of them, nor anything they started,
 * is alive. A cluster that is not up is not an error.
 */
export async function clusterDown(dir: string): Promise<void> {
  const layout = clusterLayout(resolve(dir));
  const state = readState(layout);
  if (!state) return;
  const alive = state.daemons.filter(isSameProcess);
  const slurmDaemons = alive.filter((d) => d.name !== 'munged').map((d) => d.pid);
  const munged = alive.filter((d) => d.name === 'munged').map((d) => d.pid);
  if (alive.some((d) => d.name === 'slurmctld') && munged.length > 0) {
    // Let Slurm end its jobs properly first: step daemons outlive slurmd, and their tasks with them.
    await runClient(findProgram('scancel'), [`--partition=${state.partition}`], state.slurmConf).catch(() => undefined);
    await waitGone(stepDaemonsOf(state.slurmConf), STOP_GRACE_MS);
  }
  const steps = stepDaemonsOf(state.slurmConf);
  const roots = [...slurmDaemons, ...steps];
  await terminate([...roots, ...descendantsOf(roots)], STOP_GRACE_MS);
  // munged last: slurm daemons authenticate their goodbye messages.
  await terminate(munged, STOP_GRACE_MS);
  rmSync(layout.stateFile, { force: true });
}

function infoOf(layout: ClusterLayout, state: ClusterState): ClusterInfo {
  return { dir: layout.dir, slurmConf: state.slurmConf, nodes: state.nodes, partition: state.partition, jobcompLog: layout.jobCompLog, env: { SLURM_CONF: state.slurmConf } };
}

function readState(layout: ClusterLayout): ClusterState | undefined {
  try {
    return JSON.parse(readFileSync(layout.stateFile, 'utf8')) as ClusterState;
  } catch {
    return undefined;
  }
}

/** Written whole or not at all: a torn cluster.json would hide running daemons from `down`. */
function writeState(layout: ClusterLayout, state: ClusterState): void {
  const partial = `${layout.stateFile}.partial`;
  writeFileSync(partial, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(partial, layout.stateFile);
}

function prepareDirectories(layout: ClusterLayout, nodes: string[]): void {
  mkdirSync(layout.mungeSocketDir, { recursive: true });
  mkdirSync(layout.mungeKeyDir, { recursive: true, mode: 0o700 });
  for (const path of [layout.ctldStateDir, layout.logDir, ...nodes.map(layout.spoolDir)]) mkdirSync(path, { recursive: true });
  // The key survives restarts of the same cluster; munged insists on a private file.
  if (!existsSync(layout.mungeKey)) writeFileSync(layout.mungeKey, randomBytes(1024), { mode: 0o600 });
}

/**
 * Free TCP ports for the controller and the nodes, drawn from below Linux's ephemeral range
 * (32768+) so an outgoing connection cannot take one between this check and the daemon's bind.
 */
async function freePorts(count: number): Promise<number[]> {
  const held: Server[] = [];
  try {
    while (held.length < count) {
      const server = createServer();
      const ok = await new Promise<boolean>((done) => {
        server.once('error', () => done(false));
        server.listen(randomInt(20_000, 32_000), () => done(true));
      });
      if (ok) held.push(server);
    }
    return held.map((s) => (s.address() as { port: number }).port);
  } finally {
    await Promise.all(held.map((s) => new Promise((done) => s.close(done))));
  }
}

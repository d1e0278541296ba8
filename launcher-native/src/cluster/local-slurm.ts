import { execFile } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { delimiter, join, resolve } from 'node:path';
import { userInfo } from 'node:os';
import { promisify } from 'node:util';
import {
  descendantsOf, isRunning, isSameProcess, sleep, spawnDaemon, stepDaemonsOf, terminate, waitGone, type DaemonRecord,
} from './processes.js';
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

/** cluster.json: what `down` needs to stop exactly what `up` started. */
interface ClusterState {
  slurmConf: string;
  nodes: string[];
  partition: string;
  daemons: DaemonRecord[];
}

const START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
/** Unix socket paths are limited to 108 bytes; the longest of ours is the slurmstepd socket in a spool dir. */
const LONGEST_SUFFIX = '/spool/n999/n999_4294967294.4294967291'.length;

/** The programs we run, and the Debian package that provides each. */
const PROGRAMS = { munged: 'munge', slurmctld: 'slurmctld', slurmd: 'slurmd', sinfo: 'slurm-client', scancel: 'slurm-client' };
type Program = keyof typeof PROGRAMS;

/**
 * Starts munged, slurmctld and N slurmd on 127.0.0.1, and resolves once sinfo shows every node
 * idle. If the cluster in dir is already up, returns its info (the other options are ignored).
 */
export async function clusterUp(options: ClusterOptions): Promise<ClusterInfo> {
  const layout = clusterLayout(resolve(options.dir));
  const nodeCount = options.nodes ?? 2;
  const cpusPerNode = options.cpusPerNode ?? 4;
  if (!Number.isSafeInteger(nodeCount) || nodeCount < 1 || nodeCount > 999) throw new Error(`nodes must be 1..999, not ${nodeCount}`);
  if (!Number.isSafeInteger(cpusPerNode) || cpusPerNode < 1) throw new Error(`cpusPerNode must be a positive integer, not ${cpusPerNode}`);
  if (layout.dir.length + LONGEST_SUFFIX > 107) throw new Error(`cluster directory path too long for Unix sockets (keep it under ${107 - LONGEST_SUFFIX} characters): ${layout.dir}`);

  const existing = readState(layout);
  if (existing) {
    if (await isUp(existing)) return infoOf(layout, existing);
    await clusterDown(layout.dir); // half up or left over from a crash: start clean
  }
  const programs = findPrograms();
  const nodes = Array.from({ length: nodeCount }, (_, i) => `n${i + 1}`);
  prepareDirectories(layout, nodes);
  const [ctldPort, ...nodePorts] = await freePorts(nodeCount + 1);
  writeFileSync(layout.slurmConf, renderSlurmConf({
    layout, user: userInfo().username, ctldPort: ctldPort!, cpusPerNode,
    nodes: nodes.map((name, i) => ({ name, port: nodePorts[i]! })),
  }));

  const state: ClusterState = { slurmConf: layout.slurmConf, nodes, partition: PARTITION, daemons: [] };
  // Each daemon is recorded as soon as it is spawned, so a failed start can still be stopped.
  const start = (name: string, argv: string[]) => {
    const daemon = spawnDaemon(name, argv, daemonEnv(layout), join(layout.logDir, `${name}.stderr`));
    state.daemons.push(daemon);
    writeFileSync(layout.stateFile, `${JSON.stringify(state, null, 2)}\n`);
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  try {
    // --force: munged refuses a socket that other users cannot reach (a private home, a 0700
    // temp dir); only this cluster's daemons and its owner's commands need to reach ours.
    start('munged', [programs.munged, '--foreground', '--force', `--key-file=${layout.mungeKey}`, `--socket=${layout.mungeSocket}`,
      `--pid-file=${layout.mungePidFile}`, `--seed-file=${layout.mungeSeed}`, `--log-file=${join(layout.logDir, 'munged.log')}`]);
    await waitUntil('munged to create its socket', async () => existsSync(layout.mungeSocket), state, layout, deadline);
    start('slurmctld', [programs.slurmctld, '-D', '-f', layout.slurmConf]);
    // Nodes start once the controller listens, so their first registration succeeds instead of a later retry.
    await waitUntil('slurmctld to listen', () => accepts(ctldPort!), state, layout, deadline);
    for (const node of nodes) start(`slurmd-${node}`, [programs.slurmd, '-D', '-N', node, '-f', layout.slurmConf]);
    await waitUntil('every node to be idle', async () => {
      const states = await nodeStates(state.slurmConf);
      return nodes.every((n) => states.get(n) === 'idle');
    }, state, layout, deadline);
  } catch (error) {
    await clusterDown(layout.dir).catch(() => undefined);
    throw error;
  }
  return infoOf(layout, state);
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
    await run(findProgram('scancel'), [`--partition=${state.partition}`], state.slurmConf).catch(() => undefined);
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

async function isUp(state: ClusterState): Promise<boolean> {
  if (state.daemons.length !== state.nodes.length + 2 || !state.daemons.every(isSameProcess)) return false;
  const states = await nodeStates(state.slurmConf).catch(() => new Map<string, string>());
  // Busy nodes are up too; a trailing '*' means the node does not respond.
  return state.nodes.every((n) => /^(idle|mixed|allocated|completing)$/.test(states.get(n) ?? ''));
}

/** Node name -> state as sinfo reports it ("idle", "mixed", "down*", ...). */
async function nodeStates(slurmConf: string): Promise<Map<string, string>> {
  const out = await run(findProgram('sinfo'), ['--noheader', '--Node', '--format=%N %T'], slurmConf);
  return new Map(out.split('\n').filter(Boolean).map((line) => line.trim().split(/\s+/) as [string, string]));
}

const execFileAsync = promisify(execFile);

async function run(program: string, args: string[], slurmConf: string): Promise<string> {
  const { stdout } = await execFileAsync(program, args, { env: { ...process.env, SLURM_CONF: slurmConf }, timeout: 10_000 });
  return stdout;
}

/** Polls check until true; fails early, with the log's last lines, if a daemon we started has died. */
async function waitUntil(what: string, check: () => Promise<boolean>, state: ClusterState, layout: ClusterLayout, deadline: number): Promise<void> {
  for (;;) {
    const dead = state.daemons.find((d) => !isRunning(d.pid));
    if (dead) throw new Error(`${dead.name} exited while waiting for ${what}:\n${logTail(layout, dead.name)}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; logs are in ${layout.logDir}`);
    await sleep(50);
  }
}

function logTail(layout: ClusterLayout, name: string): string {
  try {
    return readFileSync(join(layout.logDir, `${name}.stderr`), 'utf8').trimEnd().split('\n').slice(-15).join('\n');
  } catch {
    return `(no log in ${layout.logDir})`;
  }
}

function prepareDirectories(layout: ClusterLayout, nodes: string[]): void {
  mkdirSync(layout.mungeSocketDir, { recursive: true });
  mkdirSync(layout.mungeKeyDir, { recursive: true, mode: 0o700 });
  for (const path of [layout.ctldStateDir, layout.logDir, ...nodes.map(layout.spoolDir)]) mkdirSync(path, { recursive: true });
  // The key survives restarts of the same cluster; munged insists on a private file.
  if (!existsSync(layout.mungeKey)) writeFileSync(layout.mungeKey, randomBytes(1024), { mode: 0o600 });
}

/** Only what the daemons need; job variables of a surrounding Slurm job must not leak in. */
function daemonEnv(layout: ClusterLayout): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', SLURM_CONF: layout.slurmConf };
  if (process.env.HOME) env.HOME = process.env.HOME;
  return env;
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

function accepts(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); done(true); });
    socket.once('error', () => done(false));
  });
}

function findPrograms(): Record<Program, string> {
  const missing = (Object.keys(PROGRAMS) as Program[]).filter((p) => !tryFindProgram(p));
  if (missing.length > 0) {
    const packages = [...new Set(missing.map((p) => PROGRAMS[p]))];
    throw new Error(`${missing.join(', ')} not found: install the Debian package(s) ${packages.join(' ')} (apt-get install ${packages.join(' ')})`);
  }
  return Object.fromEntries((Object.keys(PROGRAMS) as Program[]).map((p) => [p, findProgram(p)])) as Record<Program, string>;
}

function findProgram(name: Program): string {
  const path = tryFindProgram(name);
  if (!path) throw new Error(`${name} not found: install the Debian package ${PROGRAMS[name]}`);
  return path;
}

function tryFindProgram(name: string): string | undefined {
  // Daemons live in sbin, which a non-root PATH often lacks.
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  return dirs.map((d) => join(d, name)).find((p) => {
    try {
      return statSync(p).isFile() && (statSync(p).mode & 0o111) !== 0;
    } catch {
      return false;
    }
  });
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { liveDaemon, type DaemonSpec } from './daemons.js';
import { controllerAnswers, mungeAnswers, nodeAnswers, nodeStatuses } from './health.js';
import { isRunning } from '../../processes/process-table.js';
import { sleep, spawnDaemon, terminate, type DaemonRecord } from '../daemon-processes.js';
import type { Programs } from './programs.js';
import type { ClusterLayout } from './slurm-conf.js';

/** How long one daemon may take to answer after it is started. */
const START_TIMEOUT_MS = 30_000;
/**
 * How long a running daemon we did not just start may take to answer before it is started
 * again: it may itself be starting, and a restarted slurmctld takes a moment to hear from the nodes.
 */
const ANSWER_GRACE_MS = 10_000;
const STOP_GRACE_MS = 5_000;

export interface BringUpOptions {
  layout: ClusterLayout;
  slurmConf: string;
  /** munged, slurmctld, then the slurmds (daemonSpecs' order). */
  specs: DaemonSpec[];
  programs: Programs;
  /** What cluster.json recorded as running; nothing for a fresh cluster. */
  recorded: DaemonRecord[];
  /** Called whenever the running set changes, so a start that fails half-way can still be stopped. */
  save: (daemons: DaemonRecord[]) => void;
}

export interface BroughtUp {
  daemons: DaemonRecord[];
  /** Names of the daemons started by this call: none when every one was running and answering. */
  started: string[];
}

/**
 * Makes every daemon of the cluster run and answer, touching only what needs it: a running
 * daemon that answers is left alone, a dead one is started again on its own, and one that
 * runs but does not answer is stopped and started again. Restarting one slurmd leaves the
 * node's jobs running: their slurmstepd processes outlive it and the new slurmd picks them up.
 */
export async function bringUp(options: BringUpOptions): Promise<BroughtUp> {
  const { layout, slurmConf, programs } = options;
  const [munged, ctld, ...slurmds] = options.specs;
  if (munged?.name !== 'munged' || ctld?.name !== 'slurmctld') throw new Error('bringUp wants munged and slurmctld first');
  const recorded = new Map(options.recorded.map((d) => [d.name, d]));
  const running = new Map<string, DaemonRecord>();
  for (const spec of options.specs) {
    const live = liveDaemon(spec, recorded.get(spec.name));
    if (live) running.set(spec.name, live);
  }
  const started: string[] = [];
  const save = () => options.save([...running.values()]);
  save();

  const start = async (spec: DaemonSpec) => {
    const stale = running.get(spec.name);
    if (stale) {
      running.delete(spec.name);
      save();
      await terminate([stale.pid], STOP_GRACE_MS);
    }
    running.set(spec.name, spawnDaemon(spec.name, spec.argv, daemonEnv(slurmConf), join(layout.logDir, `${spec.name}.stderr`)));
    started.push(spec.name);
    save();
  };

  /** Polls check until true; fails early, with its log's last lines, if a daemon we count on has died. */
  const waitUntil = async (what: string, check: () => Promise<boolean>) => {
    for (const deadline = Date.now() + START_TIMEOUT_MS; ; await sleep(50)) {
      const dead = [...running.values()].find((d) => !isRunning(d.pid));
      if (dead) throw new Error(`${dead.name} exited while waiting for ${what}:\n${logTail(layout, dead.name)}`);
      if (await check().catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; logs are in ${layout.logDir}`);
    }
  };

  const ensure = async (spec: DaemonSpec, answers: () => Promise<boolean>) => {
    if (running.has(spec.name) && await answersWithin(answers, ANSWER_GRACE_MS)) return;
    await start(spec);
    await waitUntil(`${spec.name} to answer`, answers);
  };
  await ensure(munged, () => mungeAnswers(programs.munge, layout.mungeSocket, slurmConf));
  // Nodes start once the controller answers, so their first registration succeeds instead of a later retry.
  await ensure(ctld, () => controllerAnswers(programs.scontrol, slurmConf));

  // Node -> the epoch second its new slurmd started at or after: until that one has
  // registered, slurmctld may still describe the old one.
  const since = new Map<string, number>();
  const startNode = async (spec: DaemonSpec) => {
    since.set(spec.node!, Math.floor(Date.now() / 1000));
    await start(spec);
  };
  for (const spec of slurmds) if (!running.has(spec.name)) await startNode(spec);
  const graceEnds = Date.now() + ANSWER_GRACE_MS;
  await waitUntil('every node to register', async () => {
    const statuses = await nodeStatuses(programs.sinfo, slurmConf);
    let all = true;
    for (const spec of slurmds) {
      const status = statuses.get(spec.node!);
      if (nodeAnswers(status, since.get(spec.node!))) continue;
      all = false;
      if (since.has(spec.node!)) continue; // started by us: give it its time
      // A running slurmd whose node slurmctld has written off (registered once, then NOT_RESPONDING
      // or DOWN), or that has not registered within the grace period: a fresh registration brings
      // the node back (ReturnToService=2).
      if ((status?.slurmdStartTime ?? 0) > 0 || Date.now() > graceEnds) await startNode(spec);
    }
    return all;
  });
  return { daemons: [...running.values()], started };
}

async function answersWithin(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; ; await sleep(100)) {
    if (await check().catch(() => false)) return true;
    if (Date.now() > deadline) return false;
  }
}

/** Only what the daemons need; job variables of a surrounding Slurm job must not leak in. */
function daemonEnv(slurmConf: string): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', SLURM_CONF: slurmConf };
  if (process.env.HOME) env.HOME = process.env.HOME;
  return env;
}

function logTail(layout: ClusterLayout, name: string): string {
  try {
    return readFileSync(join(layout.logDir, `${name}.stderr`), 'utf8').trimEnd().split('\n').slice(-15).join('\n');
  } catch {
    return `(no log in ${layout.logDir})`;
  }
}

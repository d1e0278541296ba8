import { runClient } from './programs.js';

/*
 * Whether a running daemon answers: a live PID proves little (a daemon can hang, or run
 * while the controller has written its node off), so each is asked the way its clients ask it.
 */

/** munged answers when it encodes a credential for us, as every Slurm daemon asks it to. */
export async function mungeAnswers(munge: string, socket: string, slurmConf: string): Promise<boolean> {
  return runClient(munge, ['--no-input', `--socket=${socket}`], slurmConf).then(() => true, () => false);
}

/** slurmctld answers `scontrol ping` (which exits non-zero, saying DOWN, when it does not). */
export async function controllerAnswers(scontrol: string, slurmConf: string): Promise<boolean> {
  return runClient(scontrol, ['ping'], slurmConf).then((out) => / is UP\b/.test(out), () => false);
}

/** What slurmctld knows of one node's slurmd. */
export interface NodeStatus {
  /** Base state, lower case: idle, mixed, allocated, down, unknown, ... */
  state: string;
  /** NOT_RESPONDING, DRAIN, COMPLETING, ... */
  flags: string[];
  /** The start time (epoch seconds) the node's slurmd gave when it last registered; 0 if it has not since slurmctld started. */
  slurmdStartTime: number;
}

interface SinfoJson {
  nodes?: { name?: string; state?: string; state_flags?: string[]; slurmd_start_time?: number }[];
}

/** Node name -> status, from slurmctld (`sinfo --json`: the text format has no slurmd start time). */
export async function nodeStatuses(sinfo: string, slurmConf: string): Promise<Map<string, NodeStatus>> {
  const parsed = JSON.parse(await runClient(sinfo, ['--json'], slurmConf)) as SinfoJson;
  return new Map((parsed.nodes ?? []).map((n) => [n.name ?? '', {
    state: (n.state ?? '').toLowerCase(),
    flags: n.state_flags ?? [],
    slurmdStartTime: n.slurmd_start_time ?? 0,
  }]));
}

/** Node states a registered, answering slurmd never leaves its node in (ReturnToService=2 lifts down). */
const UNUSABLE = new Set(['down', 'unknown', 'future']);

/**
 * The node's slurmd has registered with slurmctld and answers its pings, so jobs can run there
 * (a drained node answers too: draining is an operator's decision, not a dead daemon).
 * With since (epoch seconds), only a slurmd started at or after it counts: slurmctld goes on
 * showing a killed slurmd's node as fine until a ping fails, minutes later.
 */
export function nodeAnswers(status: NodeStatus | undefined, since = 1): boolean {
  return status !== undefined
    && status.slurmdStartTime >= Math.max(since, 1)
    && !status.flags.includes('NOT_RESPONDING')
    && !UNUSABLE.has(status.state);
}

import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism, constants, hostname } from 'node:os';
import { join } from 'node:path';
import { TASK_INDEX_VARIABLE } from '../job-dir/layout.js';
import type { SchedulerStatus } from '../job-state.js';
import { checkAfter, dependencyFailure, dependencyState, waitingFor, type DependencyState } from './dependencies.js';
import { checkRequest, jobEnvironment } from './job-environment.js';
import type { Scheduler, SubmitRequest } from './scheduler.js';

export interface LocalSchedulerOptions {
  /** Most tasks running at once (a plain job is one task, an array `size` tasks); default: the number of CPUs. */
  slots?: number;
  /** Length of one minute of walltime in milliseconds; tests shorten it. */
  minuteMs?: number;
  /** Time between SIGTERM and SIGKILL when a job is cancelled or runs out of time. */
  killGraceMs?: number;
}

/** One process to run: a plain job, or one task of an array. */
interface Task {
  id: string;
  /** The submitted id the task belongs to (itself for a plain job), for the array's parallel limit. */
  jobId: string;
  request: SubmitRequest;
  /** Ids it runs after (SubmitRequest.after), each known to this instance. */
  after: string[];
  index: number | null;
  /** Queued tasks compute theirs on demand (the position moves); otherwise running or final. */
  status: SchedulerStatus | null;
  /** The process group: the task's leader runs in its own, so one signal reaches all it started. */
  pgid?: number;
  /** Why we are killing it, decided before the signal so the exit is read the right way. */
  ending?: 'cancel' | 'walltime';
  walltime?: NodeJS.Timeout;
  /** When its process started (Date.now()), for how long it ran. */
  startedAt?: number;
  /** Resolves once the task has its final status. */
  finished: Promise<void>;
  markFinished: () => void;
}

const SLOT_REASON = 'waiting for a free slot';
const ARRAY_LIMIT_REASON = 'waiting for the array\'s parallel limit';

/**
 * The embedded default: jobs as child processes of the server, on this machine, at most
 * `slots` at once, the rest waiting in one first-in-first-out queue. What it knows lives in
 * memory: after a restart, earlier ids are absent from `status` (the caller reconciles them).
 */
export class LocalScheduler implements Scheduler {
  readonly name = 'local';
  readonly holdsDependants = true;
  /** It is this process: it answers while the server does. */
  readonly ping = async (): Promise<void> => {};
  private readonly slots: number;
  private readonly minuteMs: number;
  private readonly killGraceMs: number;
  private readonly node = hostname();
  /**
   * Numbers start at this instance's creation time, so a restarted server never hands out an
   * id an earlier instance used (a stored `local-1` must not come to mean a new job).
   */
  private nextNumber = Date.now();
  private readonly tasks = new Map<string, Task>();
  /** Submitted id → the ids of its tasks (one for a plain job). */
  private readonly jobs = new Map<string, string[]>();
  private queue: Task[] = [];
  private readonly runningPerJob = new Map<string, number>();
  private running = 0;

  constructor(options: LocalSchedulerOptions = {}) {
    this.slots = options.slots ?? availableParallelism();
    this.minuteMs = options.minuteMs ?? 60_000;
    this.killGraceMs = options.killGraceMs ?? 10_000;
    if (!Number.isSafeInteger(this.slots) || this.slots < 1) throw new Error(`slots must be a positive whole number, not ${this.slots}`);
  }

  async submit(request: SubmitRequest): Promise<string> {
    checkRequest(request);
    jobEnvironment(request); // refuse a bad environment now, not when a slot frees up
    if (!statSync(request.jobDir, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`job ${request.jobId}: no job directory ${request.jobDir}`);
    // Unlike Slurm, which takes an id it no longer knows as satisfied, an id never seen here is refused.
    const after = checkAfter(request, (id) => (this.tasksOf(id).length > 0 ? null : 'no such job on this local scheduler'));
    const id = `local-${this.nextNumber++}`;
    const indexes = request.array ? Array.from({ length: request.array.size }, (_, i) => i) : [null];
    const taskIds = indexes.map((index) => {
      let markFinished = () => {};
      const finished = new Promise<void>((resolve) => (markFinished = resolve));
      const task: Task = { id: index === null ? id : `${id}_${index}`, jobId: id, request, after, index, status: null, finished, markFinished };
      this.tasks.set(task.id, task);
      this.queue.push(task);
      return task.id;
    });
    this.jobs.set(id, taskIds);
    this.startWhatFits();
    return id;
  }

  /** Asking for an array's id answers for each of its tasks, under the task ids. */
  async status(ids: string[]): Promise<Map<string, SchedulerStatus>> {
    const out = new Map<string, SchedulerStatus>();
    // Positions computed once per call, not per task: a bulk run may queue thousands.
    const positions = new Map(this.queue.map((task, i) => [task, i + 1]));
    for (const task of ids.flatMap((id) => this.tasksOf(id))) out.set(task.id, task.status ?? this.queuedStatus(task, positions.get(task)!));
    return out;
  }

  async cancel(id: string): Promise<void> {
    const tasks = this.tasksOf(id);
    // Dequeue first: killing a running task frees a slot, which must not start a sibling.
    const waiting = new Set(tasks.filter((t) => t.status === null));
    this.queue = this.queue.filter((t) => !waiting.has(t));
    for (const task of waiting) this.finish(task, { state: 'cancelled', node: null });
    this.failBrokenDependants();
    await Promise.all(tasks.filter((t) => t.status?.state === 'running').map((task) => {
      task.ending ??= 'cancel';
      return this.stop(task);
    }));
  }

  private tasksOf(id: string): Task[] {
    return (this.jobs.get(id) ?? [id]).map((taskId) => this.tasks.get(taskId)).filter((t): t is Task => t !== undefined);
  }

  private queuedStatus(task: Task, position: number): SchedulerStatus {
    const dependencies = this.dependencies(task);
    const reason = dependencies.kind === 'waiting' ? waitingFor(dependencies.on) : this.running < this.slots && this.atArrayLimit(task) ? ARRAY_LIMIT_REASON : SLOT_REASON;
    return { state: 'queued', reason, position };
  }

  private dependencies(task: Task): DependencyState {
    return dependencyState(task.after, (id) => this.tasksOf(id).map((t) => t.status));
  }

  /**
   * Ends, never to run, each waiting task one of whose dependencies failed or was cancelled.
   * One pass in queue order is enough: dependencies are known before their dependants are
   * submitted, so a dependant failed here comes before any task that depends on it in turn.
   */
  private failBrokenDependants(): void {
    for (const task of [...this.queue]) {
      const dependencies = this.dependencies(task);
      if (dependencies.kind !== 'broken') continue;
      this.queue = this.queue.filter((t) => t !== task);
      this.finish(task, { state: 'failed', reason: dependencyFailure(dependencies.by), node: null });
    }
  }

  private atArrayLimit(task: Task): boolean {
    const parallel = task.request.array?.parallel;
    return parallel !== undefined && (this.runningPerJob.get(task.jobId) ?? 0) >= parallel;
  }

  /** In queue order, skipping (not blocking on) tasks whose array is at its parallel limit or whose dependencies have not completed. */
  private startWhatFits(): void {
    this.failBrokenDependants();
    for (let i = 0; i < this.queue.length && this.running < this.slots;) {
      const task = this.queue[i]!;
      if (this.atArrayLimit(task) || this.dependencies(task).kind !== 'met') {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      this.start(task);
      // It could not start, and ended at once: its dependants end too, and the pass begins again.
      if (task.status?.state !== 'running') {
        this.failBrokenDependants();
        i = 0;
      }
    }
  }

  private start(task: Task): void {
    const { request } = task;
    const env = jobEnvironment(request);
    if (task.index !== null) env[TASK_INDEX_VARIABLE] = String(task.index);
    // Array tasks get a log each, as Slurm's slurm-%A_%a.out: interleaved tasks would be unreadable.
    const logFile = join(request.jobDir, task.index === null ? 'scheduler.log' : `scheduler-${task.index}.log`);
    let log: number;
    try {
      log = openSync(logFile, 'a');
    } catch (error) {
      this.finish(task, { state: 'failed', reason: { kind: 'launcher-error', detail: `cannot open ${logFile}: ${(error as Error).message}` }, node: this.node });
      return;
    }
    this.running++;
    this.runningPerJob.set(task.jobId, (this.runningPerJob.get(task.jobId) ?? 0) + 1);
    task.status = { state: 'running', node: this.node };
    const cannotStart = (error: Error) => this.exited(task, { state: 'failed', reason: { kind: 'launcher-error', detail: `cannot start ${request.argv[0]}: ${error.message}` }, node: this.node });
    try {
      // detached: a new session and process group, so cancel and walltime reach every descendant.
      const child = spawn(request.argv[0]!, request.argv.slice(1), { cwd: request.jobDir, env, detached: true, stdio: ['ignore', log, log] });
      task.pgid = child.pid;
      task.startedAt = Date.now();
      child.once('error', cannotStart);
      child.once('exit', (code, signal) => this.exited(task, this.exitStatus(task, code, signal)));
      this.armWalltime(task, request.resources.timeMinutes * this.minuteMs);
    } catch (error) {
      cannotStart(error as Error);
    } finally {
      closeSync(log); // the child holds its own copy
    }
  }

  /** setTimeout fires at once beyond 2^31-1 ms (under 25 days), so long limits are waited out in steps. */
  private armWalltime(task: Task, remainingMs: number): void {
    const step = Math.min(remainingMs, 2 ** 31 - 1);
    task.walltime = setTimeout(() => {
      if (remainingMs > step) return this.armWalltime(task, remainingMs - step);
      task.ending ??= 'walltime';
      void this.stop(task);
    }, step);
  }

  private exitStatus(task: Task, code: number | null, signal: NodeJS.Signals | null): SchedulerStatus {
    if (task.ending === 'cancel') return { state: 'cancelled', node: this.node };
    if (task.ending === 'walltime') {
      const limitSeconds = (task.request.resources.timeMinutes * this.minuteMs) / 1000;
      const ranSeconds = Math.round((Date.now() - (task.startedAt ?? Date.now())) / 100) / 10;
      return { state: 'failed', reason: { kind: 'walltime', limitSeconds, ranSeconds }, node: this.node };
    }
    if (code === 0) return { state: 'completed', node: this.node };
    // Killed by someone else's signal: report it as a shell would, 128 + the signal number.
    const exitCode = code ?? 128 + (signal ? constants.signals[signal] : 0);
    return { state: 'failed', reason: { kind: 'exit-code', code: exitCode }, node: this.node };
  }

  private exited(task: Task, status: SchedulerStatus): void {
    if (task.status?.state !== 'running') return; // 'error' and 'exit' may both come
    clearTimeout(task.walltime);
    // Like Slurm at the end of a batch script: whatever the job left running in its group goes too.
    if (task.pgid !== undefined) signalGroup(task.pgid, 'SIGKILL');
    this.running--;
    this.runningPerJob.set(task.jobId, (this.runningPerJob.get(task.jobId) ?? 1) - 1);
    this.finish(task, status);
    this.startWhatFits();
  }

  private finish(task: Task, status: SchedulerStatus): void {
    task.status = status;
    task.markFinished();
  }

  /** SIGTERM to the whole group, SIGKILL after the grace period; resolves once no member lives and the status is final. */
  private async stop(task: Task): Promise<void> {
    const pgid = task.pgid;
    if (pgid !== undefined) {
      signalGroup(pgid, 'SIGTERM');
      if (!(await groupGone(pgid, this.killGraceMs))) {
        signalGroup(pgid, 'SIGKILL');
        await groupGone(pgid, 5_000);
      }
    }
    await task.finished;
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // No member left: nothing to stop.
  }
}

async function groupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; ; await new Promise((r) => setTimeout(r, 25))) {
    if (!groupAlive(pgid)) return true;
    if (Date.now() >= deadline) return false;
  }
}

/**
 * kill(-pgid, 0) counts zombies too, and an orphaned zombie waits on whatever reaps for
 * PID 1 (in a container, maybe nothing). On Linux, count only members still running.
 */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  if (!existsSync('/proc/self/stat')) return true;
  return readdirSync('/proc').some((entry) => {
    if (!/^\d+$/.test(entry)) return false;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command name: state, ppid, pgrp, ...
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(pgrp) === pgid && state !== 'Z' && state !== 'X';
    } catch {
      return false; // gone between listing and reading
    }
  });
}

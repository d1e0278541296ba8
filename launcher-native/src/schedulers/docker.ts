import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { engineVariables } from '../job-dir/engine-variables.js';
import { checkJobSpec, readJobSpec, type RunnableJobSpec } from '../job-dir/job-spec.js';
import { readResult, type JobResult } from '../job-dir/result.js';
import { accountFor } from '../job-dir/run-as.js';
import type { SchedulerStatus } from '../job-state.js';
import { checkRequest, jobEnvironment } from './job-environment.js';
import { SchedulerUnavailable, type Scheduler, type SubmitRequest } from './scheduler.js';

export interface DockerSchedulerOptions {
  /** The engine's API socket. */
  socketPath: string;
  /**
   * The engine network for apps whose spec asks for network. Unset (the default, and what
   * `engineUp` gives: --bridge=none), such jobs are refused: never 'host', which would hand
   * the app the host's loopback services and abstract Unix sockets.
   */
  network?: string;
  /** Time between SIGTERM and SIGKILL of the container on a cancel or at the time limit. */
  killGraceMs?: number;
}

interface Task {
  id: string;
  status: SchedulerStatus;
  /** The wrapper's process group (it runs in its own). */
  pgid?: number;
  cancelling: boolean;
  /** Resolves once the wrapper has exited and no container of the job is left. */
  finished: Promise<void>;
}

/** How long a cancelled wrapper gets beyond the container's grace period to write its result before it is killed. */
const WRAPPER_GRACE_MS = 30_000;

/**
 * Jobs as containers of a Docker engine, one per job, on this machine. Like
 * every backend it runs the job wrapper (the request's argv) as a child
 * process; the variables of job-dir/engine-variables.ts tell the wrapper to
 * start the container through this engine's API, so the same wrapper checks
 * job.json, builds /in and /out, and writes result.json. Like the local
 * scheduler it tracks jobs in memory: after a restart earlier ids are absent
 * from `status`, and the caller reconciles them (the wrapper's record says
 * whether it still runs).
 */
export class DockerScheduler implements Scheduler {
  readonly name = 'docker';
  readonly holdsDependants = false;
  private readonly docker: Docker;
  private readonly node = hostname();
  /** From this instance's creation time, so a restarted server never reuses an earlier id (see LocalScheduler). */
  private nextNumber = Date.now();
  private readonly tasks = new Map<string, Task>();

  constructor(private readonly options: DockerSchedulerOptions) {
    this.docker = new Docker({ socketPath: options.socketPath });
  }

  /** Refuses at once what the engine cannot run, so the job fails with that reason rather than later. */
  async submit(request: SubmitRequest): Promise<string> {
    checkRequest(request);
    if (request.array) throw new Error(`job ${request.jobId}: the docker scheduler runs no job arrays; use local or slurm for bulk runs`);
    // It starts each job at once and keeps no queue to hold a dependant in.
    if (request.after?.length) throw new Error(`job ${request.jobId}: the docker scheduler runs no job dependencies (after); use local or slurm to run steps as one graph`);
    this.refuseUnrunnable(checkJobSpec(await readJobSpec(request.jobDir)));
    const id = `docker-${this.nextNumber++}`;
    const container = `narrative-${request.jobId}-${id}`;
    const engine = engineVariables({ socket: this.options.socketPath, container, graceMs: this.options.killGraceMs ?? 5_000, ...(this.options.network ? { network: this.options.network } : {}) });
    const env = jobEnvironment({ ...request, env: { ...request.env, ...engine } });
    const task: Task = { id, status: { state: 'running', node: this.node }, cancelling: false, finished: Promise.resolve() };
    task.finished = this.run(task, request, env, container);
    this.tasks.set(id, task);
    return id;
  }

  async ping(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (error) {
      throw new SchedulerUnavailable(`the Docker engine does not answer: ${(error as Error).message}`);
    }
  }

  async status(ids: string[]): Promise<Map<string, SchedulerStatus>> {
    const out = new Map<string, SchedulerStatus>();
    for (const id of ids) {
      const task = this.tasks.get(id);
      if (!task) continue;
      // While a cancel stops it, the job is neither running nor ended: "decide nothing", so the
      // caller does not move it on under the cancel that is about to end it.
      out.set(id, task.cancelling && task.status.state === 'running' ? { state: 'unknown', raw: 'cancelling' } : task.status);
    }
    return out;
  }

  /** SIGTERM to the wrapper, which stops the container; resolves once its result is written and no container is left. */
  async cancel(id: string): Promise<void> {
    const task = this.tasks.get(id);
    if (!task) return;
    // Once: the wrapper stops on its first SIGTERM; a second one would kill it before it writes its result.
    if (task.status.state === 'running' && task.pgid !== undefined && !task.cancelling) {
      task.cancelling = true;
      signalGroup(task.pgid, 'SIGTERM');
      const backstop = setTimeout(() => signalGroup(task.pgid!, 'SIGKILL'), (this.options.killGraceMs ?? 5_000) + WRAPPER_GRACE_MS);
      await task.finished.finally(() => clearTimeout(backstop));
    }
    await task.finished;
  }

  private refuseUnrunnable(spec: RunnableJobSpec): void {
    const problems: string[] = [];
    if (spec.image.format !== 'docker-image') problems.push(`the docker scheduler runs docker-image images, not ${spec.image.format}; register an app version with a docker-image`);
    if (spec.network && !this.options.network) problems.push('the app asks for network, and this Docker engine gives jobs none (no network configured for the docker scheduler)');
    if (spec.gpus > 0) problems.push('the docker scheduler injects no GPUs');
    if (spec.mpi) problems.push('the docker scheduler injects no MPI (one container per job)');
    if (problems.length > 0) throw new Error(`job ${spec.jobId}: ${problems.join('; ')}`);
    accountFor(spec); // never root
  }

  private async run(task: Task, request: SubmitRequest, env: Record<string, string>, container: string): Promise<void> {
    const exit = await this.spawnWrapper(task, request, env);
    // The wrapper removes its container; one it could not (killed, crashed) must not run on.
    await this.docker.getContainer(container).remove({ force: true }).catch(() => undefined);
    task.status = await this.endedStatus(task, request.jobDir, exit);
  }

  /** Runs the wrapper in its own process group, its output in scheduler.log; resolves with how it ended. */
  private spawnWrapper(task: Task, request: SubmitRequest, env: Record<string, string>): Promise<string> {
    let log: number;
    try {
      log = openSync(join(request.jobDir, 'scheduler.log'), 'a');
    } catch (error) {
      return Promise.resolve(`could not open its log: ${(error as Error).message}`);
    }
    try {
      const child = spawn(request.argv[0]!, request.argv.slice(1), { cwd: request.jobDir, env, detached: true, stdio: ['ignore', log, log] });
      task.pgid = child.pid;
      return new Promise((resolve) => {
        child.once('error', (error) => resolve(`could not start: ${error.message}`));
        child.once('exit', (code, signal) => resolve(signal ? `was killed by ${signal}` : `exited with code ${code}`));
      });
    } catch (error) {
      return Promise.resolve(`could not start: ${(error as Error).message}`);
    } finally {
      closeSync(log); // the child holds its own copy
    }
  }

  /** From the wrapper's result, which holds the detail the server uses; without one, what is known of its end. */
  private async endedStatus(task: Task, jobDir: string, exit: string): Promise<SchedulerStatus> {
    const result = await readResult(jobDir).catch(() => null);
    if (result) return statusOf(result, this.node);
    if (task.cancelling) return { state: 'cancelled', node: this.node };
    return { state: 'failed', reason: { kind: 'launcher-error', detail: `the job wrapper ${exit} without writing its result (see scheduler.log)` }, node: this.node };
  }
}

/** The scheduler's view of an ended job, from its result. */
function statusOf(result: JobResult, node: string): SchedulerStatus {
  switch (result.outcome) {
    case 'exited':
      return result.exitCode === 0 ? { state: 'completed', node } : { state: 'failed', reason: { kind: 'exit-code', code: result.exitCode ?? 1 }, node };
    case 'out-of-memory':
      return { state: 'failed', reason: { kind: 'out-of-memory' }, node };
    case 'timed-out':
      return { state: 'failed', reason: { kind: 'walltime' }, node };
    case 'cancelled':
      return { state: 'cancelled', node };
    case 'launcher-error':
      return { state: 'failed', reason: { kind: 'launcher-error', detail: result.detail }, node };
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // No member left: nothing to stop.
  }
}

import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { dockerLaunch } from '../docker/container.js';
import type { SchedulerStatus } from '../job-state.js';
import { checkJobSpec, JOB_FILE, LOG_FILE, type JobResult, type JobSpec } from '../wrapper/job-spec.js';
import { accountFor, wrap, writeResult } from '../wrapper/wrap.js';
import { checkRequest, jobEnvironment } from './job-environment.js';
import type { Scheduler, SubmitRequest } from './scheduler.js';

export interface DockerSchedulerOptions {
  /** The engine's API socket. */
  socketPath: string;
  /**
   * The engine network for apps whose spec asks for network. Unset (the default, and what
   * `engineUp` gives: --bridge=none), such jobs are refused: never 'host', which would hand
   * the app the host's loopback services and abstract Unix sockets.
   */
  network?: string;
  /** Time between SIGTERM and SIGKILL on a cancel or at the time limit. */
  killGraceMs?: number;
}

interface Task {
  id: string;
  status: SchedulerStatus;
  cancel: AbortController;
  /** Resolves once result.json is written and the container removed. */
  finished: Promise<void>;
}

/**
 * Jobs as containers of a Docker engine, one per job. The engine is the node
 * and the runtime: instead of running the wrapper's argv, the scheduler does
 * what the wrapper does (the shared `wrap`) in this process, with the
 * container started through the engine's API, and writes the same
 * result.json — the server finishes docker jobs exactly as any other.
 * Like the local scheduler it tracks jobs in memory: after a restart earlier
 * ids are absent from `status`, and the caller reconciles them.
 */
export class DockerScheduler implements Scheduler {
  readonly name = 'docker';
  private readonly docker: Docker;
  private readonly network: string | undefined;
  private readonly killGraceMs: number;
  private readonly node = hostname();
  /** From this instance's creation time, so a restarted server never reuses an earlier id (see LocalScheduler). */
  private nextNumber = Date.now();
  private readonly tasks = new Map<string, Task>();

  constructor(options: DockerSchedulerOptions) {
    this.docker = new Docker({ socketPath: options.socketPath });
    this.network = options.network;
    this.killGraceMs = options.killGraceMs ?? 5_000;
  }

  /** Refuses at once what the engine cannot run, so the job fails with that reason rather than later. */
  async submit(request: SubmitRequest): Promise<string> {
    checkRequest(request);
    jobEnvironment(request);
    if (request.array) throw new Error(`job ${request.jobId}: the docker scheduler runs no job arrays; use local or slurm for bulk runs`);
    const spec = await readSpec(request.jobDir);
    this.refuseUnrunnable(spec);
    const id = `docker-${this.nextNumber++}`;
    const task: Task = { id, status: { state: 'queued', reason: 'starting the container', position: null }, cancel: new AbortController(), finished: Promise.resolve() };
    task.finished = this.run(task, request);
    this.tasks.set(id, task);
    return id;
  }

  async status(ids: string[]): Promise<Map<string, SchedulerStatus>> {
    const out = new Map<string, SchedulerStatus>();
    for (const id of ids) {
      const task = this.tasks.get(id);
      if (!task) continue;
      // While a cancel stops it, the job is neither running nor ended: "decide nothing", so the
      // caller does not move it on (to running) under the cancel that is about to end it.
      const stopping = task.cancel.signal.aborted && (task.status.state === 'queued' || task.status.state === 'running');
      out.set(id, stopping ? { state: 'unknown', raw: 'cancelling' } : task.status);
    }
    return out;
  }

  /** Stops the container (SIGTERM, SIGKILL after the grace period); resolves once its result is written and it is removed. */
  async cancel(id: string): Promise<void> {
    const task = this.tasks.get(id);
    if (!task) return;
    task.cancel.abort();
    await task.finished;
  }

  private refuseUnrunnable(spec: JobSpec): void {
    const problems: string[] = [];
    if (spec.image.format !== 'docker-image') problems.push(`the docker scheduler runs docker-image images, not ${spec.image.format}; register an app version with a docker-image`);
    if (spec.network && !this.network) problems.push('the app asks for network, and this Docker engine gives jobs none (no network configured for the docker scheduler)');
    if (spec.gpus > 0) problems.push('the docker scheduler injects no GPUs');
    if (spec.mpi) problems.push('the docker scheduler injects no MPI (one container per job)');
    if (problems.length > 0) throw new Error(`job ${spec.jobId}: ${problems.join('; ')}`);
    accountFor(spec); // never root
  }

  private async run(task: Task, request: SubmitRequest): Promise<void> {
    let container: Docker.Container | undefined;
    const launch = dockerLaunch(this.docker, {
      name: `narrative-${request.jobId}-${task.id}`,
      resources: request.resources,
      logFile: join(request.jobDir, LOG_FILE),
      graceMs: this.killGraceMs,
      network: this.network,
      onCreated: (created) => (container = created),
      onStarted: () => {
        if (task.status.state === 'queued') task.status = { state: 'running', node: this.node };
      },
    });
    const result = await wrap(request.jobDir, task.cancel.signal, () => launch, this.node);
    let ended: SchedulerStatus;
    try {
      await writeResult(request.jobDir, result);
      ended = statusOf(result, this.node);
    } catch (error) {
      ended = { state: 'failed', reason: { kind: 'launcher-error', detail: `cannot write the result: ${(error as Error).message}` }, node: this.node };
    }
    // After the result, which needed the engine's record of the exit (OOMKilled); the status
    // turns final only then, so an ended job has left nothing in the engine.
    await container?.remove({ force: true }).catch(() => undefined);
    task.status = ended;
  }
}

async function readSpec(jobDir: string): Promise<JobSpec> {
  const spec = JSON.parse(await readFile(join(jobDir, JOB_FILE), 'utf8')) as JobSpec;
  checkJobSpec(spec);
  return spec;
}

/** The scheduler's view of an ended job, from its result (which holds the detail the server uses). */
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
      return { state: 'failed', reason: { kind: 'launcher-error', detail: result.detail ?? 'the docker scheduler failed' }, node };
  }
}

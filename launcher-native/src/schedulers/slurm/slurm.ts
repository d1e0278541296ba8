import { closeSync, fstatSync, mkdirSync, openSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TASK_INDEX_VARIABLE } from '../../job-dir/layout.js';
import type { SchedulerStatus } from '../../job-state.js';
import { CommandNotFound, CommandTimedOut, execFileRunner, type CommandRunner } from '../command-runner.js';
import { checkAfter } from '../dependencies.js';
import { checkRequest, jobEnvironment } from '../job-environment.js';
import { SchedulerUnavailable, type Scheduler, type SubmitRequest } from '../scheduler.js';
import { pingArgv, queueOrderArgv, sacctArgv, sbatchArgv, scancelArgv, squeueArgv } from './commands.js';
import { renderBatchScript } from './directives.js';
import { expandArrayTaskIds, parseJobcompLine, parseSacct, parseSbatch, parseSqueue } from './parse.js';
import { toSchedulerStatus, type SlurmObservation } from './state-table.js';

export interface SlurmSchedulerOptions {
  /** What the Slurm commands need to reach the cluster (SLURM_CONF, ...), on top of the server's PATH. */
  env: Record<string, string>;
  partition?: string;
  account?: string;
  /** The jobcomp/filetxt log (JobCompLoc): states and exit codes of finished jobs, also after squeue forgot them. */
  jobcompLog?: string;
  /** Longest a Slurm command may run; an unreachable controller takes about MessageTimeout (10 s) to say so. */
  commandTimeoutMs?: number;
  /** What runs the client commands; tests give one that answers with captured output. */
  runner?: CommandRunner;
}

/** A job id as sbatch prints it, or an array task's `<array id>_<index>`. */
const SLURM_ID = /^[0-9]+(_[0-9]+)?$/;
/** What the client commands print when the controller (or munge, which they need first) cannot be reached. */
const UNREACHABLE = /Unable to contact slurm controller|Could not establish a configuration source|Socket timed out|Connection refused|Zero Bytes were transmitted|Communication connection failure|munge/i;
const PING_TIMEOUT_MS = 5000;

/** squeue/scancel about ids the controller no longer (or never) knew. */
const UNKNOWN_JOB = /Invalid job id specified/i;
const ALREADY_DONE = /already completing or completed/i;
/** Variables the client commands read as options (SBATCH_PARTITION, SQUEUE_SORT, ...): the server's own must not steer them. */
const CLIENT_OPTION_VARIABLES = /^(SBATCH|SQUEUE|SACCT|SCANCEL)_/;

/** A Slurm command ran and said no; SchedulerUnavailable is thrown instead when it could not ask. */
class SlurmCommandFailed extends Error {
  constructor(readonly program: string, readonly stderr: string) {
    super(`${program} failed: ${stderr}`);
  }
}

/**
 * Jobs as Slurm batch jobs (after ood_core's Slurm adapter and Nextflow's executor):
 * submit with sbatch, read states with one squeue call, fall back to the jobcomp log and
 * then sacct for jobs squeue forgot (Galaxy's runner does the same), cancel with scancel.
 */
export class SlurmScheduler implements Scheduler {
  readonly name = 'slurm';
  readonly holdsDependants = true;
  private readonly timeoutMs: number;
  private readonly runner: CommandRunner;

  /** What has been read of the jobcomp log so far. */
  private jobcomp: { offset: number; partial: string; records: Map<string, SlurmObservation> } = { offset: 0, partial: '', records: new Map() };

  constructor(private readonly options: SlurmSchedulerOptions) {
    this.timeoutMs = options.commandTimeoutMs ?? 30_000;
    this.runner = options.runner ?? execFileRunner;
  }

  async submit(request: SubmitRequest): Promise<string> {
    checkRequest(request);
    // Slurm takes an id it no longer knows as satisfied (an input staged from an upstream job
    // is still checked by the wrapper, against that job's result): only what is not an id is refused.
    const after = checkAfter(request, (id) => (SLURM_ID.test(id) ? null : 'not a Slurm job id'));
    const { array, resources, jobDir } = request;
    mkdirSync(jobDir, { recursive: true });
    const script = join(jobDir, 'job.sh');
    const text = renderBatchScript({
      jobName: `narrative-${request.jobId}`,
      partition: this.options.partition,
      account: this.options.account,
      cpus: resources.cpus,
      memoryMiB: resources.memoryMiB,
      timeMinutes: resources.timeMinutes,
      gpus: resources.gpus,
      // %A_%a would name a plain job's file slurm-12_4294967294.out.
      output: join(jobDir, array ? 'slurm-%A_%a.out' : 'slurm-%j.out'),
      chdir: jobDir,
      arrayTaskIndexAs: array ? TASK_INDEX_VARIABLE : undefined,
    }, request.argv, jobEnvironment(request));
    // 0600: the exported environment may hold the job's credentials.
    writeFileSync(script, text, { mode: 0o600 });
    const indexes = array ? `0-${array.size - 1}${array.parallel ? `%${array.parallel}` : ''}` : undefined;
    return parseSbatch(await this.run(sbatchArgv({ script, array: indexes, after }), this.timeoutMs, 'bare'));
  }

  /** Asking for an array's id answers for each of its tasks, under the task ids (`12_0`, ...). */
  async ping(): Promise<void> {
    // A health check's question: answered quickly or not at all, never holding a child for the commands' long limit.
    await this.run(pingArgv(), Math.min(this.timeoutMs, PING_TIMEOUT_MS));
  }

  async status(ids: string[]): Promise<Map<string, SchedulerStatus>> {
    const wanted = [...new Set(ids)].filter((id) => SLURM_ID.test(id));
    const out = new Map<string, SchedulerStatus>();
    if (wanted.length === 0) return out;

    const queue = await this.squeue(wanted);
    const pending = [...queue.values()].filter((o) => stateName(o) === 'PENDING');
    if (pending.length > 0) {
      const order = await this.queueOrder();
      for (const [id, o] of queue) if (stateName(o) === 'PENDING') o.position = order.get(id) ?? null;
    }
    // squeue shows no exit codes; the jobcomp record of a failed job has one.
    const failed = [...queue].filter(([, o]) => ['FAILED', 'SPECIAL_EXIT'].includes(stateName(o)));
    const missing = wanted.filter((id) => matching(queue, id).length === 0);
    const finished = failed.length > 0 || missing.length > 0 ? this.readJobcomp() : new Map<string, SlurmObservation>();
    for (const [id, o] of failed) o.exitCode = finished.get(id)?.exitCode ?? o.exitCode;
    const forgotten = missing.filter((id) => matching(finished, id).length === 0);
    const accounted = forgotten.length > 0 ? await this.sacct(forgotten) : new Map<string, SlurmObservation>();

    for (const id of wanted) {
      // The freshest source that knows the id answers for it.
      const found = [queue, finished, accounted].map((source) => matching(source, id)).find((rows) => rows.length > 0) ?? [];
      for (const [taskId, o] of found) out.set(taskId, toSchedulerStatus(o));
    }
    return out;
  }

  async cancel(id: string): Promise<void> {
    if (!SLURM_ID.test(id)) throw new Error(`not a Slurm job id: ${JSON.stringify(id)}`);
    try {
      await this.run(scancelArgv([id]));
    } catch (error) {
      // Cancelling what has ended (or been forgotten) is not an error.
      if (error instanceof SlurmCommandFailed && (UNKNOWN_JOB.test(error.stderr) || ALREADY_DONE.test(error.stderr))) return;
      throw error;
    }
  }

  /** squeue rows by task id; pending array tasks, listed by squeue as one `12_[3-9]` row, get a row each. */
  private async squeue(ids: string[]): Promise<Map<string, SlurmObservation>> {
    let stdout: string;
    try {
      stdout = await this.run(squeueArgv(ids));
    } catch (error) {
      // squeue fails outright when it knows none of the ids (it lists the known ones otherwise).
      if (error instanceof SlurmCommandFailed && UNKNOWN_JOB.test(error.stderr)) return new Map();
      throw error;
    }
    const rows = new Map<string, SlurmObservation>();
    for (const [id, o] of parseSqueue(stdout)) for (const taskId of expandArrayTaskIds(id)) rows.set(taskId, { ...o });
    return rows;
  }

  /** 1-based places in the partition's pending queue, in the order Slurm will start them. */
  private async queueOrder(): Promise<Map<string, number>> {
    const stdout = await this.run(queueOrderArgv(this.options.partition));
    const ids = stdout.split('\n').map((line) => line.trim()).filter(Boolean).flatMap(expandArrayTaskIds);
    return new Map(ids.map((id, i) => [id, i + 1]));
  }

  /**
   * Finished jobs by id; the last record wins (a requeued job has one per run).
   * The log only grows, so each call reads just what was appended since the
   * last one (from the start again if the log was rotated).
   */
  private readJobcomp(): Map<string, SlurmObservation> {
    const file = this.options.jobcompLog;
    if (!file) return this.jobcomp.records;
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch {
      return this.jobcomp.records; // no job has finished yet
    }
    try {
      const size = fstatSync(fd).size;
      if (size < this.jobcomp.offset) this.jobcomp = { offset: 0, partial: '', records: new Map() };
      const chunk = Buffer.alloc(size - this.jobcomp.offset);
      const read = chunk.length > 0 ? readSync(fd, chunk, 0, chunk.length, this.jobcomp.offset) : 0;
      this.jobcomp.offset += read;
      const lines = (this.jobcomp.partial + chunk.subarray(0, read).toString('utf8')).split('\n');
      this.jobcomp.partial = lines.pop() ?? '';
      for (const line of lines) {
        const record = parseJobcompLine(line);
        if (record) this.jobcomp.records.set(record.id, record.observation);
      }
      return this.jobcomp.records;
    } finally {
      closeSync(fd);
    }
  }

  /** sacct only answers where slurmdbd runs; without it ("accounting storage is disabled") it knows nothing. */
  private async sacct(ids: string[]): Promise<Map<string, SlurmObservation>> {
    try {
      return parseSacct(await this.run(sacctArgv(ids)));
    } catch {
      return new Map();
    }
  }

  /**
   * Runs one client command (never through a shell) and returns its stdout. sbatch runs
   * `bare`, with only PATH besides the cluster's settings: the job is handed sbatch's
   * environment (see renderBatchScript), and nothing of the server's may reach it.
   */
  private async run(argv: string[], timeoutMs = this.timeoutMs, environment: 'inherited' | 'bare' = 'inherited'): Promise<string> {
    const program = argv[0]!;
    const inherited = environment === 'bare'
      ? { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin' }
      : Object.fromEntries(Object.entries(process.env).filter(([name]) => !CLIENT_OPTION_VARIABLES.test(name)));
    let ran;
    try {
      ran = await this.runner.run(argv, { env: { ...inherited, ...this.options.env }, timeoutMs });
    } catch (error) {
      if (error instanceof CommandNotFound) throw new SchedulerUnavailable(`${program} not found on PATH: Slurm's client commands are not installed here (Debian: slurm-client)`);
      if (error instanceof CommandTimedOut) throw new SchedulerUnavailable(`${program} did not answer within ${timeoutMs} ms`);
      throw error;
    }
    if (ran.code === 0) return ran.stdout;
    const stderr = ran.stderr.trim() || `${program} exited with code ${ran.code}`;
    if (UNREACHABLE.test(stderr)) throw new SchedulerUnavailable(`${program} cannot reach the Slurm controller: ${stderr.split('\n')[0]}`);
    throw new SlurmCommandFailed(program, stderr);
  }
}

/** `CANCELLED by 0` → CANCELLED. */
function stateName(o: SlurmObservation): string {
  return o.state.trim().split(/\s+/)[0]!.toUpperCase();
}

/** The rows for one asked-for id: the id itself, or every task of an array asked for by its own id. */
function matching(rows: Map<string, SlurmObservation>, id: string): [string, SlurmObservation][] {
  const own = rows.get(id);
  if (own) return [[id, own]];
  return id.includes('_') ? [] : [...rows].filter(([rowId]) => rowId.startsWith(`${id}_`));
}

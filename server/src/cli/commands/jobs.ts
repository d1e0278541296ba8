import type { Command } from 'commander';
import { hasEnded, nodeOf, type FailureReason, type Job, type LogLine, type NarrativeClient, type RunRequest } from '../../client/index.js';
import { clientFrom, type GlobalOptions } from '../env.js';
import { emit, fields } from '../output.js';
import { UsageError } from '../usage.js';
import { appRef } from './apps.js';
import { attemptDocuments, attemptsOf, attemptsText, moreOf, resourcesText, resubmissionOf, usageText, type AttemptDocument } from './job-status.js';
import { rerunCommand } from './job-rerun.js';
import { diffCommand } from './job-diff.js';
import { listCommand } from './job-list.js';

/** Exit code of `run --wait` when the job ended failed or cancelled: apart from 1 (request refused) and 2 (usage). */
export const JOB_DID_NOT_COMPLETE = 3;

/** What every job command prints: the job under `jobId` (the synopsis's name for it). */
// Distributed over the union, so each state keeps its own fields.
type Documented<J> = J extends unknown ? { jobId: number } & Omit<J, 'id'> : never;
export type JobDocument = Documented<Job>;
export function jobDocument({ id, ...rest }: Job): JobDocument {
  return { jobId: id, ...rest };
}
const SUMMARY = ['jobId', 'app', 'version', 'state', 'failure', 'waiting', 'queueReason', 'queuePosition', 'node', 'inputs', 'params', 'outputs', 'retryOf', 'createdAt', 'startedAt', 'endedAt'];
export const summary = (j: JobDocument) => fields({ ...j, failure: j.state === 'failed' ? describeFailure(j.failure) : null }, SUMMARY);

/** `job status`: the job, and the chain of attempts it is one of. */
export type StatusDocument = JobDocument & { attempts: AttemptDocument[] };

/** The summary, then what the job asked for, what it used once ended, and its attempts when there was more than one. */
function statusText({ attempts, ...j }: StatusDocument): string {
  const used = usageText(j);
  // The API's objects are said in words here, after the summary's lines.
  const rest = Object.fromEntries(Object.entries(j).filter(([key]) => key !== 'resources' && key !== 'usage'));
  return fields({
    ...rest,
    failure: j.state === 'failed' ? describeFailure(j.failure) : null,
    resources: resourcesText(j.resources),
    ...(used ? { usage: used } : {}),
    ...(attempts.length > 1 ? { attempts: attemptsText(attempts) } : {}),
  }, [...SUMMARY, 'resources', 'usage', 'attempts']);
}

interface RunOptions {
  ws: string;
  input: Record<string, string>;
  each?: string;
  param: Record<string, unknown>;
  requestId?: string;
  wait?: boolean;
}

export function jobCommands(program: Command): void {
  program
    .command('run <app>')
    .description('run an app (module/name[@version]; default its newest version) on objects; outputs are saved to --ws')
    .requiredOption('--ws <wsid>', 'workspace id or name for the outputs')
    .option('--input <name=ref>', 'an object input (repeatable)', collect('--input', (v) => v), {})
    .option('--param <name=value>', 'a parameter, read as JSON when it parses (42, true, "text"), else as text (repeatable)', collect('--param', jsonOrText), {})
    .option('--each <name=ref,ref,...>', 'a bulk run: one job per object given to this input, all submitted as one scheduler array')
    .option('--request-id <id>', 'a client request id (8-100 characters): repeating the run with it returns the first job')
    .option('--wait', 'wait until the job has ended; exit code 3 if it failed or was cancelled')
    .action(async (text: string, options: RunOptions, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const client = clientFrom(global);
      const { id, version } = appRef(text);
      if (options.each !== undefined) return runEach(client, global, { app: id, version, ws: options.ws, inputs: options.input, params: options.param, each: options.each, wait: Boolean(options.wait) });
      const request: RunRequest = { app: id, ...(version ? { version } : {}), ws: options.ws, inputs: options.input, params: options.param, ...(options.requestId ? { clientRequestId: options.requestId } : {}) };
      let job = await client.run(request);
      if (options.wait) job = await waitWithProgress(client, job, Boolean(process.stderr.isTTY && !global.json));
      emit(global, jobDocument(job), summary);
      if (options.wait && job.state !== 'completed') {
        process.stderr.write(`narrative: job ${job.id} ${job.state}${job.state === 'failed' ? `: ${describeFailure(job.failure)}` : ''}\n`);
        process.exitCode = JOB_DID_NOT_COMPLETE;
      }
    });

  const job = program.command('job').description('jobs: list, status, logs, cancel, retry');
  job
    .command('status <jobId>')
    .description('state, failure reason, queue reason and position, node, outputs; the resources asked for and, once ended, used; the chain of attempts')
    .action(async (text: string, _o: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const client = clientFrom(global);
      const found = await client.job(jobId(text));
      const status: StatusDocument = { ...jobDocument(found), attempts: attemptDocuments(await attemptsOf(client, found)) };
      emit(global, status, statusText);
    });
  job
    .command('logs <jobId>')
    .description('log lines as `time stream text`; --follow keeps printing them until the job has ended')
    .option('--follow', 'keep polling for new lines until the job has ended and none remain')
    .action(async (text: string, options: { follow?: boolean }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      // With --json the lines are gathered and printed as one document at the end, so stdout stays one JSON value.
      const print = global.json ? undefined : (line: LogLine) => process.stdout.write(`${line.t} ${line.stream} ${line.text}\n`);
      const result = await readLog(clientFrom(global), jobId(text), Boolean(options.follow), print);
      if (global.json) emit(global, result, () => '');
    });
  job
    .command('cancel <jobId>')
    .description('cancel: the container is stopped and the job ends cancelled')
    .action(async (text: string, _o: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      emit(global, jobDocument(await clientFrom(global).cancelJob(jobId(text))), summary);
    });
  job
    .command('retry <jobId>')
    .description('run an ended job again as a new job (same app version, params and resolved inputs)')
    .action(async (text: string, _o: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      emit(global, jobDocument(await clientFrom(global).retryJob(jobId(text))), summary);
    });
  rerunCommand(job);
  diffCommand(job);
  listCommand(job);
}

export function jobId(text: string): number {
  const id = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(id) || id < 1) throw new UsageError(`"${text}" is not a job id`);
  return id;
}

/** A commander collector for repeatable `name=value` options, refusing a name given twice (the later one would silently win). */
function collect<T>(flag: string, parse: (value: string) => T) {
  return (pair: string, previous: Record<string, T>): Record<string, T> => {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new UsageError(`${flag} wants name=value, not "${pair}"`);
    const name = pair.slice(0, eq);
    if (Object.hasOwn(previous, name)) throw new UsageError(`${flag} ${name} is given twice`);
    return { ...previous, [name]: parse(pair.slice(eq + 1)) };
  };
}

/** `--param n=3` is the number 3, `--param s="3"` the string "3", `--param s=abc` the string "abc". */
export function jsonOrText(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/** `out-of-memory: killed for memory: its limit is 64 MiB and …`; records from before messages show their kind alone. */
export function describeFailure(failure: FailureReason): string {
  if (failure.kind === 'exit-code') return `the app exited with code ${failure.code}`;
  const text = 'message' in failure ? failure.message : 'detail' in failure ? failure.detail : undefined;
  return text ? `${failure.kind}: ${text}` : failure.kind;
}

/**
 * Polls until the job has ended, with no time limit of its own (a queued
 * HPC job may wait for hours; Ctrl-C stops waiting, not the job). On a
 * terminal one stderr line is rewritten with the state and queue reason.
 * A job the server resubmits (out of memory or time, as its app's policy
 * says) is followed to the end of its last attempt, each resubmission said
 * on stderr.
 */
export async function waitWithProgress(client: NarrativeClient, first: Job, progress: boolean): Promise<Job> {
  let job = await waitForEnd(client, first, progress);
  for (let next = await resubmissionOf(client, job, progress); next; next = await resubmissionOf(client, job, progress)) {
    process.stderr.write(`narrative: job ${job.id} ${job.state === 'failed' ? `failed: ${describeFailure(job.failure)}` : job.state}; resubmitted as job ${next.id}${moreOf(job, next)}\n`);
    job = await waitForEnd(client, next, progress);
  }
  return job;
}

/** Polls one job until it has ended. */
async function waitForEnd(client: NarrativeClient, first: Job, progress: boolean): Promise<Job> {
  let job = first;
  let delay = 250;
  const show = (j: Job) => {
    const where = j.state === 'queued' ? `: ${j.waiting}` : nodeOf(j) ? ` on ${nodeOf(j)}` : '';
    process.stderr.write(`\r\x1b[2Kjob ${j.id}: ${j.state}${where}`);
  };
  try {
    while (!hasEnded(job.state)) {
      if (progress) show(job);
      await sleep(delay);
      // Quick at first (most local jobs end in a second or two), then gentler on the server.
      delay = Math.min(delay * 1.5, 2000);
      job = await client.job(job.id);
    }
  } finally {
    if (progress) process.stderr.write('\r\x1b[2K');
  }
  return job;
}

export interface LogDocument {
  jobId: number;
  state: string;
  lines: LogLine[];
  next: number;
}

/**
 * All log lines from the start. Following, the job's state is read before
 * each poll: once it had ended before a poll that brought no new lines,
 * nothing more will come.
 */
async function readLog(client: NarrativeClient, id: number, follow: boolean, print?: (line: LogLine) => void): Promise<LogDocument> {
  const lines: LogLine[] = [];
  let next = 0;
  let state = (await client.job(id)).state;
  let delay = 250;
  for (;;) {
    const ended = hasEnded(state);
    const page = await client.jobLog(id, next);
    for (const line of page.lines) print?.(line);
    lines.push(...page.lines);
    next = page.next;
    if (page.lines.length === 0 && (!follow || ended)) break;
    // After the end only the remaining lines are drained, without waiting.
    if (!follow || ended) continue;
    delay = page.lines.length > 0 ? 250 : Math.min(delay * 1.5, 2000);
    await sleep(delay);
    state = (await client.job(id)).state;
  }
  return { jobId: id, state, lines, next };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `run --each input=ref1,ref2,…`: one job per object, as one array; with --wait, until every job has ended. */
async function runEach(
  client: NarrativeClient,
  global: GlobalOptions,
  o: { app: string; version: string | undefined; ws: string; inputs: Record<string, string>; params: Record<string, unknown>; each: string; wait: boolean },
): Promise<void> {
  const eq = o.each.indexOf('=');
  const refs = o.each.slice(eq + 1).split(',').filter(Boolean);
  if (eq <= 0 || refs.length === 0) throw new UsageError('--each takes name=ref,ref,... (the input each object goes to, then the objects)');
  let { jobs } = await client.runBulk({ app: o.app, ...(o.version ? { version: o.version } : {}), ws: o.ws, input: o.each.slice(0, eq), refs, inputs: o.inputs, params: o.params });
  if (o.wait) jobs = await Promise.all(jobs.map((j) => client.waitForJob(j.id, { timeoutMs: Number.MAX_SAFE_INTEGER })));
  emit(global, { jobs: jobs.map(jobDocument) }, ({ jobs: list }) => list.map((j) => `job ${j.jobId}: ${j.state} (${j.inputs.map((i) => i.given).join(', ')})`).join('\n'));
  if (o.wait && jobs.some((j) => j.state !== 'completed')) process.exitCode = JOB_DID_NOT_COMPLETE;
}

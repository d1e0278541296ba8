import { chmod, chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJobSpec, type JobSpec, type Resources } from '@narrative/launcher-native';
import { badRequest, invalidContent, type FieldError } from '../../errors.js';
import type { RunRequest } from '../../schemas/jobs.js';
import { paramsValidator } from '../../schemas/params-validators.js';
import { describeFieldErrors, toFieldErrors } from '../../schemas/validation.js';
import type { AppRecord, VersionRecord, WorkspaceRecord } from '../../store/store.js';
import type { CreatedJob, Job, JobInput, JobOrigin, JobRerun, NewJob } from './job.js';
import { determinismEnv, withSeed } from './determinism.js';
import { findApp } from '../apps.js';
import { imageForRun } from '../images.js';
import type { Context, Execution } from '../context.js';
import { requireLevel, type Caller } from '../permissions.js';
import { findObject, findWorkspace, formatRef, parseRef, versionOf } from '../refs.js';
import { recordTransition } from './transitions.js';

export interface Origin {
  attempt: number;
  retryOf: number | null;
  /** Resources other than the app's own (a resubmission with more memory or time). */
  resources?: Resources;
  /** The narrative and cell of the run this one repeats (a retry or resubmission keeps them). */
  startedFrom?: JobOrigin | null;
  /** The job this one re-runs from its provenance, and whether it is verified against it. */
  rerun?: JobRerun;
  /** The narrative run this job is a step of. */
  runId?: number;
}

/**
 * Starts one run of an app: checks the app, inputs (readable, of an accepted
 * type) and params (against the app's schema, defaults filled in), records
 * the job, writes its directory and submits it. Repeating a request with the
 * same client request id returns the first job instead of running twice.
 */
export async function runApp(ctx: Context, caller: Caller, ws: WorkspaceRecord, request: RunRequest, origin: Origin = { attempt: 1, retryOf: null }): Promise<{ job: Job; created: boolean }> {
  const execution = requireExecution(ctx);
  if (request.clientRequestId) {
    const earlier = await ctx.store.findJobByRequest(caller.id, request.clientRequestId);
    if (earlier) return { job: earlier, created: false };
  }
  const checked = await checkRun(ctx, caller, request);
  const resources = origin.resources ?? { ...checked.app.spec.resources };
  const startedFrom = request.narrative ? await narrativeOrigin(ctx, ws, request.narrative) : (origin.startedFrom ?? null);
  const [id] = await recordJobs(ctx, caller, ws, checked.app, [checked], resources, { ...origin, startedFrom }, request.clientRequestId ?? null);
  const job = (await ctx.store.getJob(id!))!;
  await submit(ctx, execution, job, jobSpecOf(execution, checked, id!, resources, caller.name));
  return { job: (await ctx.store.getJob(id!))!, created: true };
}

/** The narrative a run names must be the one whose workspace receives its outputs, and the version one it has. */
export async function narrativeOrigin(ctx: Context, ws: WorkspaceRecord, given: NonNullable<RunRequest['narrative']>): Promise<JobOrigin> {
  const narrative = await ctx.store.getNarrative(given.id);
  if (!narrative || narrative.deletedAt || narrative.wsid !== ws.id) {
    throw badRequest(`Narrative ${given.id} is not the narrative of workspace ${ws.id}, where this run saves its outputs.`, [{ path: '/narrative/id', message: 'not this workspace\'s narrative' }]);
  }
  if (given.version !== undefined && !(await ctx.store.getVersion({ wsid: ws.id, objid: narrative.objid, ver: given.version }))) {
    throw badRequest(`Narrative ${given.id} has no version ${given.version}.`, [{ path: '/narrative/version', message: 'no such version' }]);
  }
  return { narrative: given.id, narrativeVersion: given.version ?? null, cell: given.cell ?? null };
}

export interface CheckedRun {
  app: AppRecord;
  params: Record<string, unknown>;
  inputs: JobInput[];
  files: JobSpec['inputs'];
  image: JobSpec['image'];
}

/** An input that an earlier step of the same narrative run will make: only its type can be checked now. */
export interface PendingInput {
  given: string;
  type: string;
}

/**
 * What checking many runs of one app (a bulk run's thousands) finds once rather than per run:
 * the app, its image, and each workspace the inputs name, as the name or id given, found and
 * checked readable by the caller.
 */
export interface RunLookups {
  app: AppRecord;
  image(): Promise<JobSpec['image']>;
  sources: Map<string, Promise<WorkspaceRecord>>;
}

export function runLookups(ctx: Context, app: AppRecord): RunLookups {
  // Looked up when a run first needs it, and awaited then: a refusal is never left unheard.
  let image: Promise<JobSpec['image']> | undefined;
  return { app, image: () => (image ??= imageForRun(ctx, requireExecution(ctx), app.spec.container.image)), sources: new Map() };
}

/** Checks a run request: the app (unless the caller's lookups have it), each input (readable, of an accepted type), the params (defaults filled in). */
export async function checkRun(ctx: Context, caller: Caller, request: Pick<RunRequest, 'app' | 'version' | 'inputs' | 'params'>, at = '', pending: Record<string, PendingInput> = {}, lookups?: RunLookups): Promise<CheckedRun> {
  const app = lookups?.app ?? (await findApp(ctx, request.app, request.version));
  const spec = app.spec;
  const problems: FieldError[] = [];
  for (const name of Object.keys({ ...request.inputs, ...pending })) {
    if (!spec.inputs.some((i) => i.name === name)) problems.push({ path: `${at}/inputs/${name}`, message: `${app.id} has no input ${name}` });
  }
  const inputs: JobInput[] = [];
  const files: JobSpec['inputs'] = [];
  for (const input of spec.inputs) {
    const upstream = pending[input.name];
    if (upstream) {
      // Resolved once the step that makes it has saved it; its files come from that step's job directory.
      if (input.types.includes(upstream.type)) inputs.push({ name: input.name, given: upstream.given, resolved: '' });
      else problems.push({ path: `${at}/inputs/${input.name}`, message: `comes from a step that makes a ${upstream.type}; ${input.name} takes ${input.types.join(' or ')}` });
      continue;
    }
    const given = request.inputs?.[input.name];
    if (given === undefined) {
      if (input.required) problems.push({ path: `${at}/inputs/${input.name}`, message: 'is required' });
      continue;
    }
    const version = await readableVersion(ctx, caller, given, lookups?.sources);
    if (!input.types.includes(version.type)) {
      problems.push({ path: `${at}/inputs/${input.name}`, message: `is a ${version.type}; ${input.name} takes ${input.types.join(' or ')}` });
      continue;
    }
    inputs.push({ name: input.name, given, resolved: formatRef(version) });
    files.push({ name: input.name, ref: formatRef(version), type: version.type, data: version.data, files: version.files.map((f) => ({ name: f.name, path: ctx.blobs.path(f.sha256), sha256: f.sha256 })) });
  }
  const params = withSeed(spec, structuredClone(request.params ?? {}));
  const validate = paramsValidator(spec.params);
  if (!validate(params)) problems.push(...toFieldErrors(validate.errors, `${at}/params`));
  if (problems.length > 0) throw invalidContent(`Cannot run ${app.id}@${app.version}: ${describeFieldErrors(problems)}`, problems);
  return { app, params, inputs, files, image: await (lookups?.image() ?? imageForRun(ctx, requireExecution(ctx), spec.container.image)) };
}

/** The version a ref names, in a workspace the caller may read; `sources` keeps each workspace found and checked, by the name or id given. */
async function readableVersion(ctx: Context, caller: Caller, given: string, sources?: Map<string, Promise<WorkspaceRecord>>): Promise<VersionRecord> {
  const ref = parseRef(given);
  let source = sources?.get(ref.workspace);
  if (!source) {
    source = (async () => {
      const ws = await findWorkspace(ctx.store, ref.workspace);
      await requireLevel(ctx.store, caller, ws, 'read');
      return ws;
    })();
    sources?.set(ref.workspace, source);
  }
  const ws = await source;
  // A ref by ids and version (what the API gives) is one read; only a miss looks at the object, to say what is missing.
  if (/^[0-9]{1,15}$/.test(ref.object) && ref.ver !== undefined) {
    const version = await ctx.store.getVersion({ wsid: ws.id, objid: Number(ref.object), ver: ref.ver });
    if (version) return version;
  }
  return (await ctx.store.getVersion(versionOf(await findObject(ctx.store, ws, ref.object), ref.ver)))!;
}

/** Records checked runs as jobs (state created) in one transaction; their ids. */
export async function recordJobs(ctx: Context, caller: Caller, ws: WorkspaceRecord, app: AppRecord, runs: CheckedRun[], resources: Resources, origin: Origin, clientRequestId: string | null): Promise<number[]> {
  return (await createJobs(ctx, caller, ws, app, runs, resources, origin, clientRequestId)).map((job) => job.id);
}

/**
 * `recordJobs`, giving each job as the store now holds it rather than its id alone: a bulk
 * run's thousands, written in a few multi-row statements, need not be read back.
 */
export async function createJobs(ctx: Context, caller: Caller, ws: WorkspaceRecord, app: AppRecord, runs: CheckedRun[], resources: Resources, origin: Origin, clientRequestId: string | null): Promise<CreatedJob[]> {
  const execution = requireExecution(ctx);
  const createdAt = ctx.now();
  const jobs: NewJob[] = runs.map((run) => ({
    appId: app.id, appVersion: app.version, userId: caller.id, wsid: ws.id, clientRequestId,
    params: run.params, inputs: run.inputs, resources, scheduler: execution.scheduler.name, attempt: origin.attempt, retryOf: origin.retryOf, createdAt,
    origin: origin.startedFrom ?? null, rerun: origin.rerun ?? null, runId: origin.runId ?? null,
  }));
  const ids = await ctx.store.transaction(async (store) => {
    const ids = await store.createJobs(jobs);
    await store.appendJobEvents(ids.map((jobId) => ({ jobId, at: createdAt, event: { type: 'state', state: 'created' } })));
    return ids;
  });
  return jobs.map((job, i) => ({ ...job, id: ids[i]!, state: 'created', origin: job.origin ?? null, rerun: job.rerun ?? null, runId: job.runId ?? null }));
}

/** A platform user's jobs run as their mapped account if the operator named one, else as the service account. */
export function accountOf(execution: Execution, userName: string): Execution['runAs'] {
  return execution.accounts.get(userName) ?? execution.runAs;
}

export function jobSpecOf(execution: Execution, run: CheckedRun, id: number, resources: Resources, userName: string): JobSpec {
  const spec = run.app.spec;
  return {
    jobId: String(id), runtime: execution.runtime, image: run.image, argv: spec.argv, params: run.params, inputs: run.files,
    // HOME: tools look for one (Go's user lookup, Python caches); the image is read-only and /tmp the job's own.
    env: { ...determinismEnv(run.app), NARRATIVE_JOB_ID: String(id), NARRATIVE_CPUS: String(resources.cpus), NARRATIVE_MEMORY_MIB: String(resources.memoryMiB), HOME: '/tmp' },
    network: spec.network, gpus: resources.gpus, mpi: spec.mpi,
    cpus: resources.cpus, memoryMiB: resources.memoryMiB, timeLimitSeconds: resources.timeMinutes * 60, runAs: accountOf(execution, userName),
  };
}

/** The job directory with its job.json, closed to every account but the server's and the job's own (see closeJobDir). */
export async function writeJobDir(execution: Execution, id: number, spec: JobSpec): Promise<string> {
  const jobDir = jobDirOf(execution, id);
  await mkdir(jobDir, { recursive: true, mode: 0o700 });
  await closeJobDir(jobDir, spec.runAs);
  await writeJobSpec(jobDir, spec);
  return jobDir;
}

/**
 * A job directory's owner and mode. A root server's jobs run as `account`: the directory is
 * root:<its gid> 0710, so that account (its primary group) reaches /in, /out and its runtime
 * state, and no other uid (another user's code cell, who could guess the sequential ids) even
 * enters it. Everything inside keeps its modes behind it. When the server is not root, everything
 * runs as its one account: 0700. The wrapper makes it so too (launcher-native wrapper/prepare.ts).
 */
async function closeJobDir(dir: string, account: JobSpec['runAs']): Promise<void> {
  if (process.getuid?.() === 0 && account) {
    await chown(dir, 0, account.gid);
    await chmod(dir, 0o710);
  } else {
    await chmod(dir, 0o700);
  }
}

/**
 * Writes the job directory and hands the wrapper to the scheduler, to start
 * once the scheduler jobs `after` have completed; a refusal fails the job
 * with its reason. The scheduler id, or null when refused (or withdrawn: the job ended meanwhile).
 */
export async function submit(ctx: Context, execution: Execution, job: Job, spec: JobSpec, after: string[] = []): Promise<string | null> {
  let schedulerId: string;
  try {
    const jobDir = await writeJobDir(execution, job.id, spec);
    schedulerId = await execution.scheduler.submit({ jobId: String(job.id), jobDir, argv: [...execution.wrapper, jobDir], resources: job.resources, env: {}, ...(after.length > 0 ? { after } : {}) });
  } catch (error) {
    await recordTransition(ctx, job, { type: 'failed', failure: { kind: 'launcher-error', detail: (error as Error).message }, at: ctx.now() });
    return null;
  }
  // Outside the try: once the scheduler holds the job, it is queued or withdrawn, never failed here.
  return (await queuedOrWithdrawn(ctx, execution, job, schedulerId)) ? schedulerId : null;
}

/**
 * Records the job as queued under its scheduler id. When it moved meanwhile (a
 * cancel that came while it was being submitted), the scheduler's job is
 * cancelled too: nothing may run that no job tracks.
 */
export async function queuedOrWithdrawn(ctx: Context, execution: Execution, job: Job, schedulerId: string): Promise<boolean> {
  if (await recordTransition(ctx, job, { type: 'submitted', schedulerId })) return true;
  await withdraw(ctx, execution, job, schedulerId);
  return false;
}

/** Cancels the scheduler job of a job that ended while it was being submitted, and says so in the job's events. */
export async function withdraw(ctx: Context, execution: Execution, job: Job, schedulerId: string): Promise<void> {
  // The event keeps the scheduler id either way, so an operator can find a job the scheduler would not cancel.
  const refused = await execution.scheduler.cancel(schedulerId).then(() => null, (error: unknown) => (error instanceof Error ? error.message : String(error)));
  await ctx.store.appendJobEvent(job.id, ctx.now(), refused === null
    ? { type: 'withdrawn', schedulerId, detail: 'the job ended while it was being submitted, so its scheduler job was cancelled' }
    : { type: 'withdrawal-failed', schedulerId, detail: `the job ended while it was being submitted, and cancelling its scheduler job failed (${refused}): cancel ${schedulerId} by hand` });
}

export function jobDirOf(execution: Execution, jobId: number): string {
  return join(execution.jobsDir, String(jobId));
}

export function requireExecution(ctx: Context): Execution {
  if (!ctx.execution) throw badRequest('This server runs no apps: it was started without a scheduler.');
  return ctx.execution;
}

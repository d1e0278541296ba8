import { Type, type Static, type TProperties, type TSchema } from '@sinclair/typebox';
import { IdOrName, NAME_PATTERN, PageLimit, PositiveInt } from './common.js';
import { APP_ID_PATTERN, APP_VERSION_PATTERN } from './app-spec.js';
import { VerificationReport } from './verification.js';
import { JOB_STATES } from '../domain/jobs/states.js';

/** Where a run is started from, recorded in its outputs' provenance: the narrative of `ws`, and the cell. */
export const RunOrigin = Type.Object(
  {
    id: PositiveInt,
    version: Type.Optional(Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1, description: 'the version of the notebook the cell was in, when known' })),
    cell: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001f\\u007f]+$', description: "the cell's nbformat id" })),
  },
  { additionalProperties: false },
);

export const RunRequest = Type.Object(
  {
    app: Type.String({ pattern: APP_ID_PATTERN, description: 'module/name' }),
    version: Type.Optional(Type.String({ pattern: APP_VERSION_PATTERN, description: 'default: the newest registered' })),
    ws: IdOrName,
    inputs: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 1000 }), { description: 'input name → object reference' })),
    params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    clientRequestId: Type.Optional(Type.String({ minLength: 8, maxLength: 100, description: 'repeating a request with the same id returns the first job' })),
    narrative: Type.Optional(RunOrigin),
  },
  { additionalProperties: false },
);
export type RunRequest = Static<typeof RunRequest>;

export const BulkRunRequest = Type.Object(
  {
    app: Type.String({ pattern: APP_ID_PATTERN }),
    version: Type.Optional(Type.String({ pattern: APP_VERSION_PATTERN })),
    ws: IdOrName,
    input: Type.String({ maxLength: 64, description: 'the input each object goes to' }),
    refs: Type.Array(Type.String({ maxLength: 1000 }), { minItems: 1, maxItems: 10_000, description: 'one job per object' }),
    inputs: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 1000 }), { description: 'inputs shared by every job' })),
    params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    parallel: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'at most this many at once' })),
    narrative: Type.Optional(RunOrigin),
  },
  { additionalProperties: false },
);
export type BulkRunRequest = Static<typeof BulkRunRequest>;

const failure = <K extends string, P extends TProperties = {}>(kind: K, fields?: P) => Type.Object({ kind: Type.Literal(kind), ...(fields ?? ({} as P)) });
const Explained = { message: Type.Optional(Type.String({ description: 'the figures in one sentence, for people' })) };

/** Why a job failed. Older records have no figures or message: every field but `kind`, `code` and `detail` is optional. */
export const FailureReason = Type.Union([
  failure('exit-code', { code: Type.Integer() }),
  failure('out-of-memory', { limitMiB: Type.Optional(Type.Number()), peakMiB: Type.Optional(Type.Union([Type.Number(), Type.Null()], { description: 'null: not measured' })), ...Explained }),
  failure('walltime', { limitSeconds: Type.Optional(Type.Number()), ranSeconds: Type.Optional(Type.Number()), ...Explained }),
  failure('node-failure', { detail: Type.String() }),
  failure('preempted'),
  failure('launcher-error', { detail: Type.String() }),
  failure('dependency', { detail: Type.String({ description: 'the earlier step of the run that did not complete' }) }),
  failure('invalid-outputs', { detail: Type.String() }),
  failure('lost', { detail: Type.String() }),
]);

const Nullable = <T extends TSchema>(schema: T, description?: string) => Type.Union([schema, Type.Null()], description ? { description } : {});

/** What every job has, whatever its state. */
const JobCommon = {
  id: Type.Integer(),
  app: Type.String(),
  version: Type.String(),
  user: Type.String(),
  wsid: Type.Integer(),
  scheduler: Type.String(),
  params: Type.Record(Type.String(), Type.Unknown()),
  inputs: Type.Array(Type.Object({
    name: Type.String(),
    given: Type.String(),
    resolved: Type.String({ description: 'wsid/objid/ver; empty until an input from an earlier step is saved' }),
    from: Type.Optional(Type.Object({ job: Type.Integer(), output: Type.String() }, { description: 'the earlier step of a narrative run whose output this is' })),
  })),
  attempt: Type.Integer(),
  retryOf: Nullable(Type.Integer()),
  /** The job that ran this one again (a retry or an automatic resubmission), if any. */
  retriedBy: Nullable(Type.Integer()),
  /** The job this one re-runs from its provenance; `verify`: its outputs are compared with that job's. */
  rerunOf: Nullable(Type.Integer()),
  verify: Type.Boolean(),
  resources: Type.Object(
    { cpus: Type.Integer(), memoryMiB: Type.Integer(), timeMinutes: Type.Integer(), gpus: Type.Integer() },
    { description: "what the job asked the scheduler for (the app's resources, or more on a resubmission)" },
  ),
  narrative: Nullable(Type.Object({ id: Type.Integer(), version: Nullable(Type.Integer()), cell: Nullable(Type.String()) }), 'the narrative and cell the run was started from; null when none'),
  createdAt: Type.String(),
};

/** What an ended job's app used, as the job wrapper measured it on the node; a figure nothing measured is null. */
export const JobUsage = Type.Object(
  {
    cpuSeconds: Nullable(Type.Number(), 'CPU time, user and system, of the app\'s processes'),
    peakMemoryMiB: Nullable(Type.Number(), 'the most memory the app held (page cache included, as its limit counts it)'),
    wallSeconds: Nullable(Type.Number(), 'how long the app ran'),
  },
  { description: 'compare with `resources`: what the job asked for' },
);
export type JobUsage = Static<typeof JobUsage>;

/** Where an ended job got to: a job cancelled or failed before it ran has no scheduler id, node or start. */
const Ended = {
  schedulerId: Nullable(Type.String()),
  node: Nullable(Type.String()),
  startedAt: Nullable(Type.String()),
  endedAt: Type.String(),
  usage: Nullable(JobUsage, 'what the app used; null when it never ran or nothing of it was recorded'),
};

const state = <S extends string, P extends TProperties>(name: S, fields: P, description: string) =>
  Type.Object({ ...JobCommon, state: Type.Literal(name), ...fields }, { title: `Job${name[0]!.toUpperCase()}${name.slice(1)}`, description });

/**
 * A job, told apart by `state`: each state carries only its own fields (the
 * queue reason only while queued, the failure only when failed, outputs only
 * when completed). The moves between states are in domain/jobs/states.ts.
 */
export const Job = Type.Union([
  state('created', {}, 'accepted, not yet handed to the scheduler'),
  state('queued', {
    schedulerId: Type.String(),
    queueReason: Nullable(Type.String(), "the scheduler's own word (Slurm's pending reason)"),
    queuePosition: Nullable(Type.Integer(), 'the order among pending jobs: 1 starts next'),
    waiting: Type.String({ description: 'the reason and position in plain words, e.g. "waiting for free CPUs/memory: 2 jobs ahead"' }),
  }, 'waiting in the scheduler'),
  state('running', { schedulerId: Type.String(), node: Nullable(Type.String()), startedAt: Nullable(Type.String()) }, 'running on a node'),
  state('completed', {
    ...Ended,
    outputs: Type.Array(Type.String({ description: 'wsid/objid/ver' })),
    verification: Nullable(VerificationReport, 'a verified re-run: its outputs compared with the original job\'s'),
  }, 'ended, its outputs saved'),
  state('failed', {
    ...Ended,
    failure: FailureReason,
    resubmitting: Type.Boolean({ description: "the app's retry policy resubmits this failure and it has not been resubmitted yet: `retriedBy` will name the new job" }),
  }, 'ended without outputs, for the reason given'),
  state('cancelled', Ended, 'stopped at a user\'s request'),
]);
export type Job = Static<typeof Job>;

export const RerunRequest = Type.Object(
  { verify: Type.Optional(Type.Boolean({ default: true, description: "compare every output with the original job's, file by file, when the re-run ends" })) },
  { additionalProperties: false },
);
export type RerunRequest = Static<typeof RerunRequest>;

// The states from their one table (pure, no imports of its own).
const STATE_WORD = `(?:${JOB_STATES.join('|')})`;
/** One state or several, comma-separated: `queued,running`. */
const StateList = Type.String({ maxLength: 200, pattern: `^${STATE_WORD}(?:,${STATE_WORD})*$`, description: `states, comma-separated: ${JOB_STATES.join(', ')}` });

/** GET /jobs: the caller's jobs (an admin's `user`: another's), filtered, newest first, a page at a time. */
export const JobListQuery = Type.Object(
  {
    state: Type.Optional(Type.Union([StateList, Type.Array(StateList, { maxItems: 20 })], { description: 'only jobs in these states: repeat the parameter or separate them with commas' })),
    app: Type.Optional(Type.String({ pattern: APP_ID_PATTERN, description: 'only runs of this app (module/name), any version' })),
    narrative: Type.Optional(PositiveInt),
    cell: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001f\\u007f]+$', description: "only runs of this cell (its nbformat id); needs `narrative`" })),
    since: Type.Optional(Type.String({ format: 'date-time', description: 'made at or after this time (ISO 8601)' })),
    until: Type.Optional(Type.String({ format: 'date-time', description: 'made before this time (ISO 8601)' })),
    user: Type.Optional(Type.String({ pattern: NAME_PATTERN, description: "a user name (admins only): that user's jobs instead of the caller's" })),
    limit: Type.Optional(PageLimit(100)),
    cursor: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,100}$', description: 'the `next` of the page before, where this page starts' })),
  },
  { additionalProperties: false },
);
export type JobListQuery = Static<typeof JobListQuery>;

export const JobPage = Type.Object({
  items: Type.Array(Job),
  next: Nullable(Type.String(), 'the `cursor` of the next page; null on the last'),
});
export type JobPage = Static<typeof JobPage>;

/** The most a lookup may ask for: a large narrative's app cells in one request. */
export const JOB_LOOKUP_IDS = 1000;
export const JOB_LOOKUP_LOG_LINES = 500;

/** POST /jobs/lookup: many jobs at once, as a narrative opening restores its app cells. */
export const JobLookupRequest = Type.Object(
  {
    ids: Type.Array(PositiveInt, { maxItems: JOB_LOOKUP_IDS, description: 'job ids; one given twice is answered once' }),
    logTail: Type.Optional(Type.Integer({ minimum: 0, maximum: JOB_LOOKUP_LOG_LINES, default: 0, description: 'for each ended job found: its last this many complete log lines' })),
    cellRuns: Type.Optional(Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1, description: "a narrative id: count the caller's own jobs of each of its cells (as GET /jobs?narrative=&cell= lists them)" })),
  },
  { additionalProperties: false },
);
export type JobLookupRequest = Static<typeof JobLookupRequest>;

export const JobLookup = Type.Object({
  jobs: Type.Array(Job, { description: 'each as GET /jobs/{id} describes it, in the order first asked' }),
  missing: Type.Array(Type.Integer(), { description: 'ids of jobs that do not exist or that the caller may not read (not told apart), in the order asked' }),
  logs: Type.Array(
    Type.Object({
      id: Type.Integer(),
      lines: Type.Array(Type.Object({ t: Type.String(), stream: Type.String(), text: Type.String() }), { description: 'oldest first' }),
      truncated: Type.Boolean({ description: 'earlier lines exist that were not returned' }),
    }),
    { description: 'one per ended job found whose log could be read (ask GET /jobs/{id}/log for the others), when `logTail` > 0' },
  ),
  cellRuns: Type.Record(
    Type.String(),
    Type.Object({ runs: Type.Integer({ description: 'how many' }), latest: Type.Integer({ description: 'the id of the newest' }) }),
    { description: "cell id → the caller's runs of it, cells with none absent; {} when not asked, signed out, or the narrative is not readable" },
  ),
});
export type JobLookup = Static<typeof JobLookup>;

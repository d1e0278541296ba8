import { Type, type Static, type TProperties, type TSchema } from '@sinclair/typebox';
import { IdOrName, PositiveInt } from './common.js';
import { APP_ID_PATTERN, APP_VERSION_PATTERN } from './app-spec.js';
import { VerificationReport } from './verification.js';

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
  createdAt: Type.String(),
};

/** Where an ended job got to: a job cancelled or failed before it ran has no scheduler id, node or start. */
const Ended = {
  schedulerId: Nullable(Type.String()),
  node: Nullable(Type.String()),
  startedAt: Nullable(Type.String()),
  endedAt: Type.String(),
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
  state('queued', { schedulerId: Type.String(), queueReason: Nullable(Type.String()), queuePosition: Nullable(Type.Integer()) }, 'waiting in the scheduler'),
  state('running', { schedulerId: Type.String(), node: Nullable(Type.String()), startedAt: Nullable(Type.String()) }, 'running on a node'),
  state('completed', {
    ...Ended,
    outputs: Type.Array(Type.String({ description: 'wsid/objid/ver' })),
    verification: Nullable(VerificationReport, 'a verified re-run: its outputs compared with the original job\'s'),
  }, 'ended, its outputs saved'),
  state('failed', { ...Ended, failure: FailureReason }, 'ended without outputs, for the reason given'),
  state('cancelled', Ended, 'stopped at a user\'s request'),
]);
export type Job = Static<typeof Job>;

export const RerunRequest = Type.Object(
  { verify: Type.Optional(Type.Boolean({ default: true, description: "compare every output with the original job's, file by file, when the re-run ends" })) },
  { additionalProperties: false },
);
export type RerunRequest = Static<typeof RerunRequest>;

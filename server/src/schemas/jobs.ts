import { Type, type Static, type TProperties } from '@sinclair/typebox';
import { IdOrName } from './common.js';
import { APP_ID_PATTERN, APP_VERSION_PATTERN } from './app-spec.js';

export const RunRequest = Type.Object(
  {
    app: Type.String({ pattern: APP_ID_PATTERN, description: 'module/name' }),
    version: Type.Optional(Type.String({ pattern: APP_VERSION_PATTERN, description: 'default: the newest registered' })),
    ws: IdOrName,
    inputs: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 1000 }), { description: 'input name → object reference' })),
    params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    clientRequestId: Type.Optional(Type.String({ minLength: 8, maxLength: 100, description: 'repeating a request with the same id returns the first job' })),
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
  failure('invalid-outputs', { detail: Type.String() }),
  failure('lost', { detail: Type.String() }),
]);

export const Job = Type.Object({
  id: Type.Integer(),
  app: Type.String(),
  version: Type.String(),
  user: Type.String(),
  wsid: Type.Integer(),
  state: Type.String(),
  failure: Type.Union([FailureReason, Type.Null()]),
  scheduler: Type.String(),
  schedulerId: Type.Union([Type.String(), Type.Null()]),
  node: Type.Union([Type.String(), Type.Null()]),
  queueReason: Type.Union([Type.String(), Type.Null()]),
  queuePosition: Type.Union([Type.Integer(), Type.Null()]),
  params: Type.Record(Type.String(), Type.Unknown()),
  inputs: Type.Array(Type.Object({ name: Type.String(), given: Type.String(), resolved: Type.String() })),
  outputs: Type.Union([Type.Array(Type.String()), Type.Null()]),
  attempt: Type.Integer(),
  retryOf: Type.Union([Type.Integer(), Type.Null()]),
  /** The job that ran this one again (a retry or an automatic resubmission), if any. */
  retriedBy: Type.Union([Type.Integer(), Type.Null()]),
  createdAt: Type.String(),
  startedAt: Type.Union([Type.String(), Type.Null()]),
  endedAt: Type.Union([Type.String(), Type.Null()]),
});
export type Job = Static<typeof Job>;

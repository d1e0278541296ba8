import { Type, type Static } from '@sinclair/typebox';
import { Ref, Sha256, Timestamp } from './common.js';

/** An input as the user gave it, and the numeric reference the server resolved it to. */
export const ResolvedInput = Type.Object({
  given: Type.String(),
  resolved: Ref,
});

export const SourceFile = Type.Object({
  filename: Type.String(),
  sha256: Sha256,
  size: Type.Integer({ minimum: 0 }),
});

/** Where an app run or a save was started: the narrative, its notebook's version when known, and the cell. */
export const NarrativeOrigin = Type.Object({
  id: Type.Integer(),
  version: Type.Optional(Type.Integer()),
  cell: Type.Optional(Type.String()),
});

/**
 * How an app run made an object: what ran (app version, image digest), where
 * and with what (scheduler, node, the container launcher and its version, the
 * job wrapper's version, what the host injected), and with which params.
 * Fields added later are optional, so records from older servers still read.
 */
export const AppRun = Type.Object({
  id: Type.String({ description: 'module/name' }),
  version: Type.String(),
  imageDigest: Type.String(),
  runtime: Type.Object({ name: Type.String(), version: Type.String() }, { description: 'the container launcher on the node, and its version' }),
  wrapper: Type.Optional(Type.Object({ version: Type.String() }, { description: 'the job wrapper that ran the launcher' })),
  injections: Type.Array(Type.Object({ kind: Type.String(), how: Type.String(), hostVersion: Type.Optional(Type.String()) }), { description: 'GPU or MPI pieces of the host used inside the container' }),
  params: Type.Record(Type.String(), Type.Unknown()),
  jobId: Type.Integer({ description: "the job on this server; 0 for an imported version whose run the archive did not carry (see originalJobId)" }),
  originalJobId: Type.Optional(Type.Integer({ description: 'for an imported version, the job that made it on the server it came from' })),
  attempt: Type.Optional(Type.Integer()),
  scheduler: Type.String(),
  schedulerId: Type.Union([Type.String(), Type.Null()]),
  node: Type.Union([Type.String(), Type.Null()]),
  startedAt: Type.String(),
  endedAt: Type.String(),
  exitCode: Type.Union([Type.Integer(), Type.Null()]),
  environment: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'what the platform fixed for repeatable output: SOURCE_DATE_EPOCH, TZ, locale' })),
  rerunOf: Type.Optional(Type.Integer({ description: 'the job this run repeated from its provenance' })),
  usage: Type.Optional(Type.Object(
    {
      cpuSeconds: Type.Union([Type.Number(), Type.Null()]),
      peakMemoryMiB: Type.Union([Type.Number(), Type.Null()]),
      wallSeconds: Type.Number(),
    },
    { description: 'what the run used, as the job wrapper measured it on the node (CPU time, peak memory, how long it ran); null: not measured' },
  )),
});
export type AppRun = Static<typeof AppRun>;
export type NarrativeOrigin = Static<typeof NarrativeOrigin>;

/**
 * Provenance of one object version. `kind` says how its content came to be;
 * a copy or revert keeps the provenance of the version it repeats and adds
 * `copiedFrom` / `revertedFrom`. The app-run block is filled by the execution service.
 */
export const Provenance = Type.Object({
  kind: Type.Union([
    Type.Literal('upload'),
    Type.Literal('save'),
    Type.Literal('app'),
  ]),
  user: Type.String(),
  at: Timestamp,
  description: Type.Optional(Type.String({ maxLength: 10_000 })),
  inputs: Type.Array(ResolvedInput),
  sourceFiles: Type.Optional(Type.Array(SourceFile)),
  copiedFrom: Type.Optional(Ref),
  revertedFrom: Type.Optional(Ref),
  app: Type.Optional(AppRun),
  narrative: Type.Optional(NarrativeOrigin),
});
export type Provenance = Static<typeof Provenance>;
export type ResolvedInput = Static<typeof ResolvedInput>;
export type SourceFile = Static<typeof SourceFile>;

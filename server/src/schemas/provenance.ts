import { Type, type Static } from '@sinclair/typebox';
import { IMAGE_DIGEST_PATTERN, Ref, Sha256, Timestamp } from './common.js';

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

/** The longest cell source a save from code may send; its sha256 always covers all of it. */
export const CODE_SOURCE_MAX = 1_000_000;
/** How much of that source the provenance keeps (the digest stands for the rest). */
export const CODE_SOURCE_KEPT = 65_536;

/**
 * What a kernel says about the code saving an object (the `narrative` client
 * sends it): the executing cell's id and source. These are the user's own
 * claims, recorded as given; the server refuses them from anything but a
 * kernel's token.
 */
export const CodeClaim = Type.Object(
  {
    cell: Type.Union([Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001f\\u007f]+$' }), Type.Null()], { description: "the executing cell's id, as JupyterLab sends it in the execute request's metadata" }),
    source: Type.Union([Type.String({ maxLength: CODE_SOURCE_MAX }), Type.Null()], { description: "the executing cell's source" }),
  },
  { additionalProperties: false },
);
export type CodeClaim = Static<typeof CodeClaim>;

/**
 * How code in a narrative's kernel made an object: the cell and its source (by
 * digest, and the source itself up to CODE_SOURCE_KEPT characters), the kernel's
 * image, and what the kernel read. The image and `inputs` are the server's own
 * record (the kernel's kernelspec when its token was minted; the versions that
 * token read before the save); cell and source are what the kernel said (null
 * when it said nothing, e.g. a save from a script the kernel ran).
 */
export const CodeRun = Type.Object({
  cell: Type.Union([Type.String(), Type.Null()]),
  sourceSha256: Type.Union([Sha256, Type.Null()], { description: "sha256 of the cell's whole source (UTF-8)" }),
  source: Type.Union([Type.String(), Type.Null()]),
  sourceTruncated: Type.Boolean({ description: 'the source is longer than what is kept here' }),
  kernelImage: Type.Union([Type.String({ pattern: IMAGE_DIGEST_PATTERN }), Type.Null()], { description: "the kernel's image by digest, as its kernelspec names it; null: the host's Python" }),
  inputs: Type.Array(Ref, { description: 'the versions the kernel read through its token before this save, in the order first read' }),
});
export type CodeRun = Static<typeof CodeRun>;
export type NarrativeOrigin = Static<typeof NarrativeOrigin>;

/**
 * Provenance of one object version. `kind` says how its content came to be;
 * a copy or revert keeps the provenance of the version it repeats and adds
 * `copiedFrom` / `revertedFrom`. The app-run block is filled by the execution service;
 * the code block by a save with a kernel's token (kind `code`).
 */
export const Provenance = Type.Object({
  kind: Type.Union([
    Type.Literal('upload'),
    Type.Literal('save'),
    Type.Literal('app'),
    Type.Literal('code'),
  ]),
  user: Type.String(),
  at: Timestamp,
  description: Type.Optional(Type.String({ maxLength: 10_000 })),
  inputs: Type.Array(ResolvedInput),
  sourceFiles: Type.Optional(Type.Array(SourceFile)),
  copiedFrom: Type.Optional(Ref),
  revertedFrom: Type.Optional(Ref),
  app: Type.Optional(AppRun),
  code: Type.Optional(CodeRun),
  narrative: Type.Optional(NarrativeOrigin),
});
export type Provenance = Static<typeof Provenance>;
export type ResolvedInput = Static<typeof ResolvedInput>;
export type SourceFile = Static<typeof SourceFile>;

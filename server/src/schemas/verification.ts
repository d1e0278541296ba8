import { Type, type Static } from '@sinclair/typebox';

const FileSide = Type.Object({ sha256: Type.String(), size: Type.Integer({ minimum: 0 }) });

/** One file of an output, as the original run and the re-run made it. */
export const FileComparison = Type.Object({
  name: Type.String(),
  status: Type.Union([Type.Literal('identical'), Type.Literal('different'), Type.Literal('only-original'), Type.Literal('only-rerun')]),
  original: Type.Optional(FileSide),
  rerun: Type.Optional(FileSide),
  firstDifference: Type.Optional(Type.Object(
    { line: Type.Integer({ minimum: 1 }), original: Type.Union([Type.String(), Type.Null()]), rerun: Type.Union([Type.String(), Type.Null()]) },
    { description: 'for text files: the first line that differs (null: that side had no such line), each cut to 200 characters' },
  )),
});
export type FileComparison = Static<typeof FileComparison>;

/** One output of the app: identical when its data and every file are. */
export const OutputComparison = Type.Object({
  name: Type.String(),
  identical: Type.Boolean(),
  dataIdentical: Type.Boolean({ description: "the output's JSON data, compared with keys in order" }),
  original: Type.Union([Type.String(), Type.Null()], { description: "the original's version of this output (null: it made none)" }),
  /** The re-run's version: the original's own when identical (recorded as a verification of it), a new version when not. */
  saved: Type.String(),
  files: Type.Array(FileComparison),
});
export type OutputComparison = Static<typeof OutputComparison>;

/**
 * What a verified re-run found: whether every output is the same bytes as
 * the original run's, and where not, which file and from which line.
 */
export const VerificationReport = Type.Object({
  original: Type.Integer({ description: 'the job re-run' }),
  identical: Type.Boolean(),
  /** An app declared `deterministic: false` is not expected to give the same bytes: a difference is then no failure of reproducibility. */
  expected: Type.Union([Type.Literal('identical'), Type.Literal('not-deterministic')]),
  files: Type.Object({ total: Type.Integer(), identical: Type.Integer(), different: Type.Integer() }),
  outputs: Type.Array(OutputComparison),
});
export type VerificationReport = Static<typeof VerificationReport>;

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
  app: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  narrative: Type.Optional(Type.Object({ id: Type.Integer(), cell: Type.Optional(Type.String()) })),
});
export type Provenance = Static<typeof Provenance>;
export type ResolvedInput = Static<typeof ResolvedInput>;
export type SourceFile = Static<typeof SourceFile>;

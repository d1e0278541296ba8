import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Ref, Sha256 } from './common.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** One property of the two runs: its value in each (null where a run has none yet) and whether they are equal. */
const Compared = <T extends TSchema>(value: T, description: string) =>
  Type.Object({ same: Type.Boolean(), a: value, b: value }, { description });

/** Which two jobs were compared: enough to name them without reading them again. */
export const DiffedJob = Type.Object({
  id: Type.Integer(),
  app: Type.String(),
  version: Type.String(),
  state: Type.String(),
  user: Type.String(),
  createdAt: Type.String(),
});

const Package = Type.Object({ name: Type.String(), version: Type.String() });

/** The Debian packages of the two images, from the lists the image store read from each image's dpkg status. */
export const PackageDiff = Type.Object({
  same: Type.Boolean({ description: 'one image, or two images with the same packages' }),
  known: Type.Boolean({ description: 'false when an image is not in this server\'s store (placed by the operator), so its packages are not known here' }),
  count: Compared(Nullable(Type.Integer()), 'how many packages each image holds; null where not known'),
  added: Type.Array(Package, { description: 'in b\'s image only' }),
  removed: Type.Array(Package, { description: 'in a\'s image only' }),
  changed: Type.Array(Type.Object({ name: Type.String(), a: Type.String(), b: Type.String() }), { description: 'in both, at different versions' }),
});

export const ParamDiff = Type.Object({
  name: Type.String(),
  same: Type.Boolean(),
  a: Type.Optional(Type.Unknown({ description: 'absent: run a had no such param' })),
  b: Type.Optional(Type.Unknown({ description: 'absent: run b had no such param' })),
});

export const InputDiff = Type.Object({
  name: Type.String(),
  same: Type.Boolean({ description: 'both runs read the same object version, however it was given' }),
  given: Compared(Nullable(Type.String()), 'the reference as the user gave it; null where the run had no such input'),
  resolved: Compared(Nullable(Ref), 'the object version it resolved to'),
});

const OutputFile = Type.Object({ ref: Ref, sha256: Sha256, size: Type.Integer({ minimum: 0 }) });

export const OutputFileDiff = Type.Object({
  output: Type.String({ description: 'the app\'s output name' }),
  file: Type.String(),
  same: Type.Boolean({ description: 'both runs made this file, with the same sha256' }),
  a: Nullable(OutputFile),
  b: Nullable(OutputFile),
});

/**
 * What differs between two runs, a and b, property by property: what ran
 * (app version, image and its packages), with what (params, inputs), where
 * and how (launcher, wrapper, node, resources), how it ended, and what it made,
 * file by file. A run that did not complete has no output files.
 */
export const JobDiff = Type.Object({
  a: DiffedJob,
  b: DiffedJob,
  same: Type.Boolean({ description: 'every property below is the same' }),
  state: Compared(Type.String(), 'the state each job is in'),
  app: Compared(Type.String(), 'module/name'),
  version: Compared(Type.String(), 'the app version'),
  imageDigest: Compared(Nullable(Type.String()), 'the image each app version ran'),
  packages: PackageDiff,
  params: Type.Object({ same: Type.Boolean(), items: Type.Array(ParamDiff, { description: 'every param either run had, by name' }) }),
  inputs: Type.Object({ same: Type.Boolean(), items: Type.Array(InputDiff, { description: 'every input either run had, by name' }) }),
  runtime: Compared(Nullable(Type.Object({ name: Type.String(), version: Type.String() })), 'the container launcher on the node, as the job wrapper reported it'),
  wrapper: Compared(Nullable(Type.String()), 'the job wrapper\'s version'),
  node: Compared(Nullable(Type.String()), 'where it ran'),
  resources: Type.Object({
    same: Type.Boolean(),
    cpus: Compared(Type.Number(), 'CPUs asked for'),
    memoryMiB: Compared(Type.Number(), 'memory asked for'),
    timeMinutes: Compared(Type.Number(), 'time limit'),
    gpus: Compared(Type.Number(), 'GPUs asked for'),
  }),
  exitCode: Compared(Nullable(Type.Integer()), 'the app\'s exit code; null where it did not exit (not run yet, killed, the launcher failed)'),
  durationSeconds: Compared(Nullable(Type.Number()), 'from start to end on the node'),
  outputs: Type.Object({ same: Type.Boolean(), files: Type.Array(OutputFileDiff, { description: 'every output file either run made, by output and file name' }) }),
});
export type JobDiff = Static<typeof JobDiff>;
export type PackageDiff = Static<typeof PackageDiff>;
export type OutputFileDiff = Static<typeof OutputFileDiff>;
export type DiffedJob = Static<typeof DiffedJob>;

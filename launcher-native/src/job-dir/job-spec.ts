import { isAbsolute } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { writeFileDurably } from '../files/durable-file.js';
import { checker, readJsonFile } from './check.js';
import { FILE_NAMES, filePath, writeArrayTaskFiles } from './layout.js';

export const ImageFormat = Type.Union([Type.Literal('directory'), Type.Literal('squashfs'), Type.Literal('oci-archive'), Type.Literal('docker-image'), Type.Literal('sif')]);
export type ImageFormat = Static<typeof ImageFormat>;

export const RuntimeName = Type.Union([Type.Literal('charliecloud'), Type.Literal('docker'), Type.Literal('podman'), Type.Literal('apptainer'), Type.Literal('shifter'), Type.Literal('podman-hpc')]);
export type RuntimeName = Static<typeof RuntimeName>;

const Account = Type.Object({ uid: Type.Integer(), gid: Type.Integer(), user: Type.String() });

/** An input object: each file is copied to /in/<input name>/<file name> and checked against its sha256. */
export const ObjectInput = Type.Object({
  name: Type.String(),
  ref: Type.String(),
  type: Type.String(),
  data: Type.Unknown(),
  files: Type.Array(Type.Object({ name: Type.String(), path: Type.String(), sha256: Type.String() })),
});
export type ObjectInput = Static<typeof ObjectInput>;

/**
 * An input made by an upstream job of the same run, not yet saved as an object: the files
 * that job's app declared for `output` (in its outputs.json), from its out/, checked against
 * the sha256 its result lists, with the data it declared. `type` is what the server expects
 * the output to be; a declaration naming another type is refused, one naming none takes it.
 */
export const UpstreamInput = Type.Object({
  name: Type.String(),
  type: Type.Optional(Type.String()),
  from: Type.Object({ jobDir: Type.String(), output: Type.String() }),
});
export type UpstreamInput = Static<typeof UpstreamInput>;

/** The names input files get under /in/<input>/; the same rule for an object's files and an upstream job's. */
export const INPUT_FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+=@,-]*$/;

/**
 * `<jobDir>/job.json`, written by the server for the wrapper. Everything a run
 * needs is here, resolved: image by digest, input files by blob path and
 * sha256. The app never sees this file.
 */
export const JobSpec = Type.Object({
  jobId: Type.String(),
  runtime: RuntimeName,
  image: Type.Object({ digest: Type.String(), format: ImageFormat, location: Type.String() }),
  /** The app's entry command (from its spec, never from user input). */
  argv: Type.Array(Type.String()),
  /** Parameters, written to /in/params.json. */
  params: Type.Record(Type.String(), Type.Unknown()),
  /** Each input: a saved object, or an upstream job's output. */
  inputs: Type.Array(Type.Union([ObjectInput, UpstreamInput])),
  env: Type.Record(Type.String(), Type.String()),
  network: Type.Boolean(),
  gpus: Type.Number(),
  mpi: Type.Boolean(),
  /** CPUs and memory the app may use, held by the wrapper; absent from job.json files written before limits were enforced. */
  cpus: Type.Optional(Type.Number()),
  memoryMiB: Type.Optional(Type.Number()),
  timeLimitSeconds: Type.Number(),
  /** The unprivileged account apps run as when the wrapper itself runs as root. */
  runAs: Type.Union([Account, Type.Null()]),
});
export type JobSpec = Static<typeof JobSpec>;

/** A spec the wrapper can run: it passed checkJobSpec, so it names its limits. */
export type RunnableJobSpec = JobSpec & { cpus: number; memoryMiB: number };

const checkShape = checker(FILE_NAMES.spec, JobSpec);

/** job.json as written, shape checked; throws InvalidJobFile when it is malformed, and when it is missing. */
export async function readJobSpec(jobDir: string): Promise<JobSpec> {
  const spec = await readJsonFile(filePath(jobDir, 'spec'), FILE_NAMES.spec, checkShape);
  if (!spec) throw new Error(`${jobDir} holds no ${FILE_NAMES.spec}`);
  return spec;
}

/** Written whole or not at all; 0600, since the environment it holds may carry the job's credentials. */
export async function writeJobSpec(jobDir: string, spec: JobSpec): Promise<void> {
  await writeFileDurably(filePath(jobDir, 'spec'), JSON.stringify(checkShape(spec), null, 2), 0o600);
}

/** A bulk run's `count` tasks, each its job directory and job.json (checked), written durably into its array directory (see writeArrayTaskFiles). */
export async function writeArrayTasks(arrayDir: string, count: number, taskAt: (index: number) => { jobDir: string; spec: JobSpec }): Promise<void> {
  await writeArrayTaskFiles(arrayDir, count, (index) => {
    const { jobDir, spec } = taskAt(index);
    return { jobDir, spec: checkShape(spec) };
  });
}

/** What a run needs of a spec beyond its shape: the rules the wrapper and the docker scheduler both hold it to. */
export function checkJobSpec(spec: JobSpec): RunnableJobSpec {
  const problems: string[] = [];
  if (spec.argv.length === 0) problems.push('argv must be a non-empty array of strings');
  if (!/^sha256:[0-9a-f]{64}$/.test(spec.image.digest)) problems.push('the image must be pinned by a sha256 digest');
  if (!(spec.timeLimitSeconds > 0)) problems.push('timeLimitSeconds must be positive');
  if (spec.memoryMiB === undefined || spec.cpus === undefined) problems.push('it names no cpus or memoryMiB (written by a server from before limits were enforced): run the job again');
  else {
    if (!Number.isSafeInteger(spec.memoryMiB) || spec.memoryMiB < 1) problems.push('memoryMiB must be a positive whole number');
    if (!(spec.cpus > 0)) problems.push('cpus must be positive');
  }
  for (const input of spec.inputs) {
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(input.name)) problems.push(`bad input name ${JSON.stringify(input.name)}`);
    if ('from' in input) {
      if (!isAbsolute(input.from.jobDir)) problems.push(`input ${input.name}: the upstream job directory must be an absolute path`);
      if (!input.from.output) problems.push(`input ${input.name}: no upstream output named`);
      if ('files' in input) problems.push(`input ${input.name}: names both files and an upstream job`);
    } else {
      for (const f of input.files) if (!INPUT_FILE_NAME.test(f.name)) problems.push(`bad file name ${JSON.stringify(f.name)}`);
    }
  }
  for (const [key, value] of Object.entries(spec.env)) {
    // The env file holds one KEY=VALUE a line: a newline in a value would smuggle in another variable.
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || /[\u0000\n\r]/.test(value)) problems.push(`bad environment entry ${JSON.stringify(key)}`);
  }
  if (problems.length > 0) throw new Error(`${FILE_NAMES.spec}: ${problems.join('; ')}`);
  return spec as RunnableJobSpec;
}

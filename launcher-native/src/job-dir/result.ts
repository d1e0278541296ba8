import { access } from 'node:fs/promises';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { writeFileDurably } from '../files/durable-file.js';
import { checker, InvalidJobFile, readJsonFile } from './check.js';
import { FILE_NAMES, filePath } from './layout.js';

/** What a runtime injects from the host (GPU drivers, MPI): recorded in provenance, since it differs between machines. */
export const Injection = Type.Object({
  kind: Type.Union([Type.Literal('gpu'), Type.Literal('mpi')]),
  how: Type.String(),
  /** The host's driver or MPI version, read on the node when the job ran. */
  hostVersion: Type.Optional(Type.String()),
});
export type Injection = Static<typeof Injection>;

/** How a limit was held: see docs/execution.md, "Resource limits". */
export const Enforcement = Type.Union([Type.Literal('cgroup-v1'), Type.Literal('rlimit-data'), Type.Literal('engine'), Type.Literal('none')]);
export type Enforcement = Static<typeof Enforcement>;

export const MemoryUse = Type.Object({
  limitMiB: Type.Number(),
  /** null where nothing measured it (a per-process rlimit). */
  peakMiB: Type.Union([Type.Number(), Type.Null()]),
  enforcedBy: Enforcement,
});
export type MemoryUse = Static<typeof MemoryUse>;

/**
 * What the app's run used, measured on the node: CPU time (user and system, of every process of
 * the app the measure reaches), its peak memory (as `memory.peakMiB`) and how long it ran.
 * null where nothing could measure it (see docs/execution.md, "What a run used").
 */
export const Usage = Type.Object({
  cpuSeconds: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
  peakMemoryMiB: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
  /** From the start of the app's container to its end: the staging of inputs and hashing of outputs are not in it. */
  wallSeconds: Type.Number({ minimum: 0 }),
});
export type Usage = Static<typeof Usage>;

/**
 * An input staged from an upstream job's output (job.json's `from`): which of its files, by
 * their path under its out/ as its result lists them, so the server can name the object
 * versions they were saved as.
 */
export const UpstreamUse = Type.Object({
  input: Type.String(),
  jobDir: Type.String(),
  /** The upstream job's id, as its result gives it. */
  jobId: Type.String(),
  output: Type.String(),
  files: Type.Array(Type.Object({ path: Type.String(), sha256: Type.String() })),
});
export type UpstreamUse = Static<typeof UpstreamUse>;

/** What every result says, however the run ended. */
const common = {
  jobId: Type.String(),
  startedAt: Type.String(),
  endedAt: Type.String(),
  node: Type.String(),
  runtime: Type.Object({ name: Type.String(), version: Type.String() }),
  /** The wrapper that wrote the result; absent from results written before it said. */
  wrapper: Type.Optional(Type.Object({ version: Type.String() })),
  injections: Type.Array(Injection),
  /** The memory limit as enforced, and the most the app held; absent when the app never started (and in older results). */
  memory: Type.Optional(MemoryUse),
  /** What the app used; absent when it never started (and in results written before it was measured). */
  usage: Type.Optional(Usage),
  /** Every file under /out with its sha256, sorted by path. */
  outputs: Type.Array(Type.Object({ path: Type.String(), sha256: Type.String(), size: Type.Number() })),
  /** /out/outputs.json as the app wrote it (checked by the server, see outputs.ts), or null. */
  declared: Type.Unknown(),
  /** The inputs staged from upstream jobs; absent when there were none (and in older results). */
  upstream: Type.Optional(Type.Array(UpstreamUse)),
};

/** The app's container ran and ended; `detail` names what is wrong with its outputs, if anything. */
const ran = <O extends string>(outcome: O) => Type.Object({
  outcome: Type.Literal(outcome),
  ...common,
  exitCode: Type.Union([Type.Integer(), Type.Null()]),
  signal: Type.Union([Type.String(), Type.Null()]),
  detail: Type.Union([Type.String(), Type.Null()]),
});

/**
 * `<jobDir>/result.json`, written last and whole: its presence means the wrapper finished.
 * One variant per outcome. 'out-of-memory' where the launcher saw the kernel kill for
 * memory (the wrapper's cgroup, the engine's OOMKilled); without a cgroup an OOM kill is an exit code.
 */
const VARIANTS = {
  exited: ran('exited'),
  'timed-out': ran('timed-out'),
  cancelled: ran('cancelled'),
  'out-of-memory': ran('out-of-memory'),
  /** The wrapper could not run the app (bad image, no account, a tampered input): `detail` says why. */
  'launcher-error': Type.Object({ outcome: Type.Literal('launcher-error'), ...common, exitCode: Type.Null(), signal: Type.Null(), detail: Type.String() }),
};
export const JobResult = Type.Union([VARIANTS.exited, VARIANTS['timed-out'], VARIANTS.cancelled, VARIANTS['out-of-memory'], VARIANTS['launcher-error']]);
export type JobResult = Static<typeof JobResult>;
export type Outcome = JobResult['outcome'];

const checks = Object.fromEntries(Object.entries(VARIANTS).map(([outcome, schema]) => [outcome, checker(FILE_NAMES.result, schema as TSchema)]));

/** Checked against the variant its outcome names, so an error says what is wrong with that variant rather than "no variant matches". */
function checkResult(value: unknown): JobResult {
  const outcome = (value as { outcome?: unknown } | null)?.outcome;
  const check = typeof outcome === 'string' ? checks[outcome] : undefined;
  if (!check) throw new InvalidJobFile(FILE_NAMES.result, `/outcome: expected one of ${Object.keys(VARIANTS).join(', ')}, not ${JSON.stringify(outcome)}`);
  return check(value) as JobResult;
}

/** The wrapper's result; null while there is none; InvalidJobFile when it is malformed. */
export function readResult(jobDir: string): Promise<JobResult | null> {
  return readJsonFile(filePath(jobDir, 'result'), FILE_NAMES.result, checkResult);
}

/** Written last, whole and synced: its presence tells the server the job ended. */
export async function writeResult(jobDir: string, result: JobResult): Promise<void> {
  await writeFileDurably(filePath(jobDir, 'result'), JSON.stringify(checkResult(result), null, 2), 0o644);
}

/** Whether the wrapper has finished (its result is written). */
export async function hasResult(jobDir: string): Promise<boolean> {
  return access(filePath(jobDir, 'result')).then(() => true, () => false);
}

import type { ImageFormat, Injection, Runtime } from '../runtimes/runtime.js';

/**
 * What the server writes into `<jobDir>/job.json` for the wrapper. Everything
 * a run needs is here, resolved: image by digest, input files by blob path
 * and sha256. The app never sees this file.
 */
export interface JobSpec {
  jobId: string;
  runtime: Runtime['name'];
  image: { digest: string; format: ImageFormat; location: string };
  /** The app's entry command (from its spec, never from user input). */
  argv: string[];
  /** Parameters, written to /in/params.json. */
  params: Record<string, unknown>;
  /** Input objects: each file is copied to /in/<input name>/<file name> and checked against its sha256. */
  inputs: { name: string; ref: string; type: string; data: unknown; files: { name: string; path: string; sha256: string }[] }[];
  env: Record<string, string>;
  network: boolean;
  gpus: number;
  mpi: boolean;
  /** CPUs and memory the app may use: the wrapper holds the container to them. */
  cpus: number;
  memoryMiB: number;
  timeLimitSeconds: number;
  /** The unprivileged account apps run as when the wrapper itself runs as root. */
  runAs: { uid: number; gid: number; user: string } | null;
}

/** `<jobDir>/result.json`, written last and atomically: its presence means the wrapper finished. */
export interface JobResult {
  jobId: string;
  /**
   * How the container ended. 'out-of-memory' where the launcher saw the kernel kill for memory
   * (the wrapper's cgroup, the engine's OOMKilled flag); without a cgroup an OOM kill is an exit code.
   */
  outcome: 'exited' | 'timed-out' | 'cancelled' | 'out-of-memory' | 'launcher-error';
  exitCode: number | null;
  signal: string | null;
  detail: string | null;
  startedAt: string;
  endedAt: string;
  node: string;
  runtime: { name: string; version: string };
  injections: Injection[];
  /** The memory limit as enforced, and the most the app held; absent when the app never started (and in older results). */
  memory?: MemoryUse;
  /** Every file under /out with its sha256, sorted by path. */
  outputs: { path: string; sha256: string; size: number }[];
  /** /out/outputs.json as the app wrote it (validated by the server), or null. */
  declared: unknown;
}

/** How a limit was held: see docs/execution.md, "Resource limits". */
export type Enforcement = 'cgroup-v1' | 'rlimit-data' | 'engine' | 'none';

export interface MemoryUse {
  limitMiB: number;
  /** null where nothing measured it (a per-process rlimit). */
  peakMiB: number | null;
  enforcedBy: Enforcement;
}

export const JOB_FILE = 'job.json';
export const RESULT_FILE = 'result.json';
export const LOG_FILE = 'log.jsonl';

export function checkJobSpec(spec: JobSpec): void {
  const problems: string[] = [];
  if (!Array.isArray(spec.argv) || spec.argv.length === 0 || !spec.argv.every((a) => typeof a === 'string')) problems.push('argv must be a non-empty array of strings');
  if (!/^sha256:[0-9a-f]{64}$/.test(spec.image?.digest ?? '')) problems.push('the image must be pinned by a sha256 digest');
  if (!(spec.timeLimitSeconds > 0)) problems.push('timeLimitSeconds must be positive');
  if (!Number.isSafeInteger(spec.memoryMiB) || spec.memoryMiB < 1) problems.push('memoryMiB must be a positive whole number');
  if (!(spec.cpus > 0)) problems.push('cpus must be positive');
  for (const input of spec.inputs ?? []) {
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(input.name)) problems.push(`bad input name ${JSON.stringify(input.name)}`);
    for (const f of input.files) if (!/^[A-Za-z0-9_][A-Za-z0-9_.+=@,-]*$/.test(f.name)) problems.push(`bad file name ${JSON.stringify(f.name)}`);
  }
  for (const [key, value] of Object.entries(spec.env ?? {})) {
    // The env file holds one KEY=VALUE a line: a newline in a value would smuggle in another variable.
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || /[\u0000\n\r]/.test(value)) problems.push(`bad environment entry ${JSON.stringify(key)}`);
  }
  if (problems.length > 0) throw new Error(`job.json: ${problems.join('; ')}`);
}

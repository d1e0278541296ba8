import type { ImageFormat, RuntimeName } from '../../job-dir/job-spec.js';
import type { Injection } from '../../job-dir/result.js';

export type { ImageFormat, Injection };

/**
 * A node-side container launcher: turns one run (image, binds, user, env,
 * argv, GPU/MPI needs) into argv arrays. Runtimes build commands; they never
 * run them, so each is tested by the argv it renders.
 */
export interface RunSpec {
  /** A stable name for the container, so it can be found and stopped. */
  name: string;
  image: { digest: string; format: ImageFormat; /** A path, or for docker-image an image id. */ location: string };
  binds: { source: string; target: string; readOnly: boolean }[];
  /** The only environment the app sees. */
  env: Record<string, string>;
  /** The same environment as `KEY=VALUE` lines in a file, for runtimes that read it from one (Charliecloud). */
  envFile: string;
  /**
   * A directory of this job's, owned by the app's account, where a runtime may keep
   * its state (podman's storage): runs share nothing and need no home directory.
   */
  stateDir: string;
  argv: string[];
  workdir: string;
  /** Unprivileged account to run as; runtimes that map the invoking user ignore it. */
  user: { uid: number; gid: number };
  network: boolean;
  gpus: number;
  mpi: boolean;
  /**
   * The job's limits. The wrapper holds the runtime's process to them (its cgroup); runtimes
   * whose container an engine starts outside that process (docker) pass them on as well.
   */
  cpus: number;
  memoryMiB: number;
}

export interface Runtime {
  readonly name: RuntimeName;
  /** Image formats it runs. */
  readonly formats: readonly ImageFormat[];
  /**
   * Set when an engine starts the container outside the runtime's process and so outside the
   * wrapper's cgroup (docker): what the wrapper would measure there is the CLI, not the app.
   */
  readonly runsOutsideWrapper?: boolean;
  /** Commands to run once before `run` (e.g. injecting host libraries into the image). */
  prepare(spec: RunSpec): string[][];
  run(spec: RunSpec): string[];
  /** Stops the container started by `run` (runtimes whose process dies with the job return null). */
  stop(spec: RunSpec): string[] | null;
  /** Commands to run once the container is gone, to release what the run left behind (podman's storage and pause process). */
  cleanup?(spec: RunSpec): string[][];
  injections(spec: RunSpec): Injection[];
  /** Prints the runtime's version, for provenance. */
  versionArgv(): string[];
}

export class UnsupportedRun extends Error {}

export function requireFormat(runtime: Runtime, spec: RunSpec): void {
  if (!runtime.formats.includes(spec.image.format)) {
    throw new UnsupportedRun(`${runtime.name} cannot run a ${spec.image.format} image; it runs ${runtime.formats.join(', ')}`);
  }
}

export function envFlags(flag: string, env: Record<string, string>): string[] {
  return Object.entries(env).flatMap(([key, value]) => [flag, `${key}=${value}`]);
}

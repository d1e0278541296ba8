import { availableParallelism, homedir } from 'node:os';
import type { Runtime } from '@narrative/launcher-native';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import { kernelConfigFrom, type KernelConfig } from './kernels/settings.js';

/** Server settings: embedded defaults, overridden by NARRATIVE_* environment variables, then by explicit options. */
export interface Config {
  /** Data directory: the SQLite database (unless `databaseUrl` names another), blobs, images, job directories, the first admin's token. */
  home: string;
  /** The PostgreSQL database that holds the metadata instead of the data directory's SQLite file (postgres://…); may hold a password, so never logged. */
  databaseUrl?: string;
  /** One of several servers sharing the database and data directory (server/src/replicas.ts); needs PostgreSQL and Slurm. */
  replica: boolean;
  host: string;
  port: number;
  typesDir: string;
  limits: Limits;
  logLevel: string;
  execution: ExecutionConfig;
  /** The built JupyterLab app served at /lab (default: the labextension package's dist/lab). */
  labDir?: string;
  /** Code cells: one Jupyter server per user, under a uid of that user's own, behind the kernel proxy (server/src/kernels/settings.ts). */
  kernels: KernelConfig;
  /**
   * The bundled apps (apps-catalog/apps), built and registered in the background on the
   * first start so a new install can run something at once: `auto` on the embedded default
   * (the local scheduler) for a data directory that began with them, not one from before
   * (server/src/bundled/first-start.ts); `on` whatever the scheduler, `off` never. (server/src/bundled/)
   */
  bundledApps: 'auto' | 'on' | 'off';
  /** Where the bundled apps are: one folder per app, as in apps-catalog/apps. */
  bundledAppsDir: string;
  /**
   * A directory of earlier image builds, one folder per app as `narrative app build --out`
   * leaves them (checked against the recipe's source digest before use), shared with other
   * servers and the tests; unset: a private one in the data directory. Refused unless it is
   * a directory (not a link) of the server's own user that nobody else may write to.
   */
  buildCache?: string;
}

export interface ExecutionConfig {
  /** `none` runs no apps. */
  scheduler: 'local' | 'slurm' | 'docker' | 'none';
  runtime: Runtime['name'];
  /** The unprivileged service account apps run as when jobs start as root. */
  runAs: string;
  /** A JSON file mapping platform user names to local (HPC) account names: their jobs run as those accounts. */
  accountMap?: string;
  /** Jobs the local scheduler runs at once. */
  slots: number;
  /** Length of a minute for the local scheduler's time limits; shortened only by tests of what happens at a limit. */
  localMinuteMs: number;
  slurm: { conf?: string; partition?: string; account?: string; jobcompLog?: string };
  /**
   * The Docker engine the `docker` scheduler runs jobs on (one container per job): its API
   * socket, and optionally the engine network for apps that ask for network (unset: refused).
   */
  docker: { socket: string; network?: string };
  /** How often unfinished jobs are reconciled with the scheduler. */
  reconcileMs: number;
}

/** The first admin's token, written by the first start into the data directory (mode 0600). */
export const ADMIN_TOKEN_FILE = 'admin-token';

export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.NARRATIVE_HOME ?? join(homedir(), '.narrative'));
}

export function loadConfig(overrides: Partial<Config> = {}, env: NodeJS.ProcessEnv = process.env): Config {
  return {
    home: defaultHome(env),
    ...(env.NARRATIVE_DATABASE_URL ? { databaseUrl: postgresUrl(env.NARRATIVE_DATABASE_URL) } : {}),
    replica: oneOf(env.NARRATIVE_REPLICA, ['on', 'off'] as const, 'off') === 'on',
    host: env.NARRATIVE_HOST ?? '127.0.0.1',
    port: numberFrom(env.NARRATIVE_PORT, 8765),
    typesDir: env.NARRATIVE_TYPES_DIR ?? fileURLToPath(new URL('../../apps-catalog/types', import.meta.url)),
    limits: {
      jsonBytes: numberFrom(env.NARRATIVE_MAX_JSON_BYTES, DEFAULT_LIMITS.jsonBytes),
      jsonDepth: numberFrom(env.NARRATIVE_MAX_JSON_DEPTH, DEFAULT_LIMITS.jsonDepth),
      blobBytes: numberFrom(env.NARRATIVE_MAX_FILE_BYTES, DEFAULT_LIMITS.blobBytes),
      imageBytes: numberFrom(env.NARRATIVE_MAX_IMAGE_BYTES, DEFAULT_LIMITS.imageBytes),
      archiveBytes: numberFrom(env.NARRATIVE_MAX_ARCHIVE_BYTES, DEFAULT_LIMITS.archiveBytes),
    },
    logLevel: env.NARRATIVE_LOG_LEVEL ?? 'info',
    ...(env.NARRATIVE_LAB_DIR ? { labDir: env.NARRATIVE_LAB_DIR } : {}),
    bundledApps: oneOf(env.NARRATIVE_BUNDLED_APPS, ['auto', 'on', 'off'] as const, 'auto'),
    bundledAppsDir: resolve(env.NARRATIVE_BUNDLED_APPS_DIR || fileURLToPath(new URL('../../apps-catalog/apps', import.meta.url))),
    ...(env.NARRATIVE_BUILD_CACHE ? { buildCache: resolve(env.NARRATIVE_BUILD_CACHE) } : {}),
    kernels: kernelConfigFrom(env),
    execution: {
      scheduler: oneOf(env.NARRATIVE_SCHEDULER, ['local', 'slurm', 'docker', 'none'] as const, 'local'),
      runtime: oneOf(env.NARRATIVE_RUNTIME, ['charliecloud', 'docker', 'podman', 'apptainer', 'shifter', 'podman-hpc'] as const, 'charliecloud'),
      runAs: env.NARRATIVE_RUN_AS ?? 'narrative-runner',
      ...(env.NARRATIVE_ACCOUNT_MAP ? { accountMap: env.NARRATIVE_ACCOUNT_MAP } : {}),
      slots: numberFrom(env.NARRATIVE_LOCAL_SLOTS, availableParallelism()),
      localMinuteMs: numberFrom(env.NARRATIVE_LOCAL_MINUTE_MS, 60_000),
      slurm: {
        ...(env.SLURM_CONF ? { conf: env.SLURM_CONF } : {}),
        ...(env.NARRATIVE_SLURM_PARTITION ? { partition: env.NARRATIVE_SLURM_PARTITION } : {}),
        ...(env.NARRATIVE_SLURM_ACCOUNT ? { account: env.NARRATIVE_SLURM_ACCOUNT } : {}),
        ...(env.NARRATIVE_SLURM_JOBCOMP_LOG ? { jobcompLog: env.NARRATIVE_SLURM_JOBCOMP_LOG } : {}),
      },
      docker: {
        socket: env.NARRATIVE_DOCKER_SOCKET ?? '/var/run/docker.sock',
        ...(env.NARRATIVE_DOCKER_NETWORK ? { network: env.NARRATIVE_DOCKER_NETWORK } : {}),
      },
      reconcileMs: numberFrom(env.NARRATIVE_RECONCILE_MS, 1000),
    },
    ...overrides,
  };
}

/**
 * `url` when it names a PostgreSQL database; otherwise an error naming where it came from (`givenAs`) and what is
 * accepted, without the URL, which may hold a password.
 */
export function postgresUrl(url: string, givenAs = 'NARRATIVE_DATABASE_URL'): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !['postgres:', 'postgresql:'].includes(parsed.protocol)) {
    throw new Error(`${givenAs} must be a PostgreSQL URL: postgres://user[:password]@host[:port]/database (or ?host=/socket/dir)`);
  }
  return url;
}

function oneOf<T extends string>(text: string | undefined, allowed: readonly T[], fallback: T): T {
  if (text === undefined || text === '') return fallback;
  if (!(allowed as readonly string[]).includes(text)) throw new Error(`"${text}" is not one of ${allowed.join(', ')}`);
  return text as T;
}

function numberFrom(text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`not a whole number: ${text}`);
  return value;
}

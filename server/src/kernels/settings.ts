import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Code-cell settings. Everything but `enabled` and `python` is optional, so that
 * a test (or an embedder) that passes `{ enabled, python }` gets the defaults
 * below rather than a type error; `kernelSettings` fills them in.
 */
export interface KernelConfig {
  /** NARRATIVE_KERNELS=on|off. */
  enabled: boolean;
  /** Debian's interpreter with jupyter_server and ipykernel (NARRATIVE_PYTHON). */
  python: string;
  /**
   * The uids (and, as the same numbers, gids) of users who are not in NARRATIVE_ACCOUNT_MAP:
   * user n gets first + n (NARRATIVE_KERNEL_UIDS=<first>-<last>).
   */
  uids?: { first: number; last: number };
  /** A kernel idle this long is shut down by its Jupyter server (NARRATIVE_KERNEL_IDLE_MINUTES). */
  idleSeconds?: number;
  /** A user's Jupyter server with no kernel this long is stopped (NARRATIVE_KERNEL_SERVER_IDLE_MINUTES). */
  serverIdleSeconds?: number;
  /** Address space of each kernel process (RLIMIT_AS), MiB (NARRATIVE_KERNEL_MEMORY_MIB). */
  memoryMiB?: number;
  /** Processes and threads of one user's kernels together (RLIMIT_NPROC, per uid) (NARRATIVE_KERNEL_PROCESSES). */
  processes?: number;
  /** The kernel images built and offered on first start, one folder each with a kernel.json (NARRATIVE_KERNEL_IMAGES_DIR). */
  imagesDir?: string;
  /**
   * What network a kernel in an image has (NARRATIVE_KERNEL_NETWORK): `none`, an empty network namespace
   * (ch-run has none of its own), or `host`, the machine's. The kernel's Jupyter sockets are files, so both work.
   */
  network?: KernelNetwork;
}

export const KERNEL_NETWORKS = ['none', 'host'] as const;
export type KernelNetwork = (typeof KERNEL_NETWORKS)[number];

export type KernelSettings = Required<KernelConfig>;

/**
 * Above the ranges Debian gives people (1000-59999) and systemd gives containers
 * (524288-1879048191), below 2^31, which some tools still treat as signed.
 */
export const DEFAULT_KERNEL_UIDS = { first: 2_000_000_000, last: 2_099_999_999 };

const DEFAULTS: Omit<KernelSettings, 'enabled' | 'python'> = {
  uids: DEFAULT_KERNEL_UIDS,
  idleSeconds: 60 * 60,
  serverIdleSeconds: 10 * 60,
  memoryMiB: 4096,
  // RLIMIT_NPROC counts threads too: numpy's BLAS alone starts one per core.
  processes: 512,
  imagesDir: fileURLToPath(new URL('../../../apps-catalog/kernels', import.meta.url)),
  network: 'none',
};

export function kernelSettings(config: KernelConfig): KernelSettings {
  return { ...DEFAULTS, ...config } as KernelSettings;
}

/** The `kernels` part of the configuration, from NARRATIVE_* variables. */
export function kernelConfigFrom(env: NodeJS.ProcessEnv): KernelConfig {
  const onOff = env.NARRATIVE_KERNELS || 'on';
  if (onOff !== 'on' && onOff !== 'off') throw new Error(`NARRATIVE_KERNELS: "${onOff}" is not one of on, off`);
  const minutes = (name: string, fallback: number) => positive(name, env[name], fallback / 60) * 60;
  return {
    enabled: onOff === 'on',
    python: env.NARRATIVE_PYTHON || '/usr/bin/python3',
    uids: uidRange(env.NARRATIVE_KERNEL_UIDS),
    idleSeconds: minutes('NARRATIVE_KERNEL_IDLE_MINUTES', DEFAULTS.idleSeconds),
    serverIdleSeconds: minutes('NARRATIVE_KERNEL_SERVER_IDLE_MINUTES', DEFAULTS.serverIdleSeconds),
    memoryMiB: positive('NARRATIVE_KERNEL_MEMORY_MIB', env.NARRATIVE_KERNEL_MEMORY_MIB, DEFAULTS.memoryMiB),
    processes: positive('NARRATIVE_KERNEL_PROCESSES', env.NARRATIVE_KERNEL_PROCESSES, DEFAULTS.processes),
    imagesDir: env.NARRATIVE_KERNEL_IMAGES_DIR ? resolve(env.NARRATIVE_KERNEL_IMAGES_DIR) : DEFAULTS.imagesDir,
    network: network(env.NARRATIVE_KERNEL_NETWORK),
  };
}

function network(text: string | undefined): KernelNetwork {
  const value = text || DEFAULTS.network;
  if (!(KERNEL_NETWORKS as readonly string[]).includes(value)) throw new Error(`NARRATIVE_KERNEL_NETWORK: "${value}" is not one of ${KERNEL_NETWORKS.join(', ')}`);
  return value as KernelNetwork;
}

function uidRange(text: string | undefined): { first: number; last: number } {
  if (!text) return DEFAULT_KERNEL_UIDS;
  const match = /^(\d+)-(\d+)$/.exec(text.trim());
  const [first, last] = match ? [Number(match[1]), Number(match[2])] : [NaN, NaN];
  // 1000 and up: never a system account's id; below 2^32 - 1, which is (uid_t)-1, "no change" to setresuid.
  if (!(first >= 1000 && first <= last && last < 2 ** 32 - 1)) throw new Error(`NARRATIVE_KERNEL_UIDS: "${text}" is not <first>-<last> with 1000 <= first <= last < 4294967295`);
  return { first, last };
}

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name}: not a positive whole number: ${text}`);
  return value;
}

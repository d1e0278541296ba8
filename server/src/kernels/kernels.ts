import { execFile } from 'node:child_process';
import { chmod, mkdir, readdir, rmdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { removeOwnedTree } from '@narrative/launcher-native';
import type { Config } from '../config.js';
import type { Context } from '../domain/context.js';
import { account } from '../execution.js';
import { JupyterPool } from './jupyter-pool.js';
import { KernelAccounts, loadAccountMap } from './kernel-accounts.js';
import { onKernelImagesChanged } from './kernel-images.js';
import { kernelProxy } from './kernel-proxy.js';
import { SharedKernelspecs } from './kernelspecs.js';
import { writeSharedConfig } from './launch.js';
import { kernelSettings } from './settings.js';
import { longestSocketPath, SOCKET_PATH_MAX } from './user-jupyter.js';

/** Each user's Jupyter directory is run/jupyter/<user id>; the settings they share, run/jupyter/shared. */
export const JUPYTER_DIR = join('run', 'jupyter');

export interface Kernels {
  proxy: ReturnType<typeof kernelProxy>;
  /** Stops every user's Jupyter server (and so their kernels). */
  stop(): Promise<void>;
}

/**
 * Code cells beside app cells: a Jupyter server per user, each under a uid of
 * that user's own (never root, the server's or the apps' account), and the
 * proxy in front of them. Starting them as another uid needs root; without it,
 * or without the parts it needs, the server serves everything else and logs
 * why code cells are off.
 */
export async function startKernels(ctx: Context, config: Config, logger: Logger): Promise<Kernels | null> {
  // What follows clears the data directory's kernels and revokes every kernel token: other replicas' too.
  if (config.replica) {
    if (config.kernels.enabled) logger.warn('code cells are off: this server is one of several replicas sharing the data directory, which kernels do not support yet');
    return null;
  }
  const dir = join(config.home, JUPYTER_DIR);
  // What a crashed or killed run left (users' directories, connection files) goes, kernels on or off.
  // Safe: this process holds the data directory's lock, so no other server's children use it.
  await removeLeftovers(dir, logger);
  // Their tokens too: a copy taken by code that ran before a crash or kill must not outlive its kernel.
  await ctx.store.revokeKernelTokens(ctx.now());
  if (!config.kernels.enabled) return null;
  const settings = kernelSettings(config.kernels);
  const off = (why: string) => {
    logger.warn(`code cells are off: ${why}`);
    return null;
  };
  if (process.getuid?.() !== 0) return off("the server must run as root to start each user's kernels under a uid of their own");
  const closed = await untraversable(config.home);
  if (closed) return off(`kernels' uids cannot reach the data directory: ${closed} is not traversable by others (put NARRATIVE_HOME where every parent directory is, e.g. under /var/lib)`);
  // Checked again for each user's actual id; a million users is the margin asked for here.
  const over = longestSocketPath(join(dir, '999999')) - SOCKET_PATH_MAX;
  if (over > 0) return off(`the data directory's path (${config.home}) is too long for the kernels' Unix sockets: shorten it by ${over} characters`);
  const missing = await pythonMissing(settings.python);
  if (missing) return off(`${settings.python} cannot run jupyter_server and ipykernel (Debian's python3-jupyter-server and python3-ipykernel): ${missing}`);
  let mapped;
  try {
    mapped = ctx.execution ? ctx.execution.accounts : await loadAccountMap(config.execution.accountMap);
  } catch (error) {
    return off(`NARRATIVE_ACCOUNT_MAP: ${(error as Error).message}`);
  }
  // Each user's directory must be reachable by that user's uid: the data directory, run/ and run/jupyter/
  // are traversable, not listable (no one learns which users have one); the user's own is 0700 and theirs.
  await chmod(config.home, 0o711);
  for (const d of [join(config.home, 'run'), dir]) {
    await mkdir(d, { recursive: true, mode: 0o711 });
    await chmod(d, 0o711);
  }
  const shared = join(dir, 'shared');
  await writeSharedConfig(shared, settings);
  // Before any user's server starts; again at each offer or withdrawal, which running servers see at their next request.
  const kernelspecs = new SharedKernelspecs(ctx, shared, settings, logger);
  await kernelspecs.refresh();
  const unsubscribe = onKernelImagesChanged(ctx, () => kernelspecs.refresh());
  // The apps' account even on a server that runs no apps: its files (other servers' jobs) are not a user's to reach.
  const runner = ctx.execution ? ctx.execution.runAs : await account(config.execution.runAs);
  const accounts = new KernelAccounts({ mapped, range: settings.uids, forbiddenUids: [0, ...(runner ? [runner.uid] : [])], forbiddenGids: [0, ...(runner ? [runner.gid] : [])] });
  const pool = new JupyterPool({ settings, dir, shared, accounts, store: ctx.store, logger });
  logger.info({ uids: settings.uids, mapped: mapped.size }, 'code cells: each user gets a Jupyter server of their own on their first kernel');
  return {
    proxy: kernelProxy(ctx, pool),
    async stop() {
      unsubscribe();
      kernelspecs.close();
      await pool.close();
    },
  };
}

/** Why the interpreter cannot serve kernels, or null: checked once here rather than failing each user's first kernel. */
function pythonMissing(python: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(python, ['-c', 'import jupyter_server, ipykernel'], { timeout: 60_000 }, (error, _stdout, stderr) => {
      resolve(error ? (stderr.trim().split('\n').pop() || error.message).slice(0, 300) : null);
    });
  });
}

/**
 * The first parent of the data directory that an allocated uid (no groups, in
 * no one's group) may not pass through, or null.
 */
async function untraversable(home: string): Promise<string | null> {
  for (let dir = dirname(home); ; dir = dirname(dir)) {
    if (!((await stat(dir)).mode & 0o001)) return dir;
    if (dirname(dir) === dir) return null;
  }
}

/**
 * Each user's directory goes as that user (removeOwnedTree): their kernels may have
 * left links in it that root must not follow. One that cannot be emptied is left,
 * with a warning, and tried again when that user's server next starts.
 */
async function removeLeftovers(dir: string, logger: Logger): Promise<void> {
  const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  for (const entry of entries) {
    await removeOwnedTree(join(dir, entry)).catch((error: unknown) => logger.warn({ err: error }, `a code-cell directory left by an earlier run could not be removed: ${join(dir, entry)}`));
  }
  await rmdir(dir).catch(() => undefined);
}

import { chmod, mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Account, Context } from '../domain/context.js';
import { account } from '../execution.js';
import { startJupyterServer, type JupyterChild } from './jupyter-server.js';
import { kernelProxy } from './kernel-proxy.js';

/** The Jupyter child's config, runtime (cookie secret) and working directories, in the data directory. */
export const JUPYTER_DIR = join('run', 'jupyter');

/**
 * Code cells beside app cells: the Jupyter child and the proxy in front of it.
 * Kernels run as an account of their own (not the server's, which owns the
 * database; not the apps', which owns running jobs' outputs), so the server
 * must run as root to start them. Otherwise, or without Debian's
 * jupyter_server, it serves everything else and logs why code cells are off.
 */
export async function startKernels(ctx: Context, config: Config, logger: Logger): Promise<{ jupyter: JupyterChild; proxy: ReturnType<typeof kernelProxy> } | null> {
  const dir = join(config.home, JUPYTER_DIR);
  // What a crashed or killed run left (its cookie secret, kernel connection files) goes, kernels on or off.
  // Safe: this process holds the data directory's lock, so no other server's child uses it.
  await rm(dir, { recursive: true, force: true });
  if (!config.kernels.enabled) return null;
  const off = (why: string) => {
    logger.warn(`code cells are off: ${why}`);
    return null;
  };
  if (process.getuid?.() !== 0) return off('the server must run as root to start kernels as their own unprivileged account (NARRATIVE_KERNELS_AS)');
  const runAs = await account(config.kernels.runAs ?? 'narrative-kernels');
  if (!runAs) return off(`the account ${config.kernels.runAs} does not exist (npm run setup creates narrative-kernels)`);
  if (runAs.uid === ctx.execution?.runAs?.uid) return off(`kernels may not share the account apps run as (${runAs.user})`);
  const closed = await untraversable(config.home, runAs);
  if (closed) return off(`the account ${runAs.user} cannot reach the data directory: ${closed} is not traversable (put NARRATIVE_HOME where every parent directory is, e.g. under /var/lib)`);
  // The kernels' account must reach its own directory: the data directory and run/ become traversable, not
  // listable (as for the apps' account); the child's directory itself is 0700 and owned by that account.
  await chmod(config.home, 0o711);
  await mkdir(join(config.home, 'run'), { recursive: true, mode: 0o711 });
  await chmod(join(config.home, 'run'), 0o711);
  await mkdir(dir, { mode: 0o700 });
  try {
    const jupyter = await startJupyterServer({ python: config.kernels.python, dir, runAs });
    return { jupyter, proxy: kernelProxy(ctx, jupyter) };
  } catch (error) {
    return off(`the Jupyter server did not start (${config.kernels.python} needs Debian's python3-jupyter-server and python3-ipykernel): ${(error as Error).message}`);
  }
}

/**
 * The first parent of the data directory that the account may not pass
 * through (the child runs with no supplementary groups), or null.
 */
async function untraversable(home: string, who: Account): Promise<string | null> {
  for (let dir = dirname(home); ; dir = dirname(dir)) {
    const { mode, uid, gid } = await stat(dir);
    const passes = mode & 0o001 || (uid === who.uid && mode & 0o100) || (gid === who.gid && mode & 0o010);
    if (!passes) return dir;
    if (dirname(dir) === dir) return null;
  }
}

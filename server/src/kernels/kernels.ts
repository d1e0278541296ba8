import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Context } from '../domain/context.js';
import { account } from '../execution.js';
import { startJupyterServer, type JupyterChild } from './jupyter-server.js';
import { kernelProxy } from './kernel-proxy.js';

/**
 * Code cells beside app cells: the Jupyter child and the proxy in front of it.
 * Kernels run as an account of their own (not the server's, which owns the
 * database; not the apps', which owns running jobs' outputs), so the server
 * must run as root to start them. Otherwise, or without Debian's
 * jupyter_server, it serves everything else and logs why code cells are off.
 */
export async function startKernels(ctx: Context, config: Config, logger: Logger): Promise<{ jupyter: JupyterChild; proxy: ReturnType<typeof kernelProxy> } | null> {
  if (!config.kernels.enabled) return null;
  const off = (why: string) => {
    logger.warn(`code cells are off: ${why}`);
    return null;
  };
  if (process.getuid?.() !== 0) return off('the server must run as root to start kernels as their own unprivileged account (NARRATIVE_KERNELS_AS)');
  const runAs = await account(config.kernels.runAs ?? 'narrative-kernels');
  if (!runAs) return off(`the account ${config.kernels.runAs} does not exist (npm run setup creates narrative-kernels)`);
  if (runAs.uid === ctx.execution?.runAs?.uid) return off(`kernels may not share the account apps run as (${runAs.user})`);
  const dir = await mkdtemp(join(tmpdir(), 'narrative-jupyter-'));
  try {
    const jupyter = await startJupyterServer({ python: config.kernels.python, dir, runAs });
    return { jupyter, proxy: kernelProxy(ctx, jupyter) };
  } catch (error) {
    return off(`the Jupyter server did not start (${config.kernels.python} needs Debian's python3-jupyter-server and python3-ipykernel): ${(error as Error).message}`);
  }
}

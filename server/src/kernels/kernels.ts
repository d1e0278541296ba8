import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Context } from '../domain/context.js';
import { startJupyterServer, type JupyterChild } from './jupyter-server.js';
import { kernelProxy } from './kernel-proxy.js';

/**
 * Code cells beside app cells: the Jupyter child and the proxy in front of it.
 * Kernels run as the service account when the server runs as root. A machine
 * without Debian's jupyter_server still serves everything else, and says why
 * code cells have no kernel.
 */
export async function startKernels(ctx: Context, config: Config, logger: Logger): Promise<{ jupyter: JupyterChild; proxy: ReturnType<typeof kernelProxy> } | null> {
  if (!config.kernels.enabled) return null;
  const runAs = ctx.execution?.runAs ?? null;
  if (process.getuid?.() === 0 && !runAs) {
    logger.warn('code cells are off: the server runs as root and has no service account to run kernels as (NARRATIVE_RUN_AS)');
    return null;
  }
  try {
    const jupyter = await startJupyterServer({
      python: config.kernels.python,
      dir: await mkdtemp(join(tmpdir(), 'narrative-jupyter-')),
      runAs,
    });
    return { jupyter, proxy: kernelProxy(ctx, jupyter, logger) };
  } catch (error) {
    logger.warn({ err: error }, `code cells are off: the Jupyter server did not start (${config.kernels.python} needs Debian's python3-jupyter-server and python3-ipykernel)`);
    return null;
  }
}

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Injection } from '../job-dir/result.js';

const run = promisify(execFile);

/** How the node's GPU driver and MPI report their versions (the first line of output is kept). */
const PROBES: Record<Injection['kind'], string[]> = {
  gpu: ['nvidia-smi', '--query-gpu=driver_version', '--format=csv,noheader'],
  mpi: ['mpirun', '--version'],
};

/**
 * Adds the host's version to each injection: GPU drivers and MPI libraries
 * come from the node, not the image, so a re-run elsewhere can differ here.
 */
export async function withHostVersions(injections: Injection[], env: NodeJS.ProcessEnv): Promise<Injection[]> {
  return Promise.all(
    injections.map(async (injection) => {
      const [program, ...args] = PROBES[injection.kind];
      const hostVersion = await run(program!, args, { env, timeout: 10_000 }).then(
        ({ stdout, stderr }) => (stdout || stderr).trim().split('\n')[0] || 'unknown',
        () => `unknown: ${program} did not answer on this node`,
      );
      return { ...injection, hostVersion };
    }),
  );
}

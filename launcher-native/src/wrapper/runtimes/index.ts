import { apptainer } from './apptainer.js';
import { charliecloud } from './charliecloud.js';
import { docker } from './docker.js';
import { podmanHpc } from './podman-hpc.js';
import { podman } from './podman.js';
import type { Runtime } from './runtime.js';
import { shifter } from './shifter.js';

export * from './runtime.js';
export { WITHOUT_NETWORK } from './charliecloud.js';

/** In order of preference when the operator names none: Charliecloud first (rootless, ~3 ms start). */
export const RUNTIMES: readonly Runtime[] = [charliecloud, podman, apptainer, podmanHpc, shifter, docker];

export function runtimeNamed(name: string): Runtime {
  const runtime = RUNTIMES.find((r) => r.name === name);
  if (!runtime) throw new Error(`unknown container runtime ${name}; known: ${RUNTIMES.map((r) => r.name).join(', ')}`);
  return runtime;
}

import { hardenedRunFlags } from './docker.js';
import { requireFormat, type Runtime } from './runtime.js';

/** NERSC's podman-hpc: podman with site GPU/MPI hooks. Untested on a real node here. */
export const podmanHpc: Runtime = {
  name: 'podman-hpc',
  formats: ['docker-image'],
  prepare: () => [],
  run(spec) {
    requireFormat(podmanHpc, spec);
    return ['podman-hpc', 'run', ...hardenedRunFlags(spec), ...(spec.gpus > 0 ? ['--gpu'] : []), ...(spec.mpi ? ['--mpi'] : []), spec.image.location, ...spec.argv];
  },
  stop: (spec) => ['podman-hpc', 'kill', spec.name],
  injections: (spec) => [
    ...(spec.gpus > 0 ? [{ kind: 'gpu' as const, how: 'podman-hpc --gpu' }] : []),
    ...(spec.mpi ? [{ kind: 'mpi' as const, how: 'podman-hpc --mpi' }] : []),
  ],
  versionArgv: () => ['podman-hpc', '--version'],
};

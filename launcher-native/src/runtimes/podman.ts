import { hardenedRunFlags } from './docker.js';
import { requireFormat, type Runtime } from './runtime.js';

/**
 * Rootless podman with runc (crun fails on this kind of host's hybrid cgroups).
 * Explicit ulimits: root podman otherwise hands the container the host's.
 * `scancel` does not reach podman's container, so cancelling needs `stop`.
 */
export const podman: Runtime = {
  name: 'podman',
  formats: ['oci-archive', 'docker-image'],
  prepare: () => [],
  run(spec) {
    requireFormat(podman, spec);
    const image = spec.image.format === 'oci-archive' ? `oci-archive:${spec.image.location}` : spec.image.location;
    return ['podman', '--runtime=runc', 'run', ...hardenedRunFlags(spec), '--ulimit=nofile=1024:1024', '--ulimit=nproc=512:512', ...(spec.gpus > 0 ? ['--device=nvidia.com/gpu=all'] : []), image, ...spec.argv];
  },
  stop: (spec) => ['podman', 'kill', spec.name],
  injections: (spec) => (spec.gpus > 0 ? [{ kind: 'gpu', how: 'podman --device=nvidia.com/gpu=all (CDI)' }] : []),
  versionArgv: () => ['podman', '--version'],
};

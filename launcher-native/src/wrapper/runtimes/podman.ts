import { hardenedRunFlags } from './docker.js';
import { requireFormat, type Runtime, type RunSpec } from './runtime.js';

/**
 * Rootless podman with runc (crun fails on this kind of host's hybrid cgroups).
 * Every podman command of a job points at the job's own state directory:
 * HOME (podman writes ~/.config even with --root), XDG_RUNTIME_DIR (runc's
 * state), storage, run root and libpod's tmp dir.
 * So jobs share no storage or locks and the service account needs no home.
 * The account needs subuid/subgid ranges (scripts/setup.mjs adds them).
 */
const podmanCommand = (spec: RunSpec): string[] => [
  'env', `HOME=${spec.stateDir}`, `XDG_RUNTIME_DIR=${spec.stateDir}/xdg`,
  'podman', '--runtime=runc',
  // No systemd here (nor on many HPC nodes): cgroupfs, and events in a file rather than journald.
  '--cgroup-manager=cgroupfs', '--events-backend=file',
  `--root=${spec.stateDir}/storage`, `--runroot=${spec.stateDir}/run`,
  // libpod's tmp dir otherwise falls back to /tmp/podman-run-<uid>, shared by all jobs of the account,
  // and with it the pause process that holds the rootless user namespace: per job, `system reset` can end it.
  `--tmpdir=${spec.stateDir}/tmp`,
  // Host warnings (e.g. "/ is not a shared mount") are noise in the app's log.
  '--log-level=error',
];

export const podman: Runtime = {
  name: 'podman',
  formats: ['oci-archive', 'docker-image'],
  prepare: () => [],
  run(spec) {
    requireFormat(podman, spec);
    const image = spec.image.format === 'oci-archive' ? `oci-archive:${spec.image.location}` : spec.image.location;
    return [
      ...podmanCommand(spec), 'run', '--quiet', ...hardenedRunFlags(spec),
      // The invoking account keeps its own uid inside, so --user is that account and /out stays writable by it.
      '--userns=keep-id',
      // Explicit ulimits: root podman otherwise hands the container the host's.
      '--ulimit=nofile=1024:1024', '--ulimit=nproc=512:512',
      ...(spec.gpus > 0 ? ['--device=nvidia.com/gpu=all'] : []),
      image, ...spec.argv,
    ];
  },
  // The container outlives a killed podman CLI (conmon holds it; `scancel` does not reach it either): kill it by name.
  stop: (spec) => [...podmanCommand(spec), 'kill', spec.name],
  // Removes the job's storage (image copies, possibly owned by subuids) and stops its rootless pause process.
  cleanup: (spec) => [[...podmanCommand(spec), 'system', 'reset', '--force']],
  injections: (spec) => (spec.gpus > 0 ? [{ kind: 'gpu', how: 'podman --device=nvidia.com/gpu=all (CDI)' }] : []),
  versionArgv: () => ['podman', '--version'],
};

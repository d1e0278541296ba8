import { requireFormat, type Runtime, type RunSpec } from './runtime.js';

/** What ch-run is wrapped in to run without a network: its own namespace, only a downed loopback (code-cell kernels use it too). */
export const WITHOUT_NETWORK: readonly string[] = ['unshare', '--user', '--map-current-user', '--net', '--'];

/**
 * Charliecloud's ch-run: rootless, runs as the invoking user. It has no
 * network namespace of its own, so a run without network is wrapped in
 * `unshare --user --map-current-user --net` (an empty network namespace, only
 * a downed loopback). Its 0.31 binds have no read-only flag: the job wrapper
 * makes /in read-only by permissions instead.
 */
export const charliecloud: Runtime = {
  name: 'charliecloud',
  formats: ['directory', 'squashfs'],
  prepare(spec) {
    return [
      ...(spec.gpus > 0 ? [['ch-fromhost', '--nvidia', spec.image.location]] : []),
      ...(spec.mpi ? [['ch-fromhost', '--cray-mpi', spec.image.location]] : []),
    ];
  },
  run(spec: RunSpec) {
    requireFormat(charliecloud, spec);
    const isolate = spec.network ? [] : WITHOUT_NETWORK;
    return [
      ...isolate,
      'ch-run',
      // Without it ch-run shares the host's /tmp: an app could write outside /out.
      '--private-tmp',
      '--unset-env=*',
      `--set-env=${spec.envFile}`,
      ...spec.binds.flatMap((b) => ['-b', `${b.source}:${b.target}`]),
      '-c', spec.workdir,
      spec.image.location,
      '--',
      ...spec.argv,
    ];
  },
  stop: () => null,
  injections: (spec) => [
    ...(spec.gpus > 0 ? [{ kind: 'gpu' as const, how: 'ch-fromhost --nvidia' }] : []),
    ...(spec.mpi ? [{ kind: 'mpi' as const, how: 'ch-fromhost --cray-mpi' }] : []),
  ],
  versionArgv: () => ['ch-run', '--version'],
};

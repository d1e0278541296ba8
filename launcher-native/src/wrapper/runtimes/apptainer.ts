import { envFlags, requireFormat, type Runtime } from './runtime.js';

/** Apptainer (Singularity): untested on a real node here; the argv follows its documented flags. */
export const apptainer: Runtime = {
  name: 'apptainer',
  formats: ['sif', 'directory'],
  prepare: () => [],
  run(spec) {
    requireFormat(apptainer, spec);
    return [
      'apptainer', 'exec',
      '--containall', '--cleanenv', '--no-home', '--no-privs',
      ...(spec.network ? [] : ['--net', '--network=none']),
      ...(spec.gpus > 0 ? ['--nv'] : []),
      ...spec.binds.map((b) => `--bind=${b.source}:${b.target}:${b.readOnly ? 'ro' : 'rw'}`),
      ...envFlags('--env', spec.env),
      `--pwd=${spec.workdir}`,
      spec.image.location,
      ...spec.argv,
    ];
  },
  stop: () => null,
  injections: (spec) => [
    ...(spec.gpus > 0 ? [{ kind: 'gpu' as const, how: 'apptainer --nv' }] : []),
    ...(spec.mpi ? [{ kind: 'mpi' as const, how: 'host MPI bound by the site (apptainer.conf bind path)' }] : []),
  ],
  versionArgv: () => ['apptainer', '--version'],
};

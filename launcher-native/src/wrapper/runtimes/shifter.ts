import { envFlags, type Runtime } from './runtime.js';

/**
 * NERSC's Shifter: images come from the site's image gateway by digest.
 * Untested on a real node here. Shifter shares the host network; a spec
 * without network cannot be isolated by it, so such runs are refused.
 */
export const shifter: Runtime = {
  name: 'shifter',
  formats: ['docker-image'],
  prepare: () => [],
  run(spec) {
    if (!spec.network) throw new Error('shifter cannot isolate the network: run apps without network on another runtime, or let the spec ask for network');
    const modules = [...(spec.gpus > 0 ? ['gpu'] : []), ...(spec.mpi ? ['mpich'] : [])];
    return [
      'shifter',
      `--image=${spec.image.location}@${spec.image.digest}`,
      ...(modules.length > 0 ? [`--module=${modules.join(',')}`] : ['--module=none']),
      ...spec.binds.map((b) => `--volume=${b.source}:${b.target}${b.readOnly ? ':ro' : ''}`),
      ...envFlags('--env', spec.env),
      `--workdir=${spec.workdir}`,
      '--',
      ...spec.argv,
    ];
  },
  stop: () => null,
  injections: (spec) => [
    ...(spec.gpus > 0 ? [{ kind: 'gpu' as const, how: 'shifter --module=gpu' }] : []),
    ...(spec.mpi ? [{ kind: 'mpi' as const, how: 'shifter --module=mpich' }] : []),
  ],
  versionArgv: () => ['shifter', '--version'],
};

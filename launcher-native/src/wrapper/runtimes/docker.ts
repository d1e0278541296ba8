import { envFlags, requireFormat, type Runtime } from './runtime.js';

/** Options shared by Docker-compatible CLIs: no privileges, no new privileges, read-only root. */
export function hardenedRunFlags(spec: Parameters<Runtime['run']>[0]): string[] {
  return [
    '--rm',
    `--name=${spec.name}`,
    `--user=${spec.user.uid}:${spec.user.gid}`,
    `--network=${spec.network ? 'bridge' : 'none'}`,
    '--cap-drop=ALL',
    '--security-opt=no-new-privileges',
    '--read-only',
    '--tmpfs=/tmp',
    ...spec.binds.flatMap((b) => ['-v', `${b.source}:${b.target}:${b.readOnly ? 'ro' : 'rw'}`]),
    ...envFlags('-e', spec.env),
    `--workdir=${spec.workdir}`,
  ];
}

/**
 * The engine starts the container outside the wrapper's process and cgroup, so the limits go
 * to the engine; no swap beyond the memory, as the wrapper's own cgroup does.
 */
function engineLimitFlags(spec: Parameters<Runtime['run']>[0]): string[] {
  return [`--memory=${spec.memoryMiB}m`, `--memory-swap=${spec.memoryMiB}m`, `--cpus=${spec.cpus}`];
}

/** Docker on a workstation (through its CLI here; the docker scheduler talks to the engine with dockerode). */
export const docker: Runtime = {
  name: 'docker',
  formats: ['docker-image'],
  runsOutsideWrapper: true,
  prepare: () => [],
  run(spec) {
    requireFormat(docker, spec);
    return ['docker', 'run', ...hardenedRunFlags(spec), ...engineLimitFlags(spec), ...(spec.gpus > 0 ? [`--gpus=${spec.gpus}`] : []), spec.image.location, ...spec.argv];
  },
  stop: (spec) => ['docker', 'kill', spec.name],
  injections: (spec) => (spec.gpus > 0 ? [{ kind: 'gpu', how: `docker --gpus=${spec.gpus}` }] : []),
  versionArgv: () => ['docker', 'version', '--format', '{{.Server.Version}}'],
};

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runtimeNamed, UnsupportedRun, type RunSpec } from './index.js';

/** Golden argv for every runtime. Apptainer, Shifter and podman-hpc are not packaged here: these tests are all they get. */
function spec(overrides: Partial<RunSpec> = {}): RunSpec {
  return {
    name: 'narrative-job-7',
    image: { digest: 'sha256:' + 'ab'.repeat(32), format: 'directory', location: '/images/ab12' },
    binds: [
      { source: '/jobs/7/in', target: '/in', readOnly: true },
      { source: '/jobs/7/out', target: '/out', readOnly: false },
    ],
    env: { THREADS: '2' },
    envFile: '/jobs/7/env',
    stateDir: '/jobs/7/runtime',
    argv: ['megahit', '--12', '/in/reads.fastq', '-o', '/out/asm'],
    workdir: '/out',
    user: { uid: 999, gid: 995 },
    network: false,
    gpus: 0,
    mpi: false,
    cpus: 2,
    memoryMiB: 512,
    ...overrides,
  };
}

const hardened = ['--rm', '--name=narrative-job-7', '--user=999:995', '--network=none', '--cap-drop=ALL', '--security-opt=no-new-privileges', '--read-only', '--tmpfs=/tmp', '-v', '/jobs/7/in:/in:ro', '-v', '/jobs/7/out:/out:rw', '-e', 'THREADS=2', '--workdir=/out'];
const app = ['megahit', '--12', '/in/reads.fastq', '-o', '/out/asm'];

describe('container runtimes render argv', () => {
  it('charliecloud: network-isolated ch-run with only the given environment', () => {
    const cc = runtimeNamed('charliecloud');
    assert.deepEqual(cc.run(spec()), ['unshare', '--user', '--map-current-user', '--net', '--', 'ch-run', '--private-tmp', '--unset-env=*', '--set-env=/jobs/7/env', '-b', '/jobs/7/in:/in', '-b', '/jobs/7/out:/out', '-c', '/out', '/images/ab12', '--', ...app]);
    assert.deepEqual(cc.run(spec({ network: true, image: { ...spec().image, format: 'squashfs', location: '/images/ab12.sqfs' } })).slice(0, 4), ['ch-run', '--private-tmp', '--unset-env=*', '--set-env=/jobs/7/env']);
    assert.deepEqual(cc.prepare(spec({ gpus: 1, mpi: true })), [['ch-fromhost', '--nvidia', '/images/ab12'], ['ch-fromhost', '--cray-mpi', '/images/ab12']]);
    assert.deepEqual(cc.injections(spec({ gpus: 1 })), [{ kind: 'gpu', how: 'ch-fromhost --nvidia' }]);
    assert.equal(cc.stop(spec()), null);
    assert.throws(() => cc.run(spec({ image: { ...spec().image, format: 'docker-image' } })), UnsupportedRun);
  });

  it('docker: unprivileged, no network, read-only root and inputs', () => {
    const d = runtimeNamed('docker');
    const s = spec({ image: { ...spec().image, format: 'docker-image', location: 'sha256:' + 'ab'.repeat(32) } });
    const limits = ['--memory=512m', '--memory-swap=512m', '--cpus=2'];
    assert.deepEqual(d.run(s), ['docker', 'run', ...hardened, ...limits, 'sha256:' + 'ab'.repeat(32), ...app]);
    assert.deepEqual(d.run({ ...s, gpus: 2 }), ['docker', 'run', ...hardened, ...limits, '--gpus=2', 'sha256:' + 'ab'.repeat(32), ...app]);
    assert.deepEqual(d.stop(s), ['docker', 'kill', 'narrative-job-7']);
  });

  it('podman: rootless with runc, keep-id, explicit ulimits, all state in the job\'s state directory', () => {
    const p = runtimeNamed('podman');
    const s = spec({ image: { ...spec().image, format: 'oci-archive', location: '/images/ab12.tar' } });
    const podman = [
      'env', 'HOME=/jobs/7/runtime', 'XDG_RUNTIME_DIR=/jobs/7/runtime/xdg', 'podman', '--runtime=runc', '--cgroup-manager=cgroupfs', '--events-backend=file',
      '--root=/jobs/7/runtime/storage', '--runroot=/jobs/7/runtime/run', '--tmpdir=/jobs/7/runtime/tmp', '--log-level=error',
    ];
    assert.deepEqual(p.run(s), [...podman, 'run', '--quiet', ...hardened, '--userns=keep-id', '--ulimit=nofile=1024:1024', '--ulimit=nproc=512:512', 'oci-archive:/images/ab12.tar', ...app]);
    assert.deepEqual(p.stop(s), [...podman, 'kill', 'narrative-job-7']);
    assert.deepEqual(p.cleanup?.(s), [[...podman, 'system', 'reset', '--force']]);
  });

  it('apptainer: contained, clean environment, --nv for GPUs', () => {
    const a = runtimeNamed('apptainer');
    const s = spec({ gpus: 1, image: { ...spec().image, format: 'sif', location: '/images/ab12.sif' } });
    assert.deepEqual(a.run(s), [
      'apptainer', 'exec', '--containall', '--cleanenv', '--no-home', '--no-privs', '--net', '--network=none', '--nv',
      '--bind=/jobs/7/in:/in:ro', '--bind=/jobs/7/out:/out:rw', '--env', 'THREADS=2', '--pwd=/out', '/images/ab12.sif', ...app,
    ]);
    assert.deepEqual(a.injections(s), [{ kind: 'gpu', how: 'apptainer --nv' }]);
  });

  it('shifter: image by digest, gpu and mpich modules; refuses to pretend it isolates the network', () => {
    const sh = runtimeNamed('shifter');
    const s = spec({ network: true, gpus: 1, mpi: true, image: { ...spec().image, format: 'docker-image', location: 'docker:lab/megahit' } });
    assert.deepEqual(sh.run(s), [
      'shifter', `--image=docker:lab/megahit@sha256:${'ab'.repeat(32)}`, '--module=gpu,mpich', '--volume=/jobs/7/in:/in:ro', '--volume=/jobs/7/out:/out', '--env', 'THREADS=2', '--workdir=/out', '--', ...app,
    ]);
    assert.throws(() => sh.run({ ...s, network: false }), /cannot isolate the network/);
  });

  it('podman-hpc: the site flags for GPU and MPI', () => {
    const ph = runtimeNamed('podman-hpc');
    const s = spec({ gpus: 1, mpi: true, image: { ...spec().image, format: 'docker-image', location: 'lab/megahit@sha256:' + 'ab'.repeat(32) } });
    assert.deepEqual(ph.run(s), ['podman-hpc', 'run', ...hardened, '--gpu', '--mpi', 'lab/megahit@sha256:' + 'ab'.repeat(32), ...app]);
    assert.deepEqual(ph.injections(s).map((i) => i.kind), ['gpu', 'mpi']);
  });

  it('names the known runtimes when asked for another', () => {
    assert.throws(() => runtimeNamed('lxc'), /known: charliecloud, podman, apptainer, podman-hpc, shifter, docker/);
  });
});

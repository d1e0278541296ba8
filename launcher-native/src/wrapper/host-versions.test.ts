import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { withHostVersions } from './host-versions.js';

test('records the host driver and MPI versions of what was injected, or says they could not be read', async () => {
  const bin = await mkdtemp(join(tmpdir(), 'narrative-host-'));
  try {
    // This machine has no GPU or MPI: a node's tools are stood in for by scripts on PATH.
    await writeFile(join(bin, 'nvidia-smi'), '#!/bin/sh\necho 550.54.15\necho 550.54.15\n');
    await chmod(join(bin, 'nvidia-smi'), 0o755);
    const injected = await withHostVersions([{ kind: 'gpu', how: 'ch-fromhost --nvidia' }, { kind: 'mpi', how: 'ch-fromhost --cray-mpi' }], { PATH: bin });
    assert.deepEqual(injected, [
      { kind: 'gpu', how: 'ch-fromhost --nvidia', hostVersion: '550.54.15' },
      { kind: 'mpi', how: 'ch-fromhost --cray-mpi', hostVersion: 'unknown: mpirun did not answer on this node' },
    ]);
    assert.deepEqual(await withHostVersions([], { PATH: bin }), []);
  } finally {
    await rm(bin, { recursive: true, force: true });
  }
});

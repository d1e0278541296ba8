import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobResult } from '@narrative/launcher-native';
import { duration, explainFailure } from './failure-text.js';

const resources = { cpus: 1, memoryMiB: 256, timeMinutes: 5, gpus: 0 };
const times = { startedAt: '2026-01-01T10:00:00.000Z', endedAt: '2026-01-01T10:05:00.250Z' };

describe('failure text', () => {
  it('says a walltime failure\'s limit and how long the job ran, from the job\'s resources and times', () => {
    assert.deepEqual(explainFailure({ kind: 'walltime' }, resources, null, times), {
      kind: 'walltime', limitSeconds: 300, ranSeconds: 300.3, message: 'stopped at its time limit of 5 min after running 5 min',
    });
  });

  it('prefers what the scheduler measured, and leaves out what nobody knows', () => {
    const scaled = explainFailure({ kind: 'walltime', limitSeconds: 0.4, ranSeconds: 0.5 }, resources, null, times);
    assert.equal((scaled as { message: string }).message, 'stopped at its time limit of 0.4 s after running 0.5 s');
    const neverSeenRunning = explainFailure({ kind: 'walltime' }, resources, null, { startedAt: null, endedAt: times.endedAt });
    assert.deepEqual(neverSeenRunning, { kind: 'walltime', limitSeconds: 300, message: 'stopped at its time limit of 5 min' });
  });

  it('says an out-of-memory failure\'s limit and peak, from the wrapper\'s result where there is one', () => {
    const result = { memory: { limitMiB: 64, peakMiB: 64, enforcedBy: 'cgroup-v1' } } as JobResult;
    assert.deepEqual(explainFailure({ kind: 'out-of-memory' }, resources, result, times), {
      kind: 'out-of-memory', limitMiB: 64, peakMiB: 64, message: 'killed for memory: its limit is 64 MiB and it held 64 MiB at its peak',
    });
    assert.deepEqual(explainFailure({ kind: 'out-of-memory' }, resources, null, times), {
      kind: 'out-of-memory', limitMiB: 256, peakMiB: null, message: 'killed for memory: its limit is 256 MiB and its peak was not measured',
    }, 'Slurm\'s OUT_OF_MEMORY without a result');
  });

  it('leaves other reasons as they are', () => {
    assert.deepEqual(explainFailure({ kind: 'exit-code', code: 3 }, resources, null, times), { kind: 'exit-code', code: 3 });
  });

  it('writes durations as people read them', () => {
    assert.deepEqual([0.4, 42, 60, 90, 300, 3600, 7205].map(duration), ['0.4 s', '42 s', '1 min', '1 min 30 s', '5 min', '1 h', '2 h 0 min 5 s']);
  });
});

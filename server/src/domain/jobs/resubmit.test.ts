import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobResult } from '@narrative/launcher-native';
import { resubmissionResources } from './resubmit.js';
import { usageOf } from './usage.js';

const resources = { cpus: 2, memoryMiB: 64, timeMinutes: 5, gpus: 0 };
const retry = { outOfMemory: { maxAttempts: 2, factor: 2 }, timeout: { maxAttempts: 1, factor: 1.5 } };

describe('the resubmission policy', () => {
  it('asks for more memory after an out-of-memory failure, and more time after a walltime one, the rest unchanged', () => {
    assert.deepEqual(resubmissionResources({ failure: { kind: 'out-of-memory' }, attempt: 1, resources }, retry), { ...resources, memoryMiB: 128 });
    assert.deepEqual(resubmissionResources({ failure: { kind: 'walltime' }, attempt: 1, resources }, retry), { ...resources, timeMinutes: 8 }, '7.5 minutes, rounded up');
  });

  it('stops once the attempts are used up: maxAttempts counts the resubmissions after the first run', () => {
    assert.ok(resubmissionResources({ failure: { kind: 'out-of-memory' }, attempt: 2, resources }, retry));
    assert.equal(resubmissionResources({ failure: { kind: 'out-of-memory' }, attempt: 3, resources }, retry), null);
    assert.equal(resubmissionResources({ failure: { kind: 'walltime' }, attempt: 2, resources }, retry), null);
  });

  it('asks for nothing after other failures, or without a policy for that failure', () => {
    assert.equal(resubmissionResources({ failure: { kind: 'exit-code', code: 137 }, attempt: 1, resources }, retry), null);
    assert.equal(resubmissionResources({ failure: { kind: 'out-of-memory' }, attempt: 1, resources }, undefined), null);
    assert.equal(resubmissionResources({ failure: { kind: 'walltime' }, attempt: 1, resources }, { outOfMemory: retry.outOfMemory }), null);
  });
});

describe('what an ended job used', () => {
  const result = { outcome: 'exited', memory: { limitMiB: 64, peakMiB: 33.5, enforcedBy: 'cgroup-v1' } } as JobResult;

  it("is the wrapper's measure where its result has one", () => {
    const usage = { cpuSeconds: 1.25, peakMemoryMiB: 33.5, wallSeconds: 2.5 };
    assert.deepEqual(usageOf({ ...result, usage }), usage);
  });

  it('is the peak alone for a result from before CPU and wall time were measured, and nothing when the app never ran', () => {
    assert.deepEqual(usageOf(result), { cpuSeconds: null, peakMemoryMiB: 33.5, wallSeconds: null });
    const { memory: _memory, ...neverRan } = result;
    assert.equal(usageOf({ ...neverRan, outcome: 'launcher-error' } as JobResult), null);
    assert.equal(usageOf(null), null, 'no result: lost, or cancelled before it ran');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Job } from '@narrative/server/client';
import { describeJobState } from './job-state.js';
import { job, trans } from './model.fixture.js';

const say = (fields: { state: Job['state'] } & Record<string, unknown>) => describeJobState(job({ id: 12, ...fields }), trans);

describe('the wording of a job state', () => {
  it('says why a job waits and where it runs', () => {
    assert.equal(say({ state: 'created' }), 'Job 12 created');
    assert.equal(say({ state: 'queued' }), 'Job 12 queued');
    assert.equal(say({ state: 'queued', queueReason: 'Resources', queuePosition: 2 }), 'Job 12 queued (Resources, position 2)');
    assert.equal(say({ state: 'queued', queueReason: 'Priority' }), 'Job 12 queued (Priority, position ?)');
    assert.equal(say({ state: 'running' }), 'Job 12 running');
    assert.equal(say({ state: 'running', node: 'node-3' }), 'Job 12 running on node-3');
    assert.equal(say({ state: 'completed' }), 'Job 12 completed');
    assert.equal(say({ state: 'cancelled' }), 'Job 12 cancelled');
  });

  it('says why a job failed: its kind, exit code, the figures of a memory or time failure, and the detail', () => {
    assert.equal(say({ state: 'failed', failure: { kind: 'exit-code', code: 3 } }), 'Job 12 failed: exit-code (exit code 3)');
    const oom = { kind: 'out-of-memory', limitMiB: 64, peakMiB: 64, message: 'used 64 MiB of its 64 MiB limit' } as const;
    assert.equal(say({ state: 'failed', failure: oom }), 'Job 12 failed: out-of-memory: used 64 MiB of its 64 MiB limit');
    assert.equal(say({ state: 'failed', failure: { kind: 'walltime', limitSeconds: 60 } }), 'Job 12 failed: walltime');
    assert.equal(say({ state: 'failed', failure: { kind: 'node-failure', detail: 'node-2 went down' } }), 'Job 12 failed: node-failure: node-2 went down');
    assert.equal(say({ state: 'failed', failure: { kind: 'preempted' } }), 'Job 12 failed: preempted');
  });
});

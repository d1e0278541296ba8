import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobResult } from '@narrative/launcher-native';
import { transition, type JobEvent } from './job-events.js';
import type { Job, JobBase } from './job.js';
import { ENDED_STATES, JOB_STATES, type JobState } from './states.js';

const AT = '2026-12-07T00:00:00.000Z';
const result = { outcome: 'exited', exitCode: 0 } as unknown as JobResult;
const EVENTS: JobEvent[] = [
  { type: 'submitted', schedulerId: '42' },
  { type: 'waiting', reason: 'Resources', position: 2 },
  { type: 'started', node: 'n1', at: AT },
  { type: 'requeued', reason: 'Priority', position: 1 },
  { type: 'completed', at: AT, outputs: ['1/2/1'], node: 'n1', result },
  { type: 'failed', at: AT, failure: { kind: 'exit-code', code: 3 } },
  { type: 'cancelled', at: AT },
];

const BASE: JobBase = {
  id: 7, origin: null, rerun: null, runId: null, appId: 'test/echo', appVersion: '1.0.0', userId: 1, wsid: 1, clientRequestId: null, params: {}, inputs: [],
  resources: { cpus: 1, memoryMiB: 64, timeMinutes: 5, gpus: 0 }, scheduler: 'slurm', attempt: 1, retryOf: null, createdAt: AT,
};
const ENDED = { schedulerId: '42', node: 'n1', startedAt: AT, endedAt: AT, result: null };
/** A job in each state, as the store would hand it over. */
const IN: { [S in JobState]: Extract<Job, { state: S }> } = {
  created: { ...BASE, state: 'created' },
  queued: { ...BASE, state: 'queued', schedulerId: '42', queueReason: 'Priority', queuePosition: 4 },
  running: { ...BASE, state: 'running', schedulerId: '42', node: 'n0', startedAt: AT },
  completed: { ...BASE, state: 'completed', ...ENDED, outputs: [], verification: null },
  failed: { ...BASE, state: 'failed', ...ENDED, failure: { kind: 'lost', detail: 'gone' } },
  cancelled: { ...BASE, state: 'cancelled', ...ENDED },
};

/** Which events each state accepts: the table, written out once more so a change to it is seen. */
const ACCEPTS: Record<JobState, JobEvent['type'][]> = {
  created: ['submitted', 'failed', 'cancelled'],
  queued: ['waiting', 'started', 'completed', 'failed', 'cancelled'],
  running: ['requeued', 'completed', 'failed', 'cancelled'],
  completed: [],
  failed: [],
  cancelled: [],
};

describe('job transitions', () => {
  for (const state of JOB_STATES) {
    it(`from ${state}, accepts ${ACCEPTS[state].join(', ') || 'nothing'}`, () => {
      const accepted = EVENTS.filter((e) => transition(IN[state], e) !== null).map((e) => e.type);
      assert.deepEqual(accepted, ACCEPTS[state]);
    });
  }

  it('an ended job never changes again, whatever happens', () => {
    for (const state of ENDED_STATES) for (const event of EVENTS) assert.equal(transition(IN[state], event), null);
  });

  it("each event gives its state's every field, keeping what the job already had", () => {
    const ran = { schedulerId: '42', node: 'n0', startedAt: AT };
    assert.deepEqual(transition(IN.created, EVENTS[0]!), { state: 'queued', schedulerId: '42', queueReason: null, queuePosition: null });
    assert.deepEqual(transition(IN.queued, EVENTS[1]!), { state: 'queued', schedulerId: '42', queueReason: 'Resources', queuePosition: 2 });
    assert.deepEqual(transition(IN.queued, EVENTS[2]!), { state: 'running', schedulerId: '42', node: 'n1', startedAt: AT });
    assert.deepEqual(transition(IN.running, EVENTS[3]!), { state: 'queued', schedulerId: '42', queueReason: 'Priority', queuePosition: 1 });
    assert.deepEqual(transition(IN.running, EVENTS[4]!), { state: 'completed', ...ran, node: 'n1', endedAt: AT, result, outputs: ['1/2/1'], verification: null });
    assert.deepEqual(transition(IN.running, EVENTS[5]!), { state: 'failed', ...ran, endedAt: AT, result: null, failure: { kind: 'exit-code', code: 3 } });
    assert.deepEqual(transition(IN.queued, EVENTS[6]!), { state: 'cancelled', schedulerId: '42', node: null, startedAt: null, endedAt: AT, result: null });
    assert.deepEqual(transition(IN.created, EVENTS[6]!), { state: 'cancelled', schedulerId: null, node: null, startedAt: null, endedAt: AT, result: null });
  });
});

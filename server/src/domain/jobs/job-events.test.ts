import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobResult } from '@narrative/launcher-native';
import { transition, type JobEvent } from './job-events.js';
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
      const accepted = EVENTS.filter((e) => transition({ state }, e) !== null).map((e) => e.type);
      assert.deepEqual(accepted, ACCEPTS[state]);
    });
  }

  it('an ended job never changes again, whatever happens', () => {
    for (const state of ENDED_STATES) for (const event of EVENTS) assert.equal(transition({ state }, event), null);
  });

  it('each event sets only its own fields', () => {
    assert.deepEqual(transition({ state: 'created' }, EVENTS[0]!), { state: 'queued', schedulerId: '42' });
    assert.deepEqual(transition({ state: 'queued' }, EVENTS[1]!), { queueReason: 'Resources', queuePosition: 2 });
    assert.deepEqual(transition({ state: 'queued' }, EVENTS[2]!), { state: 'running', node: 'n1', startedAt: AT, queueReason: null, queuePosition: null });
    assert.deepEqual(transition({ state: 'running' }, EVENTS[3]!), { state: 'queued', node: null, queueReason: 'Priority', queuePosition: 1 });
    assert.deepEqual(transition({ state: 'running' }, EVENTS[4]!), { state: 'completed', outputs: ['1/2/1'], endedAt: AT, node: 'n1', result });
    assert.deepEqual(transition({ state: 'running' }, EVENTS[5]!), { state: 'failed', failure: { kind: 'exit-code', code: 3 }, endedAt: AT });
    assert.deepEqual(transition({ state: 'created' }, EVENTS[6]!), { state: 'cancelled', endedAt: AT });
  });
});

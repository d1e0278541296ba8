import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { job } from './model.fixture.js';
import { isEnded, isRetryable, jobOf, outputsOf, transition, type AppCellState } from './state.js';

const running = job({ id: 1, state: 'running', node: 'n1' });
const completed = job({ id: 1, state: 'completed', outputs: ['7/3/1'] });
const failed = job({ id: 1, state: 'failed', failure: { kind: 'exit-code', code: 3 } });
const editing: AppCellState = { kind: 'editing' };
const following: AppCellState = { kind: 'following', job: running };
const ended: AppCellState = { kind: 'ended', job: completed };

describe('app cell states', () => {
  it('restores to editing, following or ended by the job found', () => {
    assert.deepEqual(transition({ kind: 'restoring' }, { type: 'restored', job: null }), editing);
    assert.deepEqual(transition({ kind: 'restoring' }, { type: 'restored', job: running }), following);
    assert.deepEqual(transition({ kind: 'restoring' }, { type: 'restored', job: completed }), ended);
    assert.equal(transition(editing, { type: 'restored', job: null }), null, 'restored once');
  });

  it('runs from editing or after an end, never while a job runs or a request is out', () => {
    assert.deepEqual(transition(editing, { type: 'submit', action: 'run' }), { kind: 'submitting', action: 'run', job: null });
    assert.deepEqual(transition(ended, { type: 'submit', action: 'run' }), { kind: 'submitting', action: 'run', job: completed });
    assert.equal(transition(following, { type: 'submit', action: 'run' }), null);
    assert.equal(transition({ kind: 'restoring' }, { type: 'submit', action: 'run' }), null);
    assert.equal(transition({ kind: 'submitting', action: 'run', job: null }, { type: 'submit', action: 'run' }), null, 'a double click sends one request');
  });

  it('cancels only a job that runs, retries only one that failed or was cancelled', () => {
    assert.deepEqual(transition(following, { type: 'submit', action: 'cancel' }), { kind: 'submitting', action: 'cancel', job: running });
    assert.equal(transition(ended, { type: 'submit', action: 'cancel' }), null);
    assert.equal(transition(ended, { type: 'submit', action: 'retry' }), null, 'a completed job is not retried');
    assert.deepEqual(transition({ kind: 'ended', job: failed }, { type: 'submit', action: 'retry' }), { kind: 'submitting', action: 'retry', job: failed });
    assert.equal(transition(following, { type: 'submit', action: 'retry' }), null);
  });

  it('follows the answer, or goes back to what it showed when the request failed', () => {
    const second = job({ id: 2, state: 'created' });
    assert.deepEqual(transition({ kind: 'submitting', action: 'run', job: completed }, { type: 'answered', job: second }), { kind: 'following', job: second });
    assert.deepEqual(transition({ kind: 'submitting', action: 'run', job: null }, { type: 'request-failed' }), editing);
    assert.deepEqual(transition({ kind: 'submitting', action: 'cancel', job: running }, { type: 'request-failed' }), following);
    assert.equal(transition(editing, { type: 'answered', job: second }), null, 'an answer nobody waits for');
  });

  it('takes updates of the job shown, until it has ended', () => {
    assert.deepEqual(transition(following, { type: 'update', job: completed }), ended);
    assert.equal(transition(following, { type: 'update', job: job({ id: 2, state: 'running' }) }), null, 'another job');
    assert.equal(transition(ended, { type: 'update', job: running }), null, 'an older answer never takes an ended job back');
    assert.equal(transition(editing, { type: 'update', job: running }), null);
    // A request out keeps the controls locked: the job changes, the state stays.
    assert.deepEqual(transition({ kind: 'submitting', action: 'cancel', job: running }, { type: 'update', job: completed }), { kind: 'submitting', action: 'cancel', job: completed });
    // The cancel's answer, older than the stream's end, keeps the end.
    assert.deepEqual(transition({ kind: 'submitting', action: 'cancel', job: completed }, { type: 'answered', job: running }), ended);
  });

  it('verifies only a completed job; adopts a job started elsewhere unless restoring, asking, or already showing it', () => {
    assert.deepEqual(transition(ended, { type: 'submit', action: 'verify' }), { kind: 'submitting', action: 'verify', job: completed });
    assert.equal(transition({ kind: 'ended', job: failed }, { type: 'submit', action: 'verify' }), null);
    const next = job({ id: 2, state: 'queued' });
    assert.deepEqual(transition(editing, { type: 'adopted', job: next }), { kind: 'following', job: next });
    assert.deepEqual(transition(ended, { type: 'adopted', job: next }), { kind: 'following', job: next });
    assert.deepEqual(transition(following, { type: 'adopted', job: next }), { kind: 'following', job: next });
    assert.equal(transition({ kind: 'restoring' }, { type: 'adopted', job: next }), null);
    assert.equal(transition({ kind: 'submitting', action: 'run', job: null }, { type: 'adopted', job: next }), null);
    assert.equal(transition(ended, { type: 'adopted', job: completed }), null);
  });

  it('says which job ended, can be retried, and what it made', () => {
    assert.deepEqual([running, completed, failed].map(isEnded), [false, true, true]);
    assert.deepEqual([completed, failed, job({ id: 1, state: 'cancelled' })].map(isRetryable), [false, true, true]);
    assert.deepEqual(outputsOf(completed), ['7/3/1']);
    assert.deepEqual(outputsOf(job({ id: 1, state: 'failed', outputs: ['7/3/1'] })), [], 'only a completed job has outputs');
    assert.equal(jobOf(editing), null);
    assert.equal(jobOf(following), running);
  });
});

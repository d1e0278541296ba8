import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Job } from '@narrative/server/client';
import { attemptsFrom, isResubmission, mayBeResubmitted } from './attempts.js';
import { groupRuns, HISTORY_PAGE, paramChanges } from './history.js';
import { APP, cell, job, NARRATIVE, next, object, trans } from './model.fixture.js';
import { attemptLines, attemptWords, changeWords, paramsWords, resourcesLine, usageOf } from './run-words.js';

const READS = '7/1/1';
const HERE = { id: NARRATIVE, version: null, cell: 'cell-1' };

/** A completed run of this cell (by alice unless said), made in id order. */
function run(id: number, params: Record<string, unknown>, fields: Record<string, unknown> = {}): Job {
  return job({ id, state: 'completed', params, outputs: [`7/${id}/1`], narrative: HERE, createdAt: `2025-01-01T00:${String(id % 60).padStart(2, '0')}:00Z`, ...fields });
}

const OOM = { kind: 'out-of-memory', limitMiB: 64, peakMiB: 64, message: 'killed for memory: its limit is 64 MiB and it held 64 MiB at its peak' } as const;
const BIGGER = { cpus: 1, memoryMiB: 128, timeMinutes: 5, gpus: 0 };

/** Lets the model's awaited requests (and the fake's one-millisecond polls) run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('the run history of an app cell', () => {
  it("lists nothing when the narrative's lookup counted no run of the cell's but its own job, and lists when it counted more", async () => {
    const alone = cell({ jobId: 12, state: 'completed', cellId: 'cell-1' }, { lookup: true });
    alone.server.add(run(12, { mode: 'ok' }));
    alone.server.add(run(13, { mode: 'ok' }, { narrative: { ...HERE, cell: 'another-cell' } }));
    await alone.model.restore();
    await alone.model.history.load();
    assert.deepEqual([alone.model.history.runs.map((r) => r.job.id), alone.model.history.hasMore], [[12], false]);
    assert.equal(alone.server.calls.filter((c) => c.startsWith('list')).length, 0, 'nothing listed');

    const more = cell({ jobId: 12, state: 'completed', cellId: 'cell-1' }, { lookup: true });
    more.server.add(run(11, { mode: 'slow' }));
    more.server.add(run(12, { mode: 'ok' }));
    await more.model.restore();
    await more.model.history.load();
    assert.deepEqual(more.model.history.runs.map((r) => r.job.id), [12, 11]);
    assert.deepEqual(more.server.calls.filter((c) => c.startsWith('list')), ['list']);

    const readers = cell({ jobId: 12, state: 'completed', cellId: 'cell-1' }, { lookup: true });
    readers.server.caller = 'bob';
    readers.server.add(run(12, { mode: 'ok' }));
    await readers.model.restore();
    await readers.model.history.load();
    assert.deepEqual([readers.model.history.runs.map((r) => r.job.id), readers.server.calls.filter((c) => c.startsWith('list'))], [[12], []], "a reader with no runs of his own lists nothing: the cell's job is its history");
  });

  it("lists the cell's own runs newest first, a page at a time, with the parameters that changed from the run before", async () => {
    const c = cell({ jobId: 12, state: 'completed', inputs: { reads: READS }, cellId: 'cell-1' });
    for (let id = 1; id <= 12; id++) c.server.add(run(id, { mode: id % 3 === 0 ? 'slow' : 'ok', ...(id === 12 ? { lines: 4 } : {}) }));
    c.server.add(run(13, { mode: 'ok' }, { narrative: { ...HERE, cell: 'another-cell' } }));
    c.server.add(run(14, { mode: 'ok' }, { user: 'bob' }));
    await c.model.restore();
    const changed = next(c.model.history.changed);
    const loading = c.model.history.load();
    assert.equal(c.model.history.loading, true);
    await changed;
    await loading;
    const { history } = c.model;
    assert.deepEqual(history.runs.map((r) => r.job.id), [12, 11, 10, 9, 8, 7, 6, 5, 4, 3]);
    assert.equal(HISTORY_PAGE, 10);
    assert.equal(history.hasMore, true);
    assert.deepEqual(history.runs[0]!.changes, [{ name: 'lines', before: undefined, after: 4 }, { name: 'mode', before: 'ok', after: 'slow' }]);
    assert.deepEqual(history.runs[1]!.changes, [], 'run 11 repeats the parameters of run 10');
    assert.deepEqual(history.runs[2]!.changes, [{ name: 'mode', before: 'slow', after: 'ok' }]);
    assert.equal(history.runs[9]!.changes, null, 'run 3 is the oldest listed: what came before is not known yet');
    assert.equal(history.isLatest(history.runs[0]!), true);
    assert.equal(history.shown, null, 'the latest shows');
    await history.more();
    assert.deepEqual(history.runs.map((r) => r.job.id), [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    assert.deepEqual(history.runs[9]!.changes, [{ name: 'mode', before: 'ok', after: 'slow' }]);
    assert.equal(history.runs[11]!.changes, null, 'the first run has none before it');
    assert.equal(history.hasMore, false);
    assert.deepEqual(c.server.calls.filter((call) => call.startsWith('list')), ['list', 'list after 3']);
    await history.more();
    await history.load();
    assert.equal(c.server.calls.filter((call) => call.startsWith('list')).length, 2, 'nothing is listed twice');
  });

  it('shows an earlier run with its own log and outputs, and the latest again; a new run shows at the top, and nothing is hidden', async () => {
    const c = cell({ jobId: 2, state: 'completed', inputs: { reads: READS }, cellId: 'cell-1' });
    c.server.add(run(1, { mode: 'slow' }));
    c.server.add(run(2, { mode: 'ok' }));
    c.server.logs.set(1, ['uid 1000 mode slow']);
    c.server.logs.set(2, ['uid 1000 mode ok']);
    c.server.objects.set('7/1/1', object('7/1/1', 'stats-job1'));
    c.server.objects.set('7/2/1', object('7/2/1', 'stats-job2'));
    await c.model.restore();
    await c.model.history.load();
    const { history } = c.model;
    const earlier = history.runs[1]!;
    const described = next(history.results.outputsChanged);
    const showing = history.show(earlier);
    assert.equal(history.shown?.job.id, 1, 'the earlier run is marked shown at once');
    await described;
    await showing;
    assert.deepEqual(history.results.log, ['uid 1000 mode slow']);
    assert.equal(history.results.output('7/1/1')?.name, 'stats-job1');
    assert.deepEqual(c.model.results.log, ['uid 1000 mode ok'], "the cell's own job keeps its log");
    assert.equal(c.model.job?.id, 2, 'showing an earlier run changes nothing the cell records');
    assert.equal(c.stored().jobId, 2);
    await history.show(null);
    assert.equal(history.shown, null);

    // An earlier run shows again; Run makes a new job, which shows as the latest at the top.
    await history.show(earlier);
    await c.model.run();
    assert.equal(history.shown, null, 'a new run shows');
    assert.deepEqual(history.runs.map((r) => r.job.id), [100, 2, 1]);
    assert.deepEqual(history.runs[0]!.changes, []);
    c.streams.current.listener.job(job({ id: 100, state: 'running', params: { mode: 'ok' }, narrative: HERE }));
    assert.equal(history.runs[0]!.job.state, 'running', 'the latest run is followed live');
    assert.deepEqual(outputsOfRuns(history.runs), [[], ['7/2/1'], ['7/1/1']], "every earlier run's outputs are still listed");
  });

  it("lists a reader's view: the cell's own job and the jobs it links to, though none of them are the reader's", async () => {
    const c = cell({ jobId: 9, state: 'completed', inputs: { reads: READS }, cellId: 'cell-1' }, { readOnly: true });
    c.server.caller = 'bob';
    c.server.add(run(3, { mode: 'ok' }));
    c.server.add(run(5, { mode: 'fail' }, { state: 'failed', outputs: undefined, failure: { kind: 'exit-code', code: 3 }, retriedBy: 6 }));
    c.server.add(run(6, { mode: 'ok' }, { retryOf: 5, rerunOf: 3, attempt: 2 }));
    c.server.add(run(9, { mode: 'ok' }, { rerunOf: 6, verify: true }));
    c.server.add(run(20, { mode: 'ok' }, { user: 'bob', narrative: { ...HERE, cell: 'other' } }));
    c.server.jobs.delete(3);
    await c.model.restore();
    await c.model.history.load();
    const { history } = c.model;
    assert.deepEqual(history.runs.map((r) => r.job.id), [9, 6, 5], 'job 3 cannot be read, and is left out');
    assert.equal(history.error, null);
    assert.equal(history.runs[2]!.attempts.length, 1, 'a Retry by hand of an exit-code failure is a run of its own');
    assert.deepEqual(history.runs[1]!.changes, [{ name: 'mode', before: 'fail', after: 'ok' }]);
    assert.equal(c.writes.length, 0, 'a reader writes nothing');
  });

  it("says why the runs could not be listed, still shows the cell's job, and lists them when asked again", async () => {
    const c = cell({ jobId: 2, state: 'completed', inputs: { reads: READS }, cellId: 'cell-1' });
    c.server.add(run(1, { mode: 'ok' }));
    c.server.add(run(2, { mode: 'ok' }, { retryOf: 1 }));
    c.server.refuseList = new Error('the server is restarting');
    await c.model.restore();
    await c.model.history.load();
    const { history } = c.model;
    assert.equal(history.error, 'the server is restarting');
    assert.deepEqual(history.runs.map((r) => r.job.id), [2, 1], 'the job and what it retried, read one by one');
    c.server.refuseList = null;
    await history.more();
    assert.equal(history.error, null);
    assert.equal(history.hasMore, false);
  });
});

describe('automatic resubmissions in an app cell', () => {
  it('follows a job killed for memory to its resubmission, and lists both as one run with its attempts', async () => {
    const c = cell({ jobId: 5, state: 'running', inputs: { reads: READS }, cellId: 'cell-1' });
    c.server.add(run(5, { mode: 'allocate' }, { state: 'running' }));
    await c.model.restore();
    const stream = c.streams.current;
    // The server records the failure, then resubmits with twice the memory: the job names its retry a moment later.
    const failed = run(5, { mode: 'allocate' }, { state: 'failed', outputs: undefined, failure: OOM, resubmitting: true });
    c.server.add(failed);
    stream.listener.job(failed);
    assert.equal(c.model.state.kind, 'ended');
    c.server.add({ ...failed, retriedBy: 6, resubmitting: false } as Job);
    c.server.add(run(6, { mode: 'allocate' }, { state: 'queued', outputs: undefined, retryOf: 5, attempt: 2, resources: BIGGER }));
    await settle();
    assert.deepEqual([c.model.state.kind, c.model.job?.id, c.streams.current.jobId, c.stored().jobId], ['following', 6, 6, 6]);
    const { history } = c.model;
    assert.equal(history.runs.length, 1);
    const [only] = history.runs;
    assert.deepEqual(only!.attempts.map((j) => j.id), [5, 6]);
    assert.equal(attemptWords(only!, trans), 'attempt 2 of a resubmission after out of memory');
    assert.deepEqual(attemptLines(only!, trans), [
      'Attempt 1 (job 5): failed: killed for memory: its limit is 64 MiB and it held 64 MiB at its peak, with 1 CPU · 64 MiB · 5 min time limit',
      'Attempt 2 (job 6): queued, with 1 CPU · 128 MiB · 5 min time limit',
    ]);
    c.server.logs.set(5, ['uid 1000 mode allocate']);
    await history.show(only!, only!.attempts[0]);
    assert.deepEqual([history.shownJob?.id, history.shown?.job.id, history.results.log], [5, 6, ['uid 1000 mode allocate']], 'the first attempt, with its own log');
    await history.show(only!);
    assert.equal(history.shownJob, null, "the run's last attempt is the cell's own job");
    c.streams.current.listener.job(run(6, { mode: 'allocate' }, { retryOf: 5, attempt: 2, resources: BIGGER }));
    assert.deepEqual([c.model.job?.state, c.stored().state], ['completed', 'completed'], 'followed to its end');
  });

  it("waits for a resubmission only when the server or the app's policy says one may come", async () => {
    // An exit code is never resubmitted: the job is not asked for again.
    const failing = cell({ jobId: 5, state: 'running', inputs: { reads: READS }, cellId: 'cell-1' });
    failing.server.add(run(5, {}, { state: 'running' }));
    await failing.model.restore();
    failing.streams.current.listener.job(run(5, {}, { state: 'failed', outputs: undefined, failure: { kind: 'exit-code', code: 3 } }));
    await settle();
    assert.deepEqual(failing.server.calls.filter((call) => call === 'job 5'), ['job 5'], 'only the restore asked');

    // An older server says nothing: the app's policy (once after out of memory) is asked, and a resubmission that comes is followed.
    const older = cell({ jobId: 5, state: 'running', inputs: { reads: READS }, cellId: 'cell-1' });
    older.server.app = { ...APP, spec: { ...APP.spec, retry: { outOfMemory: { maxAttempts: 1, factor: 2 } } } };
    older.server.add(run(5, {}, { state: 'running' }));
    await older.model.restore();
    older.server.add(run(6, {}, { state: 'running', outputs: undefined, retryOf: 5, attempt: 2, resources: BIGGER }));
    older.streams.current.listener.job(run(5, {}, { state: 'failed', outputs: undefined, failure: OOM, retriedBy: 6 }));
    await settle();
    assert.equal(older.model.job?.id, 6);

    // The same app at its last attempt: no more resubmissions, so nothing is waited for.
    const last = run(6, {}, { state: 'failed', outputs: undefined, failure: OOM, attempt: 2, resources: BIGGER });
    assert.equal(mayBeResubmitted(last, older.server.app.spec), false);
    assert.equal(mayBeResubmitted({ ...last, resubmitting: false } as Job, undefined), false, 'the server says none comes');
    assert.equal(mayBeResubmitted({ ...last, resubmitting: true } as Job, older.server.app.spec), true, 'the server is believed over the spec');
  });

  it('a Retry by hand after out of memory is a run of its own; a resubmission asks for more of what ran out', () => {
    const failed = run(5, {}, { state: 'failed', outputs: undefined, failure: OOM, retriedBy: 6 });
    const byHand = run(6, {}, { retryOf: 5, attempt: 2 });
    const resubmitted = run(6, {}, { retryOf: 5, attempt: 2, resources: BIGGER });
    assert.equal(isResubmission(failed, byHand), false);
    assert.equal(isResubmission(failed, resubmitted), true);
    assert.equal(isResubmission(failed, run(6, {}, { retryOf: 4, resources: BIGGER })), false, 'not its retry');
    const walltime = run(7, {}, { state: 'failed', outputs: undefined, failure: { kind: 'walltime', limitSeconds: 300 } });
    assert.equal(isResubmission(walltime, run(8, {}, { retryOf: 7, resources: { ...walltime.resources, timeMinutes: 10 } })), true);
    assert.deepEqual(groupRuns([failed, byHand]).map((r) => r.attempts.length), [1, 1]);
    assert.deepEqual(groupRuns([failed, resubmitted]).map((r) => r.attempts.map((j) => j.id)), [[5, 6]]);
  });

  it('opens a cell whose job was resubmitted since at its last attempt', async () => {
    const c = cell({ jobId: 5, state: 'failed', inputs: { reads: READS }, cellId: 'cell-1' });
    c.server.add(run(5, {}, { state: 'failed', outputs: undefined, failure: OOM, retriedBy: 6 }));
    c.server.add(run(6, {}, { state: 'failed', outputs: undefined, failure: OOM, retryOf: 5, attempt: 2, resources: BIGGER, retriedBy: 7 }));
    c.server.add(run(7, {}, { state: 'running', outputs: undefined, retryOf: 6, attempt: 3, resources: { ...BIGGER, memoryMiB: 256 } }));
    await c.model.restore();
    assert.deepEqual([c.model.state.kind, c.model.job?.id, c.streams.current.jobId, c.stored().jobId], ['following', 7, 7, 7]);
    assert.deepEqual(c.model.history.runs.map((r) => r.attempts.map((j) => j.id)), [[5, 6, 7]]);
    assert.deepEqual((await attemptsFrom(c.server.client, run(1, {}))).map((j) => j.id), [1], 'a completed job is its only attempt');

    // Opened after the failure but before the server resubmitted it: the cell waits for the resubmission.
    const early = cell({ jobId: 5, state: 'failed', inputs: { reads: READS }, cellId: 'cell-1' });
    early.server.add(run(5, {}, { state: 'failed', outputs: undefined, failure: OOM, resubmitting: true }));
    await early.model.restore();
    assert.equal(early.model.job?.id, 5);
    early.server.add(run(5, {}, { state: 'failed', outputs: undefined, failure: OOM, retriedBy: 6, resubmitting: false }));
    early.server.add(run(6, {}, { state: 'running', outputs: undefined, retryOf: 5, attempt: 2, resources: BIGGER }));
    await settle();
    assert.deepEqual([early.model.job?.id, early.stored().jobId], [6, 6]);
  });
});

describe('the words of a run', () => {
  it('says what a run asked for and, when the server measured it, what it used', () => {
    const done = run(1, {});
    assert.equal(usageOf(done), null, 'a server without usage: nothing is made up');
    assert.equal(resourcesLine(done, trans), 'Asked for 1 CPU · 64 MiB · 5 min time limit');
    const measured = { ...done, usage: { cpuSeconds: 12.4, peakMemoryMiB: 40.2, wallSeconds: 20 } } as Job;
    assert.equal(resourcesLine(measured, trans), 'Asked for 1 CPU · 64 MiB · 5 min time limit; used 12 s of CPU, 40 MiB at its peak, in 20 s');
    const quick = { ...done, usage: { cpuSeconds: 0.04, peakMemoryMiB: 1.26, wallSeconds: 95 } } as Job;
    assert.equal(resourcesLine(quick, trans), 'Asked for 1 CPU · 64 MiB · 5 min time limit; used under 0.1 s of CPU, 1.3 MiB at its peak, in 1 min');
    assert.deepEqual(usageOf({ ...done, usage: { cpuSeconds: null, peakMemoryMiB: 7 } } as Job), { cpuSeconds: null, peakMemoryMiB: 7, wallSeconds: null });
    const killed = run(2, {}, { state: 'failed', outputs: undefined, failure: OOM, usage: null });
    assert.equal(resourcesLine(killed, trans), 'Asked for 1 CPU · 64 MiB · 5 min time limit; used 64 MiB at its peak', 'the peak an out-of-memory failure measured');
  });

  it('says which parameters changed', () => {
    assert.deepEqual(paramChanges({ mode: 'ok', lines: 2 }, { mode: 'slow', lines: 2, seed: 7 }), [{ name: 'mode', before: 'ok', after: 'slow' }, { name: 'seed', before: undefined, after: 7 }]);
    assert.equal(changeWords(paramChanges({ mode: 'ok', lines: 2 }, { mode: 'slow' }), trans), 'lines: 2 → –, mode: ok → slow');
    assert.equal(changeWords([], trans), 'same parameters');
    assert.equal(paramsWords({ mode: 'ok', lines: 4 }, trans), 'lines: 4, mode: ok');
    assert.equal(paramsWords({}, trans), 'no parameters');
    assert.deepEqual(paramChanges({ range: [1, 2] }, { range: [1, 2] }), [], 'values compared whole');
  });
});

function outputsOfRuns(runs: readonly { job: Job }[]): string[][] {
  return runs.map((r) => (r.job.state === 'completed' ? r.job.outputs : []));
}

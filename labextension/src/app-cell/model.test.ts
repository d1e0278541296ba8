import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppCellState } from './state.js';
import { cell, deferred, job, NARRATIVE, next, object, WSID } from './model.fixture.js';

const READS = { ref: '7/1/1', type: 'Genomics.Reads-1.0', name: 'reads.fastq' };

/** The kinds of state a model goes through, as its stateChanged reports them. */
function kinds(model: { stateChanged: { connect(slot: (sender: unknown, state: AppCellState) => void): unknown } }): string[] {
  const seen: string[] = [];
  model.stateChanged.connect((_, state) => seen.push(state.kind));
  return seen;
}

describe('the app cell model', () => {
  it('restores a new cell to editing, with the parameter defaults, and runs once its inputs are valid', async () => {
    const c = cell();
    const seen = kinds(c.model);
    await c.model.restore();
    assert.deepEqual(seen, ['editing']);
    assert.deepEqual(c.stored().params, { mode: 'ok' });
    assert.equal(c.model.canRun, false);
    assert.deepEqual([...c.model.form.errors()], [['input:reads', 'Drop a Genomics.Reads-1.0 object here.']]);
    c.model.form.setInput('reads', ' 7/1/1 ');
    assert.deepEqual(c.stored().inputs, { reads: '7/1/1' });
    assert.equal(c.model.canRun, true);
  });

  it('restores an ended job in one change, with its log, outputs and input names, and writes nothing new', async () => {
    const saved = { jobId: 5, state: 'completed', outputs: ['7/3/1'], params: { mode: 'slow' }, inputs: { reads: READS.ref }, cellId: 'cell-1' };
    const c = cell(saved);
    c.server.add(job({ id: 5, state: 'completed', outputs: ['7/3/1'] }));
    c.server.logs.set(5, ['counting', 'done']);
    c.server.objects.set('7/3/1', object('7/3/1', 'stats-job5'));
    c.server.objects.set(READS.ref, object(READS.ref, READS.name, READS.type));
    const seen = kinds(c.model);
    await c.model.restore();
    assert.deepEqual(seen, ['ended']);
    assert.deepEqual(c.model.results.log, ['counting', 'done']);
    assert.equal(c.model.results.output('7/3/1')?.name, 'stats-job5');
    assert.equal(c.model.form.inputName(READS.ref), READS.name);
    assert.deepEqual(c.stored(), { id: 'test/count-lines', version: '1.0.0', ...saved });
    assert.equal(c.streams.opened.length, 0, 'an ended job is not streamed');
    assert.equal(c.completed(), 0, 'opening a narrative refreshes no panel');
    assert.equal(c.model.canRun, true, 'it can run again');
    assert.equal(c.model.offersRetry, false, 'a completed job is not retried');
  });

  it('follows a restored running job: log lines, then its end with outputs, which refreshes the Data panel', async () => {
    const c = cell({ jobId: 5, state: 'running', inputs: { reads: READS.ref } });
    c.server.add(job({ id: 5, state: 'running', node: 'n1' }));
    c.server.objects.set('7/3/1', object('7/3/1', 'stats-job5'));
    await c.model.restore();
    assert.equal(c.model.state.kind, 'following');
    assert.equal(c.model.locked, true);
    assert.equal(c.model.offersCancel, true);
    const stream = c.streams.current;
    assert.equal(stream.jobId, 5);
    const logged = next(c.model.results.logChanged);
    stream.listener.log('uid 1000 mode slow');
    assert.deepEqual(await logged, ['uid 1000 mode slow']);
    const described = next(c.model.results.outputsChanged);
    stream.listener.job(job({ id: 5, state: 'completed', outputs: ['7/3/1'] }));
    assert.equal(c.model.state.kind, 'ended');
    await described;
    assert.equal(c.model.results.output('7/3/1')?.name, 'stats-job5');
    // The Data panel is told once the outputs are shown.
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(c.completed(), 1);
    assert.deepEqual([c.stored().state, c.stored().outputs], ['completed', ['7/3/1']]);
    // A refresh that answers late never takes the ended job back.
    stream.listener.job(job({ id: 5, state: 'running' }));
    assert.equal(c.model.job?.state, 'completed');
  });

  it('runs: locked while the request is out, one request for a double click, then follows the new job', async () => {
    const c = cell({ inputs: { reads: READS.ref } });
    await c.model.restore();
    const hold = deferred();
    c.server.hold = hold.promise;
    const run = c.model.run();
    assert.equal(c.model.state.kind, 'submitting');
    assert.equal(c.model.canRun, false);
    c.model.form.setParam('mode', 'slow');
    assert.equal(c.stored().params.mode, 'ok', 'the form is locked');
    await c.model.run();
    hold.resolve();
    await run;
    assert.equal(c.server.runs.length, 1);
    const [request] = c.server.runs;
    assert.deepEqual({ ...request, clientRequestId: undefined }, { app: 'test/count-lines', version: '1.0.0', ws: String(WSID), inputs: { reads: READS.ref }, params: { mode: 'ok' }, clientRequestId: undefined, narrative: { id: NARRATIVE, cell: 'cell-1' } });
    assert.equal(c.model.state.kind, 'following');
    assert.equal(c.streams.current.jobId, 100);
    assert.deepEqual([c.stored().jobId, c.stored().cellId, c.stored().state], [100, 'cell-1', 'created']);
  });

  it('shows why a run failed, and asks again with the same request id (one job however often it is sent)', async () => {
    const c = cell({ inputs: { reads: READS.ref } });
    await c.model.restore();
    c.server.refuse = new Error('the server is restarting');
    await c.model.run();
    assert.equal(c.model.state.kind, 'editing');
    assert.equal(c.model.error, 'the server is restarting');
    await c.model.run();
    assert.equal(c.model.error, null);
    assert.equal(c.server.runs.length, 2);
    assert.equal(c.server.runs[0]!.clientRequestId, c.server.runs[1]!.clientRequestId);
    c.streams.current.listener.job(job({ id: 100, state: 'failed', failure: { kind: 'exit-code', code: 3 } }));
    await c.model.run();
    assert.notEqual(c.server.runs[2]!.clientRequestId, c.server.runs[1]!.clientRequestId, 'a new run, a new id');
  });

  it('cancels its running job, then retries it as a new job with a fresh log', async () => {
    const c = cell({ jobId: 5, state: 'running', inputs: { reads: READS.ref } });
    c.server.add(job({ id: 5, state: 'running' }));
    await c.model.restore();
    const first = c.streams.current;
    first.listener.log('sleeping');
    await c.model.cancel();
    assert.deepEqual([c.model.state.kind, c.model.job?.state], ['ended', 'cancelled']);
    assert.equal(c.model.offersRetry, true);
    assert.equal(c.completed(), 0, 'a cancelled job refreshes nothing');
    await c.model.retry();
    assert.deepEqual([c.model.state.kind, c.model.job?.id, c.model.job?.retryOf], ['following', 100, 5]);
    assert.deepEqual(c.model.results.log, []);
    assert.equal(c.streams.current.jobId, 100);
    assert.equal(c.streams.opened[0]!.disposed, true, 'the old stream is closed');
    first.listener.log('late line of job 5');
    assert.deepEqual(c.model.results.log, []);
  });

  it('re-runs a completed job to verify it, then follows the re-run; a failed job offers no verification', async () => {
    const c = cell({ jobId: 5, state: 'completed', inputs: { reads: READS.ref } });
    c.server.add(job({ id: 5, state: 'completed', outputs: ['7/3/1'] }));
    c.server.objects.set('7/3/1', object('7/3/1', 'stats-job5'));
    await c.model.restore();
    assert.equal(c.model.offersVerify, true);
    await c.model.verify();
    assert.deepEqual(c.server.calls.filter((call) => call.startsWith('rerun')), ['rerun 5 verify']);
    assert.deepEqual([c.model.state.kind, c.model.job?.id, c.model.job?.rerunOf, c.model.job?.verify], ['following', 100, 5, true]);
    assert.equal(c.stored().jobId, 100, 'the cell records the re-run as its job');
    const failed = cell({ jobId: 6, state: 'failed', inputs: { reads: READS.ref } });
    failed.server.add(job({ id: 6, state: 'failed', failure: { kind: 'exit-code', code: 3 } }));
    await failed.model.restore();
    assert.equal(failed.model.offersVerify, false);
  });

  it("follows a job a whole-narrative run started for it, and names the earlier cell's new output it took", async () => {
    const c = cell({ jobId: 5, state: 'completed', inputs: { reads: '7/3/1' } });
    c.server.add(job({ id: 5, state: 'completed', outputs: ['7/8/1'] }));
    await c.model.restore();
    c.model.adopt(job({ id: 9, state: 'queued', inputs: [{ name: 'reads', given: '7/3/1', resolved: '', from: { job: 8, output: 'stats' } }] }));
    assert.deepEqual([c.model.state.kind, c.model.job?.id, c.streams.current.jobId, c.stored().jobId], ['following', 9, 9, 9]);
    c.streams.current.listener.job(job({ id: 9, state: 'completed', outputs: ['7/10/1'], inputs: [{ name: 'reads', given: '7/3/1', resolved: '7/4/1', from: { job: 8, output: 'stats' } }] }));
    assert.deepEqual(c.stored().inputs, { reads: '7/4/1' });
  });

  it('leaves the jobs of another workspace alone (a copied narrative shows the original jobs)', async () => {
    const c = cell({ jobId: 5, state: 'failed', inputs: { reads: READS.ref } }, { wsid: WSID + 1 });
    c.server.add(job({ id: 5, state: 'failed', failure: { kind: 'exit-code', code: 3 } }));
    await c.model.restore();
    assert.equal(c.model.offersRetry, false);
    await c.model.retry();
    assert.deepEqual(c.server.calls.filter((call) => call.startsWith('retry')), []);
    assert.equal(c.model.canRun, true, 'Run makes a job of this narrative');
  });

  it('changes nothing for a reader', async () => {
    const c = cell({ jobId: 5, state: 'failed', inputs: {} }, { readOnly: true });
    c.server.add(job({ id: 5, state: 'failed' }));
    await c.model.restore();
    assert.deepEqual([c.model.locked, c.model.canRun, c.model.offersRetry], [true, false, false]);
    assert.equal(c.model.form.dropInput('reads', READS), false);
    c.model.form.setInput('reads', READS.ref);
    await c.model.run();
    assert.deepEqual([c.writes.length, c.server.runs.length], [0, 0]);
  });

  it('takes a dropped object of a type the input takes, and says why it refuses another', async () => {
    const c = cell();
    await c.model.restore();
    const changes: { name: string; typed: boolean }[] = [];
    c.model.form.inputsChanged.connect((_, change) => changes.push(change));
    assert.equal(c.model.form.dropInput('reads', { ref: '7/2/1', type: 'Report.Report-1.0', name: 'notes.txt' }), false);
    assert.equal(c.model.form.inputRefusal('reads'), 'notes.txt is a Report.Report-1.0; this input takes Genomics.Reads-1.0.');
    assert.deepEqual(c.stored().inputs, {});
    assert.equal(c.model.form.dropInput('reads', READS), true);
    assert.equal(c.model.form.inputRefusal('reads'), undefined);
    assert.equal(c.model.form.inputName(READS.ref), READS.name);
    assert.deepEqual(c.stored().inputs, { reads: READS.ref });
    c.model.form.setInput('reads', '');
    assert.deepEqual(c.stored().inputs, {});
    assert.deepEqual(changes, [{ name: 'reads', typed: false }, { name: 'reads', typed: false }, { name: 'reads', typed: true }]);
    c.model.form.setParam('lines', 0);
    assert.equal(c.model.form.errors().get('param:lines'), 'Must be at least 1.');
    c.model.form.setParam('lines', undefined);
    assert.equal('lines' in c.stored().params, false);
  });

  it('shows a job that ended already when the run is answered (a repeated request) with its log and outputs', async () => {
    const c = cell({ inputs: { reads: READS.ref } });
    await c.model.restore();
    const done = c.server.add(job({ id: 9, state: 'completed', outputs: ['7/3/1'] }));
    c.server.logs.set(9, ['done']);
    c.server.objects.set('7/3/1', object('7/3/1', 'stats-job9'));
    Object.assign(c.server.client, { run: async () => done });
    const described = next(c.model.results.outputsChanged);
    await c.model.run();
    assert.equal(c.model.state.kind, 'ended');
    await described;
    assert.deepEqual([c.model.results.log, c.model.results.output('7/3/1')?.name, c.streams.opened.length], [['done'], 'stats-job9', 0]);
  });

  it("restores its job from the narrative's lookup, with its log, asking nothing of the job alone", async () => {
    const saved = { jobId: 5, state: 'completed', outputs: ['7/3/1'], inputs: { reads: READS.ref }, cellId: 'cell-1' };
    const c = cell(saved, { lookup: true });
    c.server.add(job({ id: 5, state: 'completed', outputs: ['7/3/1'] }));
    c.server.logs.set(5, ['counting', 'done']);
    c.server.objects.set('7/3/1', object('7/3/1', 'stats-job5'));
    await c.model.restore();
    assert.deepEqual([c.model.state.kind, c.model.job?.id, c.model.results.log], ['ended', 5, ['counting', 'done']]);
    assert.deepEqual(c.server.calls.filter((call) => /^(job|log|lookup) /.test(call)), [`lookup 5 runs of ${NARRATIVE}`]);
  });

  it("says the job is not there when the lookup has it missing (it does not exist, or may not be read)", async () => {
    const c = cell({ jobId: 5, state: 'completed' }, { lookup: true });
    await c.model.restore();
    assert.equal(c.model.error, 'Job 5 could not be loaded: it does not exist, or you may not read it.');
    assert.equal(c.model.job, null);
  });

  it('says why the app or the job could not be loaded', async () => {
    const c = cell({ jobId: 5, state: 'running' });
    c.server.appMissing = true;
    await c.model.restore();
    assert.equal(c.model.appError, 'no such app');
    assert.equal(c.model.error, 'no job 5');
    assert.deepEqual([c.model.state.kind, c.model.canRun], ['editing', false]);
  });

  it('closes its stream when disposed, and reports nothing after', async () => {
    const c = cell({ jobId: 5, state: 'running' });
    c.server.add(job({ id: 5, state: 'running' }));
    await c.model.restore();
    const stream = c.streams.current;
    c.model.dispose();
    assert.equal(c.streams.opened[0]!.disposed, true);
    stream.listener.job(job({ id: 5, state: 'completed' }));
    assert.equal(c.model.state.kind, 'following');
  });
});

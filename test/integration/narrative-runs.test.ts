import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { ClusterInfo } from '@narrative/launcher-native/cluster';
import { failureOf, outputsOf, verificationOf, type Job, type Narrative, type NarrativeClient, type NarrativeRun } from '@narrative/server/client';
import { saveAppCells, type AppCellFixture } from '../support/app-cells.js';
import { cliHomeIn, runCli, type CliTarget } from '../support/cli.js';
import { startHarness, type Harness } from '../support/harness.js';
import { slurmExecution, startCluster } from '../support/slurm-harness.js';
import { buildTestApp, relayApp, uploadReads } from '../support/test-app.js';

const execFileAsync = promisify(execFile);
const RELAY = { app: 'test/relay', version: '1.0.0' };
const READS = '@r1\nACGT\n+\nIIII\n@r2\nGGCC\n+\nIIII\n';

/**
 * A narrative run as one graph on the local Slurm: cells A → B → C (each
 * counting the lines of the one before) and D on its own. Run all submits
 * them at once, joined by afterok; a failing A fails B and C with the reason;
 * an update after a new reads version re-runs exactly A, B and C.
 */
describe('whole-narrative runs (local Slurm)', () => {
  let h: Harness;
  let cluster: ClusterInfo;
  let stopCluster: () => Promise<void>;
  let alice: NarrativeClient;
  let narrative: Narrative;
  let reads: string;
  let other: string;
  let cli: CliTarget;
  const cells: AppCellFixture[] = [];

  const slurm = async (argv: string[]) => (await execFileAsync(argv[0]!, argv.slice(1), { env: { ...process.env, ...cluster.env } })).stdout;

  const save = () => saveAppCells(alice, narrative, cells);

  const ended = async (run: NarrativeRun): Promise<NarrativeRun> => {
    const deadline = Date.now() + 180_000;
    let current = run;
    while (current.state === 'running') {
      assert.ok(Date.now() < deadline, `run ${run.id} still running: ${JSON.stringify(current.progress)}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      current = await alice.narrativeRun(run.narrative, run.id);
    }
    return current;
  };
  const jobOf = (run: NarrativeRun, cell: string): Job => run.steps.find((s) => s.cell === cell)!.job;
  /** The cells record their new jobs, as the lab does (the cells a run left out keep theirs). */
  const adopt = (run: NarrativeRun) => {
    for (const step of run.steps) cells.find((c) => c.id === step.cell)!.jobId = step.job.id;
  };

  before(async () => {
    const started = await startCluster();
    cluster = started.cluster;
    stopCluster = started.stop;
    h = await startHarness(['alice'], slurmExecution(cluster));
    alice = h.users.alice!.client;
    const app = await buildTestApp();
    await h.admin.registerApp(relayApp(app));
    narrative = await alice.createNarrative('Chain');
    reads = await uploadReads(alice, narrative.wsid, READS, { name: 'reads' });
    other = await uploadReads(alice, narrative.wsid, READS + READS, { name: 'other-reads' });
    cli = { url: h.server.url, home: await cliHomeIn(h.home), token: h.users.alice!.token };
  });
  after(async () => {
    await h?.stop();
    await stopCluster?.();
  });

  it('runs the cells once by hand, then all of them as one Slurm DAG whose dependencies Slurm reports', async () => {
    // The cells as a scientist builds them: each runs, and the next takes its output.
    const byHand = async (cell: string, input: string) =>
      alice.waitForJob((await alice.run({ app: 'test/relay', ws: String(narrative.wsid), inputs: { reads: input }, params: { mode: 'relay' }, narrative: { id: narrative.id, cell } })).id);
    const a = await byHand('cell-a', reads);
    const b = await byHand('cell-b', outputsOf(a)[0]!);
    const c = await byHand('cell-c', outputsOf(b)[0]!);
    const d = await byHand('cell-d', other);
    cells.push(
      { id: 'cell-a', ...RELAY, params: { mode: 'relay', pause: 4 }, inputs: { reads }, jobId: a.id },
      { id: 'cell-b', ...RELAY, params: { mode: 'relay' }, inputs: { reads: outputsOf(a)[0]! }, jobId: b.id },
      { id: 'cell-c', ...RELAY, params: { mode: 'relay' }, inputs: { reads: outputsOf(b)[0]! }, jobId: c.id },
      { id: 'cell-d', ...RELAY, params: { mode: 'relay' }, inputs: { reads: other }, jobId: d.id },
    );
    await save();

    const run = await alice.runAll(narrative.id);
    assert.deepEqual(run.steps.map((s) => s.cell), ['cell-a', 'cell-b', 'cell-c', 'cell-d']);
    const [stepA, stepB, stepC, stepD] = run.steps as [NarrativeRun['steps'][number], NarrativeRun['steps'][number], NarrativeRun['steps'][number], NarrativeRun['steps'][number]];
    assert.deepEqual([stepA.after, stepB.after, stepC.after, stepD.after], [[], [stepA.job.id], [stepB.job.id], []]);
    // While A still runs (it pauses), Slurm holds B and C behind it.
    const schedulerId = (job: Job) => ('schedulerId' in job ? job.schedulerId : null)!;
    const listed = await slurm(['squeue', '--noheader', `--jobs=${schedulerId(stepB.job)},${schedulerId(stepC.job)}`, '--format=%i|%E']);
    assert.match(listed, new RegExp(`${schedulerId(stepB.job)}\\|afterok:${schedulerId(stepA.job)}`));
    assert.match(listed, new RegExp(`${schedulerId(stepC.job)}\\|afterok:${schedulerId(stepB.job)}`));

    const done = await ended(run);
    assert.equal(done.state, 'completed', JSON.stringify(done.steps.map((s) => [s.cell, s.job.state, failureOf(s.job)])));
    assert.deepEqual(done.progress, { total: 4, ended: 4, completed: 4, failed: 0, cancelled: 0, running: 0 });
    const newB = outputsOf(jobOf(done, 'cell-b'))[0]!;
    const stepCJob = jobOf(done, 'cell-c');
    assert.deepEqual(stepCJob.inputs.map((i) => [i.name, i.resolved, i.from?.job]), [['reads', newB, jobOf(done, 'cell-b').id]], "C ran on B's new output");
    const cOutput = await alice.getObject(outputsOf(stepCJob)[0]!);
    assert.deepEqual(cOutput.provenance.inputs, [{ given: outputsOf(b)[0], resolved: newB }]);
    assert.deepEqual(cOutput.provenance.narrative, { id: narrative.id, version: done.narrativeVersion, cell: 'cell-c' });
    adopt(done);
    await save();
  });

  it('runs all again verified: every cell identical to its last run', async () => {
    const done = await ended(await alice.runAll(narrative.id, { verify: true }));
    assert.equal(done.state, 'completed');
    for (const step of done.steps) assert.equal(verificationOf(step.job)?.identical, true, `${step.cell}: ${JSON.stringify(verificationOf(step.job))}`);
  });

  it('plans an update after a new reads version: exactly the cells downstream of it, and why; then runs them', async () => {
    assert.deepEqual((await alice.updatePlan(narrative.id)).cells, [], 'up to date');
    const pinned = cells[0]!.inputs['reads']!;
    const newer = await uploadReads(alice, narrative.wsid, READS + READS + READS, { name: 'reads' });
    assert.notEqual(newer, pinned);
    const plan = await alice.updatePlan(narrative.id);
    assert.deepEqual(plan.cells.map((c) => c.cell), ['cell-a', 'cell-b', 'cell-c']);
    assert.match(plan.cells[0]!.reasons[0]!, /input reads: .* has a newer version/);
    assert.deepEqual(plan.cells[0]!.newer, { reads: newer });
    assert.match(plan.cells[1]!.reasons[0]!, /input reads comes from cell 1, which runs again/);

    const printed = await runCli(['update', String(narrative.id)], cli);
    assert.equal(printed.code, 0, printed.stderr);
    assert.match(printed.stdout, /3 app cells to re-run/);
    assert.match(printed.stdout, /cell 3 \(test\/relay@1\.0\.0\): input reads comes from cell 2/);

    const before = new Map(cells.map((c) => [c.id, c.jobId]));
    const updated = await ended((await alice.update(narrative.id))!);
    assert.equal(updated.kind, 'update');
    assert.equal(updated.state, 'completed');
    assert.deepEqual(updated.steps.map((s) => s.cell), ['cell-a', 'cell-b', 'cell-c']);
    assert.deepEqual(jobOf(updated, 'cell-a').inputs.map((i) => i.resolved), [newer]);
    for (const step of updated.steps) {
      assert.equal(step.job.rerunOf, before.get(step.cell!), `${step.cell} supersedes its last run`);
      assert.equal((await alice.getObject(outputsOf(step.job)[0]!)).provenance.app?.rerunOf, before.get(step.cell!));
    }
    const count = await (await alice.downloadFile(outputsOf(jobOf(updated, 'cell-a'))[0]!, 'lines.txt')).text();
    assert.equal(count.trim(), '24', 'A counted the new reads (three times the first)');
    adopt(updated);
    await save();
    assert.deepEqual((await alice.updatePlan(narrative.id)).cells, [], 'up to date again');
  });

  it("runs a copy's cells as the same chain, in the copy, never verifying against the original's jobs", async () => {
    const copy = await alice.copyNarrative(narrative.id, 'Chain (copy)');
    const run = await ended(await alice.runAll(copy.id, { verify: true }));
    assert.equal(run.state, 'completed', JSON.stringify(run.steps.map((s) => [s.cell, failureOf(s.job)])));
    const [a, b, c, d] = run.steps;
    assert.deepEqual([a!.after, b!.after, c!.after, d!.after], [[], [a!.job.id], [b!.job.id], []], "wired by the copied objects' provenance");
    for (const step of run.steps) {
      assert.equal(step.job.wsid, copy.wsid, 'the copy runs in its own workspace');
      assert.equal(step.job.verify, false, "the original's jobs are not the copy's to verify against");
    }
  });

  it('fails the steps after a failing first step with the reason, without running them, and shows progress in the CLI', async () => {
    cells[0]!.params = { mode: 'fail' };
    await save();
    const r = await runCli(['run-all', String(narrative.id), '--wait'], cli);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /: failed, 1\/4 completed/);
    const run = JSON.parse((await runCli(['run-all', String(narrative.id), '--wait', '--json'], cli)).stdout) as NarrativeRun;
    assert.equal(run.state, 'failed');
    const [a, b, c, d] = ['cell-a', 'cell-b', 'cell-c', 'cell-d'].map((id) => jobOf(run, id)) as [Job, Job, Job, Job];
    assert.deepEqual(failureOf(a), { kind: 'exit-code', code: 3 });
    for (const [job, before] of [[b, a], [c, b]] as const) {
      const failure = failureOf(job);
      assert.equal(failure?.kind, 'dependency', JSON.stringify(failure));
      assert.match(failure && 'detail' in failure ? failure.detail : '', new RegExp(`did not complete|job ${before.id}|${('schedulerId' in before && before.schedulerId) || 'x'}`));
      assert.equal('startedAt' in job ? job.startedAt : null, null, 'it never ran');
    }
    assert.equal(d.state, 'completed', 'a cell that takes nothing from the failed one runs');
  });
});

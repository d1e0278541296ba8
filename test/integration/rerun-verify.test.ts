import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiError, failureOf, outputsOf, verificationOf, type Job, type NarrativeClient } from '@narrative/server/client';
import { cliHomeIn, runCli, type CliTarget } from '../support/cli.js';
import { startHarness, type Harness } from '../support/harness.js';
import { slurmExecution, startCluster } from '../support/slurm-harness.js';
import { buildTestApp, uploadReads, type TestAppSpec } from '../support/test-app.js';

const READS = '@r1\nACGT\n+\nIIII\n@r2\nGGCC\n+\nIIII\n';

/**
 * Re-run and verify on the local Slurm: a run again from provenance gives
 * the same bytes (recorded as a verification of the original versions, no
 * copy saved), a noisy app is named with its file and first differing line,
 * and an app that says it is not deterministic is reported as such.
 */
describe('re-run and verify (local Slurm)', () => {
  let h: Harness;
  let stopCluster: () => Promise<void>;
  let alice: NarrativeClient;
  let app: TestAppSpec;
  let ws: string;
  let reads: string;
  let cli: CliTarget;

  const completed = async (started: Job): Promise<Job> => {
    const job = await alice.waitForJob(started.id, { timeoutMs: 120_000 });
    assert.equal(job.state, 'completed', JSON.stringify(failureOf(job)));
    return job;
  };
  const runMode = async (mode: string, appId = app.id) => completed(await alice.run({ app: appId, ws, inputs: { reads }, params: { mode } }));

  before(async () => {
    const started = await startCluster();
    stopCluster = started.stop;
    h = await startHarness(['alice', 'bob'], slurmExecution(started.cluster));
    alice = h.users.alice!.client;
    app = await buildTestApp();
    await h.admin.registerApp(app);
    // The same image, declared not deterministic, and one whose seed the server chooses.
    await h.admin.registerApp({ ...app, id: 'test/noisy', deterministic: false });
    await h.admin.registerApp({ ...app, id: 'test/seeded', randomSeed: true });
    ws = String((await alice.createWorkspace('verify')).id);
    reads = await uploadReads(alice, ws, READS);
    cli = { url: h.server.url, home: await cliHomeIn(h.home), token: h.users.alice!.token };
  });
  after(async () => {
    await h?.stop();
    await stopCluster?.();
  });

  it('reports a re-run identical and saves no duplicate: the original version records the verification', async () => {
    const original = await runMode('ok');
    const rerun = await completed(await alice.rerunJob(original.id));
    assert.equal(rerun.rerunOf, original.id);
    assert.equal(rerun.verify, true);
    const report = verificationOf(rerun)!;
    assert.equal(report.identical, true, JSON.stringify(report));
    assert.equal(report.expected, 'identical');
    assert.deepEqual(report.files, { total: 1, identical: 1, different: 0 });
    assert.deepEqual(outputsOf(rerun), outputsOf(original), "the re-run's output is the original version");
    assert.deepEqual(report.outputs.map((o) => [o.name, o.original, o.saved, o.dataIdentical]), [['stats', outputsOf(original)[0], outputsOf(original)[0], true]]);
    const verified = await alice.getObject(outputsOf(original)[0]!);
    assert.deepEqual(verified.verifiedBy?.map((v) => v.jobId), [rerun.id]);
    const objects = await alice.listObjects(ws);
    assert.equal(objects.items.filter((o) => o.name === `stats-job${rerun.id}`).length, 0, 'no object saved for an identical output');
    const events = await alice.jobEvents(rerun.id);
    assert.equal(events.at(-1)?.event.state, 'completed');
  });

  it('names the file that differs and its first differing line', async () => {
    const original = await runMode('random');
    const rerun = await completed(await alice.rerunJob(original.id));
    const report = verificationOf(rerun)!;
    assert.equal(report.identical, false);
    assert.equal(report.expected, 'identical');
    const [output] = report.outputs;
    assert.equal(output!.identical, false);
    assert.equal(output!.dataIdentical, true);
    assert.notEqual(output!.saved, output!.original, 'a different output is saved as a new version');
    assert.deepEqual(outputsOf(rerun), [output!.saved]);
    const [file] = output!.files;
    assert.equal(file!.name, 'lines.txt');
    assert.equal(file!.status, 'different');
    assert.equal(file!.firstDifference?.line, 3);
    assert.match(file!.firstDifference?.original ?? '', /^noise \d+$/);
    assert.match(file!.firstDifference?.rerun ?? '', /^noise \d+$/);
    const saved = await alice.getObject(output!.saved);
    assert.equal(saved.provenance.app?.rerunOf, original.id);
  });

  it('reports an app declared not deterministic as not expected to be identical', async () => {
    const original = await runMode('random', 'test/noisy');
    const report = verificationOf(await completed(await alice.rerunJob(original.id)))!;
    assert.equal(report.identical, false);
    assert.equal(report.expected, 'not-deterministic');
  });

  it('fixes the clock, zone and locale, and re-runs with the seed the first run was given', async () => {
    const original = await runMode('env', 'test/seeded');
    const seed = original.params['seed'];
    assert.equal(typeof seed, 'number', 'the server chose a seed');
    const output = await alice.getObject(outputsOf(original)[0]!);
    const text = await (await alice.downloadFile(output.ref, 'lines.txt')).text();
    const registered = await alice.app('test/seeded', app.version);
    assert.equal(text, `SOURCE_DATE_EPOCH=${Math.floor(Date.parse(registered.registeredAt) / 1000)}\nTZ=UTC\nLC_ALL=C.UTF-8\nseed=${seed}\n`);
    assert.equal(output.provenance.app?.environment?.['SOURCE_DATE_EPOCH'], String(Math.floor(Date.parse(registered.registeredAt) / 1000)));
    const rerun = await completed(await alice.rerunJob(original.id));
    assert.equal(rerun.params['seed'], seed);
    assert.equal(verificationOf(rerun)?.identical, true);
    const another = await runMode('env', 'test/seeded');
    assert.notEqual(another.params['seed'], undefined);
  });

  it('refuses to verify against a job without outputs, and keeps other users out', async () => {
    const failed = await alice.waitForJob((await alice.run({ app: app.id, ws, inputs: { reads }, params: { mode: 'fail' } })).id);
    assert.equal(failed.state, 'failed');
    const refused = await alice.rerunJob(failed.id).catch((e: unknown) => e);
    assert.ok(refused instanceof ApiError && refused.status === 409, String(refused));
    const plain = await alice.waitForJob((await alice.rerunJob(failed.id, { verify: false })).id);
    assert.equal(plain.state, 'failed', 'a plain re-run of a failing run fails the same way');
    assert.equal(plain.rerunOf, failed.id);
    const ok = await runMode('ok');
    const bobs = await h.users.bob!.client.rerunJob(ok.id).catch((e: unknown) => e);
    assert.ok(bobs instanceof ApiError && bobs.status === 403, String(bobs));
  });

  it('prints the report from the command line, with an exit code that says whether it matched', async () => {
    const identical = await runMode('ok');
    const same = await runCli(['job', 'rerun', String(identical.id), '--verify', '--wait'], cli);
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stdout, new RegExp(`verification: identical to job ${identical.id}, 1 file`));
    const noisy = await runMode('random');
    const differed = await runCli(['job', 'rerun', String(noisy.id), '--verify', '--wait'], cli);
    assert.equal(differed.code, 4, differed.stderr);
    assert.match(differed.stdout, /lines\.txt: different/);
    assert.match(differed.stdout, /line 3: "noise \d+" → "noise \d+"/);
    const json = await runCli(['job', 'rerun', String(identical.id), '--verify', '--wait', '--json'], cli);
    assert.equal((JSON.parse(json.stdout) as { verification: { identical: boolean } }).verification.identical, true);
  });
});

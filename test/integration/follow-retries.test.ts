import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '@narrative/server';
import type { Job } from '@narrative/server/client';
import { runCli } from '../support/cli.js';
import { startHarness, type Harness } from '../support/harness.js';
import { buildTestApp, uploadReads, type TestAppSpec } from '../support/test-app.js';

/**
 * Retries you can follow, on the local scheduler: an app killed for memory is resubmitted
 * with twice the memory (its spec says so, once), and `narrative run --wait` follows the
 * resubmission to its end instead of reporting the first attempt's failure. What each run
 * used is measured on the node, shown by `job status` and recorded in provenance.
 */
describe('following a resubmission', () => {
  let h: Harness;
  let app: TestAppSpec;
  let ws: number;
  let reads: string;

  before(async () => {
    h = await startHarness(['alice'], { execution: { ...loadConfig().execution, reconcileMs: 100 } });
    app = { ...(await buildTestApp('5.0.0', { cpus: 1, memoryMiB: 64, timeMinutes: 5, gpus: 0 })), retry: { outOfMemory: { maxAttempts: 1, factor: 2 } } };
    await h.admin.registerApp(app);
    const alice = h.users.alice!.client;
    ws = (await alice.createWorkspace('follow-retries')).id;
    reads = await uploadReads(alice, ws, '@r\nA\n+\nI\n');
  });
  after(() => h?.stop());

  const cli = (args: string[]) => runCli(args, { url: h.server.url, home: h.home, token: h.users.alice!.token });
  /** `run --wait --json` of the test app filling `mib` MiB at once. */
  const runAllocating = (mib: number) => cli(['run', `${app.id}@${app.version}`, '--ws', String(ws), '--input', `reads=${reads}`, '--param', 'mode=allocate', '--param', `mib=${mib}`, '--wait', '--json']);

  it('run --wait follows an out-of-memory failure to the resubmission that completes; job status shows both attempts and what each used', async () => {
    // 80 MiB: beyond the first attempt's 64 MiB, within the resubmission's 128.
    const run = await runAllocating(80);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const resubmitted = /^narrative: job (\d+) failed: out-of-memory: killed for memory: its limit is 64 MiB and it held 64 MiB at its peak; resubmitted as job (\d+) with more memory \(128 MiB\)$/m.exec(run.stderr);
    assert.ok(resubmitted, `the resubmission is said: ${run.stderr}`);
    const [firstId, secondId] = [Number(resubmitted[1]), Number(resubmitted[2])];
    const printed = JSON.parse(run.stdout) as { jobId: number; state: string; retryOf: number | null; attempt: number };
    assert.deepEqual([printed.jobId, printed.state, printed.retryOf, printed.attempt], [secondId, 'completed', firstId, 2], 'the document is the last attempt');

    const alice = h.users.alice!.client;
    const [first, second] = [await alice.job(firstId), await alice.job(secondId)];
    assert.ok(first.state === 'failed' && second.state === 'completed');
    assert.equal(first.resubmitting, false, 'resubmitted already: nothing more is coming');
    assert.equal(first.retriedBy, secondId);
    assert.equal(first.usage?.peakMemoryMiB, 64, 'the first attempt held its whole limit');
    const usage = second.usage!;
    assert.ok(usage, 'an ended job says what it used');
    assert.ok(usage.peakMemoryMiB !== null && usage.peakMemoryMiB >= 80 && usage.peakMemoryMiB < 128, `peak ${usage.peakMemoryMiB} MiB: the 80 MiB block and a little`);
    assert.ok(usage.cpuSeconds !== null && usage.cpuSeconds >= 0, `cpu ${usage.cpuSeconds} s`);
    assert.ok(usage.wallSeconds !== null && usage.wallSeconds > 0, `wall ${usage.wallSeconds} s`);

    const output = await alice.getObject(second.outputs[0]!);
    assert.deepEqual((output.provenance.app as { usage?: unknown }).usage, usage, "the output's provenance records what the run used");

    const status = await cli(['job', 'status', String(firstId)]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`^attempts +attempt 1 \\(job ${firstId}\\): failed, out of memory at 64 MiB → attempt 2 \\(job ${secondId}\\): completed with 128 MiB$`, 'm'), status.stdout);
    assert.match(status.stdout, /^resources +1 CPU, 64 MiB, 5 min$/m, 'the first attempt asked for 64 MiB');
    assert.match(status.stdout, /^usage +used [\d.]+ s CPU of [\d.]+ s wall, peak 64 MiB of 64 MiB$/m);
    const last = await cli(['job', 'status', String(secondId), '--json']);
    const document = JSON.parse(last.stdout) as { attempts: { attempt: number; jobId: number; state: string }[]; usage: unknown };
    assert.deepEqual(document.attempts.map((a) => [a.attempt, a.jobId, a.state]), [[1, firstId, 'failed'], [2, secondId, 'completed']]);
    assert.deepEqual(document.usage, usage);
  });

  it('run --wait exits as the last attempt ended: failed when the resubmission runs out of memory too', async () => {
    // 200 MiB: beyond 64 and 128 alike, and the policy resubmits once.
    const run = await runAllocating(200);
    assert.equal(run.code, 3, run.stdout + run.stderr);
    const resubmitted = /resubmitted as job (\d+) with more memory \(128 MiB\)$/m.exec(run.stderr);
    assert.ok(resubmitted, run.stderr);
    const last = JSON.parse(run.stdout) as Job;
    assert.equal((last as { jobId?: number }).jobId, Number(resubmitted[1]));
    assert.equal(last.state, 'failed');
    assert.ok(last.state === 'failed' && last.failure.kind === 'out-of-memory' && last.resubmitting === false && last.retriedBy === null, JSON.stringify(last));
    assert.match(run.stderr, new RegExp(`^narrative: job ${resubmitted[1]} failed: out-of-memory: killed for memory: its limit is 128 MiB`, 'm'));
  });
});

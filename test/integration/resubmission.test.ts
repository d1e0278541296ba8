import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { failureOf, type Job } from '@narrative/server/client';
import { loadConfig } from '@narrative/server';
import { startHarness, type Harness } from '../support/harness.js';
import { buildTestApp, uploadReads } from '../support/test-app.js';

/**
 * An app whose spec asks for resubmission after TIMEOUT: a job killed at its
 * time limit runs again with twice the time, at most once. A minute is 400 ms
 * here, so the limit is reached in the test's time.
 */
let h: Harness;

before(async () => {
  h = await startHarness(['alice'], { execution: { ...loadConfig().execution, localMinuteMs: 400, reconcileMs: 100 } });
});
after(() => h.stop());

test('a job killed at its time limit is resubmitted with more time, a bounded number of times', async () => {
  const alice = h.users.alice!.client;
  const app = { ...(await buildTestApp('3.0.0', { cpus: 1, memoryMiB: 64, timeMinutes: 1, gpus: 0 })), retry: { timeout: { maxAttempts: 1, factor: 2 } } };
  await h.admin.registerApp(app);
  const ws = (await alice.createWorkspace('resubmit')).id;
  const reads = await uploadReads(alice, ws, '@r\nA\n+\nI\n', { filename: 'r.fastq' });

  const first = await alice.waitForJob((await alice.run({ app: app.id, version: app.version, ws: String(ws), inputs: { reads }, params: { mode: 'sleep' } })).id);
  assert.equal(first.state, 'failed');
  assertWalltime(first, 0.4);

  let second: Job | undefined;
  for (let i = 0; i < 100 && !second; i++) {
    const retriedBy = (await alice.job(first.id)).retriedBy;
    if (retriedBy) second = await alice.job(retriedBy);
    else await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(second, 'the job was resubmitted');
  assert.equal(second.retryOf, first.id);
  assert.equal(second.attempt, 2);
  const ended = await alice.waitForJob(second.id);
  assertWalltime(ended, 0.8);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await alice.job(second.id)).retriedBy, null, 'maxAttempts 1: no third run');
});

/** Failed at its time limit (not cancelled), saying the limit as enforced (a minute is 400 ms here) and how long it ran. */
function assertWalltime(job: Job, limitSeconds: number): void {
  const ended = failureOf(job);
  const failure = ended?.kind === 'walltime' ? ended : null;
  assert.ok(failure, `the time limit, not a cancel: ${JSON.stringify(failureOf(job))}`);
  assert.equal(failure.limitSeconds, limitSeconds);
  const ran = failure.ranSeconds!;
  assert.ok(ran >= limitSeconds, `ran ${ran} s, at least its limit`);
  assert.equal(failure.message, `stopped at its time limit of ${limitSeconds} s after running ${ran} s`);
}

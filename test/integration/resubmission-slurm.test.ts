import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { failureOf, type Job } from '@narrative/server/client';
import { runCli } from '../support/cli.js';
import { startHarness, type Harness } from '../support/harness.js';
import { slurmExecution, startCluster } from '../support/slurm-harness.js';
import { buildTestApp, uploadReads } from '../support/test-app.js';

/**
 * On the shipped local Slurm cluster, live: an app that needs more memory than
 * its spec gives it is killed for it, fails out-of-memory, and — its spec asking
 * for it — runs again with four times the memory, and completes.
 */
let h: Harness;
let stopCluster: () => Promise<void> = async () => undefined;

before(async () => {
  const { cluster, stop } = await startCluster();
  stopCluster = stop;
  h = await startHarness(['alice'], slurmExecution(cluster));
});
after(async () => {
  await h?.stop();
  await stopCluster();
});

test('a job killed for memory on Slurm fails out-of-memory, then runs again with more memory and completes', async () => {
  const alice = h.users.alice!.client;
  const app = { ...(await buildTestApp('4.0.0', { cpus: 1, memoryMiB: 64, timeMinutes: 5, gpus: 0 })), retry: { outOfMemory: { maxAttempts: 1, factor: 4 } } };
  await h.admin.registerApp(app);
  const ws = (await alice.createWorkspace('resubmit-oom')).id;
  const reads = await uploadReads(alice, ws, '@r\nA\n+\nI\n');

  const first = await alice.waitForJob((await alice.run({ app: app.id, version: app.version, ws: String(ws), inputs: { reads }, params: { mode: 'allocate', mib: 100 } })).id);
  assert.equal(first.state, 'failed');
  const message = 'killed for memory: its limit is 64 MiB and it held 64 MiB at its peak';
  assert.deepEqual(first.failure, { kind: 'out-of-memory', limitMiB: 64, peakMiB: 64, message });
  const status = await runCli(['job', 'status', String(first.id)], { url: h.server.url, home: h.home, token: h.users.alice!.token });
  assert.match(status.stdout, new RegExp(`^failure +out-of-memory: ${message}$`, 'm'), status.stdout + status.stderr);

  let second: Job | undefined;
  for (let i = 0; i < 300 && !second; i++) {
    const retriedBy = (await alice.job(first.id)).retriedBy;
    if (retriedBy) second = await alice.job(retriedBy);
    else await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(second, 'the job was resubmitted');
  assert.deepEqual([second.retryOf, second.attempt, second.params], [first.id, 2, { mode: 'allocate', mib: 100 }]);
  const ended = await alice.waitForJob(second.id);
  assert.equal(ended.state, 'completed', JSON.stringify(failureOf(ended)));
  const log = (await alice.jobLog(ended.id)).lines.map((l) => l.text).join('\n');
  assert.match(log, /^limits: 256 MiB of memory/m, 'four times the memory');
  assert.match(log, /^held 100 MiB$/m);
});

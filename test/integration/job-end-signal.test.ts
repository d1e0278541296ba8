import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '@narrative/server';
import { failureOf } from '@narrative/server/client';
import { startHarness, type Harness } from '../support/harness.js';
import { buildTestApp, uploadReads, type TestAppSpec } from '../support/test-app.js';

/** An hour: in these tests no job may depend on the reconciler's timer. */
const NEVER_MS = 3_600_000;

describe("a job's end reaches the server when its wrapper says so, not at the reconciler's next pass", () => {
  let h: Harness;
  let app: TestAppSpec;
  let ws: number;
  let reads: string;

  before(async () => {
    h = await startHarness([], { execution: { ...loadConfig().execution, scheduler: 'local', reconcileMs: NEVER_MS } });
    app = await buildTestApp();
    await h.admin.registerApp(app);
    ws = (await h.admin.createWorkspace('ends')).id;
    reads = await uploadReads(h.admin, ws, '@r\nAC\n+\nII\n');
  });
  after(() => h.stop());

  it('completes a job, with its outputs, though no reconcile pass runs while it does', async () => {
    const job = await h.admin.waitForJob((await h.admin.run({ app: app.id, ws: String(ws), inputs: { reads }, params: {} })).id, { timeoutMs: 60_000 });
    assert.equal(job.state, 'completed', JSON.stringify(failureOf(job)));
    assert.equal(job.outputs?.length, 1);
    assert.equal(existsSync(join(h.home, 'jobs', '.ended', String(job.id))), false, 'the marker is removed once heard');
  });

  it('takes a marker for a job that is not running, or not a job at all, as nothing', async () => {
    const ended = join(h.home, 'jobs', '.ended');
    await writeFile(join(ended, '999999'), '');
    await writeFile(join(ended, 'not-a-job'), '');
    const job = await h.admin.waitForJob((await h.admin.run({ app: app.id, ws: String(ws), inputs: { reads }, params: {} })).id, { timeoutMs: 60_000 });
    assert.equal(job.state, 'completed', 'the server still hears ends after a marker it could not use');
  });
});

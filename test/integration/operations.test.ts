import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '@narrative/server';
import type { NarrativeClient } from '@narrative/server/client';
import { bearer, startHarness, type Harness } from '../support/harness.js';
import { JobStream, streamUrl } from '../support/job-stream.js';
import { metricSample } from '../support/metrics.js';
import { buildTestApp, uploadReads } from '../support/test-app.js';

describe('health and metrics for operators', () => {
  let h: Harness;
  let alice: NarrativeClient;
  const metrics = async () => (await h.fetch('/metrics')).text();

  before(async () => {
    h = await startHarness(['alice']);
    alice = h.users.alice!.client;
    await h.admin.registerApp(await buildTestApp());
  });
  after(async () => {
    await h?.stop();
  });

  it('answers /healthz with every check passing, without a token', async () => {
    const response = await h.fetch('/healthz');
    assert.equal(response.status, 200);
    const report = (await response.json()) as { status: string; checks: Record<string, { ok: boolean; ms: number }> };
    assert.equal(report.status, 'ok');
    assert.deepEqual(Object.keys(report.checks).sort(), ['dataDirectory', 'database', 'scheduler']);
    for (const [name, check] of Object.entries(report.checks)) assert.ok(check.ok && check.ms >= 0, name);
  });

  it('counts requests by route pattern, jobs by state from the store, and open job streams', async () => {
    const ws = (await alice.createWorkspace('alice-ops')).id;
    const reads = await uploadReads(alice, ws, '@r\nAC\n+\nII\n');
    const job = await alice.waitForJob((await alice.run({ app: 'test/count-lines', ws: String(ws), inputs: { reads }, params: { mode: 'ok' } })).id);
    assert.equal(job.state, 'completed');
    await alice.job(job.id);
    await alice.job(job.id);
    const stream = new JobStream(streamUrl(h.server.url, job.id), bearer(h.users.alice!.token));
    await stream.take(1);
    try {
      const text = await metrics();
      assert.equal(metricSample(text, 'narrative_jobs{state="completed"}'), 1);
      assert.ok((metricSample(text, 'narrative_http_requests_total{method="GET",route="/api/v1/jobs/:id",status="200"}') ?? 0) >= 2, 'job reads, counted under their pattern');
      assert.equal(text.includes(`/jobs/${job.id}"`), false, 'no series per job id');
      assert.equal(metricSample(text, 'narrative_websocket_subscribers{stream="jobs"}'), 1);
      assert.ok((metricSample(text, 'narrative_reconcile_pass_seconds_count') ?? 0) >= 1, 'reconcile passes are timed');
      assert.ok((metricSample(text, 'narrative_reconcile_lag_seconds') ?? Infinity) < 30, 'the reconciler has passed lately');
      assert.ok((metricSample(text, 'narrative_process_resident_memory_bytes') ?? 0) > 0);
    } finally {
      await stream.close();
    }
  });

  it('answers 503 naming the scheduler when it cannot be asked', async () => {
    // A Slurm whose configuration is broken: every command fails at once.
    const conf = join(h.home, 'broken-slurm.conf');
    await writeFile(conf, 'ClusterName=\n');
    const broken = await startHarness([], { execution: { ...loadConfig().execution, scheduler: 'slurm', slurm: { conf } } });
    try {
      const response = await broken.fetch('/healthz');
      assert.equal(response.status, 503);
      const report = (await response.json()) as { status: string; checks: Record<string, { ok: boolean; detail?: string }> };
      assert.equal(report.status, 'failing');
      assert.equal(report.checks.scheduler?.ok, false);
      assert.ok(report.checks.scheduler?.detail);
      assert.equal(report.checks.database?.ok, true);
    } finally {
      await broken.stop();
    }
  });
});

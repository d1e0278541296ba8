import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { readResult } from '@narrative/launcher-native';
import { finishJob } from './ingest.js';
import { contextOn, prepareHome } from './outputs-once.fixture.js';

/** Each job ended completed once, with one saved version of its one output. */
async function assertSavedOnce(home: string, ids: number[]): Promise<void> {
  const { ctx } = await contextOn(home);
  try {
    for (const id of ids) {
      const job = (await ctx.store.getJob(id))!;
      assert.equal(job.state, 'completed', `job ${id}: ${JSON.stringify(job)}`);
      assert.equal(job.outputs.length, 1, `job ${id}`);
      const head = (await ctx.store.findObjectByName(job.wsid, `stats-job${id}`))!;
      assert.deepEqual((await ctx.store.history({ wsid: job.wsid, objid: head.objid })).map((v) => v.ver), [1], `job ${id}: versions of its output`);
      assert.equal(job.outputs![0], `${job.wsid}/${head.objid}/1`);
      const completions = (await ctx.store.jobEvents(id, 0)).filter((e) => (e.event as { state?: string }).state === 'completed');
      assert.equal(completions.length, 1, `job ${id}: completed events`);
    }
  } finally {
    await ctx.store.close();
  }
}

describe("a finished job's outputs are saved once, whoever ingests it", () => {
  let home: string;
  before(async () => (home = await mkdtemp(join(tmpdir(), 'narrative-outputs-once-'))));
  after(() => rm(home, { recursive: true, force: true }));

  it('two reconcilers on their own connections (as two server processes) race over 20 finished jobs', async () => {
    const dir = join(home, 'race');
    const ids = await prepareHome(dir, 20);
    const start = new Int32Array(new SharedArrayBuffer(4));
    const workers = [0, 1].map(() => new Worker(new URL('./outputs-once.worker.js', import.meta.url), { workerData: { home: dir, start } }));
    try {
      await Promise.all(workers.map((w) => once(w, 'message')));
      const done = workers.map((w) => once(w, 'message'));
      Atomics.store(start, 0, 1);
      Atomics.notify(start, 0);
      // The loser of each race neither fails nor fails the job: it finds the winner's result.
      assert.deepEqual((await Promise.all(done)).map(([m]) => m), [{ ok: true }, { ok: true }]);
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
    await assertSavedOnce(dir, ids);
  });

  it('a reconciler that read the job before another one ended it saves nothing and fails nothing', async () => {
    const dir = join(home, 'late');
    const [id] = (await prepareHome(dir, 1)) as [number];
    const first = await contextOn(dir);
    const second = await contextOn(dir);
    try {
      const result = (await readResult(join(dir, 'jobs', String(id))))!;
      await first.ctx.store.updateJob(id, 'queued', { state: 'running', schedulerId: String(id), node: null, startedAt: result.startedAt });
      const seenRunning = (await second.ctx.store.getJob(id))!;
      await finishJob(first.ctx, first.execution, (await first.ctx.store.getJob(id))!, result);
      // As reconcile.ts does: the loser saw the job running, or read it again after the winner completed it.
      await finishJob(second.ctx, second.execution, seenRunning, result);
      await finishJob(second.ctx, second.execution, (await second.ctx.store.getJob(id))!, result);
    } finally {
      await first.ctx.store.close();
      await second.ctx.store.close();
    }
    await assertSavedOnce(dir, [id]);
  });
});

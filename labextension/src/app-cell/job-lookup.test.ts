import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Job } from '@narrative/server/client';
import { JobLookup, PREFETCH_FRESH_MS, type LookupClient } from './job-lookup.js';
import { job } from './model.fixture.js';

type LookupBody = Parameters<LookupClient['lookupJobs']>[0];

/** A server of `jobs` behind `lookupJobs` that records each request; `readable` says which the user may read. */
function server(jobs: Job[], o: { readable?: (id: number) => boolean; cellRuns?: Record<string, { runs: number; latest: number }>; fail?: boolean } = {}) {
  const asked: LookupBody[] = [];
  const client: LookupClient = {
    lookupJobs: async (body) => {
      asked.push(body);
      if (o.fail) throw new Error('the server is away');
      const ids = [...new Set(body.ids)];
      const found = ids.map((id) => jobs.find((j) => j.id === id && (o.readable?.(id) ?? true))).filter((j): j is Job => j !== undefined);
      return {
        jobs: found,
        missing: ids.filter((id) => !found.some((j) => j.id === id)),
        logs: (body.logTail ?? 0) > 0 ? found.filter((j) => j.state !== 'running').map((j) => ({ id: j.id, lines: [{ t: '', stream: 'stdout', text: `log of ${j.id}` }], truncated: false })) : [],
        cellRuns: body.cellRuns === undefined ? {} : (o.cellRuns ?? {}),
      };
    },
  } as LookupClient;
  return { client, asked };
}

const done = (id: number) => job({ id, state: 'completed', outputs: [] });
const turn = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('the job lookup of an open narrative', () => {
  it('asks for every job the cells name, their logs and the runs of each cell in one request, and hands each cell its job', async () => {
    const s = server([done(1), done(2), job({ id: 3, state: 'running' })], { cellRuns: { a: { runs: 2, latest: 1 } } });
    const lookup = new JobLookup(s.client, 5);
    lookup.prefetch([1, 2, 2, 3]);
    const restored = await Promise.all([lookup.restore(1), lookup.restore(2), lookup.restore(2), lookup.restore(3)]);
    assert.equal(s.asked.length, 1);
    assert.deepEqual(s.asked[0], { ids: [1, 2, 3], logTail: 500, cellRuns: 5 });
    assert.deepEqual(restored.map((r) => [r?.job.id, r?.log]), [[1, ['log of 1']], [2, ['log of 2']], [2, ['log of 2']], [3, null]]);
    assert.deepEqual(await lookup.runsOf('a'), { runs: 2, latest: 1 });
    assert.deepEqual(await lookup.runsOf('b'), { runs: 0, latest: 0 });
  });

  it('asks again for a job once every cell that named it took it (a later look wants it as it is now), with the others asked in the same turn', async () => {
    const s = server([done(1), done(2), done(3)]);
    const lookup = new JobLookup(s.client, null);
    lookup.prefetch([1]);
    await lookup.restore(1);
    const again = await Promise.all([lookup.restore(1), lookup.restore(2), lookup.restore(3)]);
    assert.deepEqual(again.map((r) => r?.job.id), [1, 2, 3]);
    assert.deepEqual(s.asked.map((b) => b.ids), [[1], [1, 2, 3]]);
    assert.equal(s.asked[0]!.cellRuns, undefined, 'a notebook that is not a narrative has no runs to count');
    assert.equal(await lookup.runsOf('a'), null);
  });

  it('answers null for a job that is missing or not readable, and splits a request of more than 1,000 jobs', async () => {
    const jobs = Array.from({ length: 1500 }, (_, i) => done(i + 1));
    const s = server(jobs, { readable: (id) => id !== 7 });
    const lookup = new JobLookup(s.client, 5);
    lookup.prefetch([...jobs.map((j) => j.id), 9999]);
    assert.equal(await lookup.restore(7), null);
    assert.equal(await lookup.restore(9999), null);
    assert.equal((await lookup.restore(1500))?.job.id, 1500);
    assert.deepEqual(s.asked.map((b) => [b.ids.length, b.cellRuns]), [[1000, 5], [501, undefined]]);
  });

  it('stands for what it fetched only a while: later, a restore and the runs of a cell are asked of the server again', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const s = server([done(1)], { cellRuns: { a: { runs: 1, latest: 1 } } });
    const lookup = new JobLookup(s.client, 5);
    lookup.prefetch([1, 1]);
    await lookup.restore(1);
    assert.deepEqual(await lookup.runsOf('a'), { runs: 1, latest: 1 });
    t.mock.timers.tick(PREFETCH_FRESH_MS + 1);
    assert.equal(await lookup.runsOf('a'), null, 'counted too long ago: listed instead');
    assert.equal((await lookup.restore(1))?.job.id, 1);
    assert.equal(s.asked.length, 2, "the second cell's share of the prefetch is no longer taken");
  });

  it('rejects every waiting cell when the server cannot be asked, and asks nothing for a plain notebook without jobs', async () => {
    const failing = server([done(1)], { fail: true });
    const lookup = new JobLookup(failing.client, 5);
    lookup.prefetch([1]);
    await assert.rejects(lookup.restore(1), /away/);
    assert.equal(await lookup.runsOf('a'), null, 'runs not counted: the cell lists them itself');
    const later = Promise.all([lookup.restore(2), lookup.restore(3)]);
    await assert.rejects(later, /away/);
    const quiet = server([]);
    new JobLookup(quiet.client, null).prefetch([]);
    await turn();
    assert.equal(quiet.asked.length, 0);
  });
});

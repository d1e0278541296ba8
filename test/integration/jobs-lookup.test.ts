import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '@narrative/server';
import { ApiError, NarrativeClient, type Job, type JobLookup, type Narrative } from '@narrative/server/client';
import { startHarness, type Harness } from '../support/harness.js';
import { buildTestApp, uploadReads, type TestAppSpec } from '../support/test-app.js';

const ids = (jobs: Job[]) => jobs.map((j) => j.id);
const statusOf = async (p: Promise<unknown>) => p.then(() => 200, (e: unknown) => (e instanceof ApiError ? e.status : -1));

/**
 * POST /api/v1/jobs/lookup: many jobs in one request, as a narrative opening
 * restores its app cells. Alice and bob each run in their own private
 * narrative (bob in alice's too, by her grant), and alice in a public one.
 */

/** The counts of a `cellRuns` answer, without the newest's ids. */
function runsOnly(cellRuns: Record<string, { runs: number; latest: number }>): Record<string, number> {
  return Object.fromEntries(Object.entries(cellRuns).map(([cell, r]) => [cell, r.runs]));
}

describe('looking up many jobs at once (POST /jobs/lookup)', () => {
  let h: Harness;
  let alice: NarrativeClient;
  let bob: NarrativeClient;
  let app: TestAppSpec;
  let hers: Narrative;
  let his: Narrative;
  let shown: Narrative;
  /** Alice's jobs in her narrative: cell-1 twice, cell-2 once (failed), then one of no cell. */
  const mine: Job[] = [];
  /** Bob's job in his private narrative, and his in alice's. */
  let bobsPrivate: Job;
  let bobsInHers: Job;
  let published: Job;
  /** An id no job has. */
  let unknown: number;

  const run = async (client: NarrativeClient, where: Narrative, params: Record<string, unknown>, cell?: string) => {
    const reads = await uploadReads(client, where.wsid, '@r\nACGT\n+\nIIII\n');
    return client.run({ app: app.id, ws: String(where.wsid), inputs: { reads }, params, ...(cell ? { narrative: { id: where.id, cell } } : {}) });
  };
  const ended = async (client: NarrativeClient, where: Narrative, params: Record<string, unknown>, cell?: string) =>
    client.waitForJob((await run(client, where, params, cell)).id);

  before(async () => {
    h = await startHarness(['alice', 'bob', 'carol'], { execution: { ...loadConfig().execution, slots: 1 } });
    alice = h.users.alice!.client;
    bob = h.users.bob!.client;
    app = await buildTestApp();
    await h.admin.registerApp(app);
    hers = await alice.createNarrative('Hers');
    his = await bob.createNarrative('His');
    shown = await alice.createNarrative('Shown to all');
    await alice.shareNarrative(shown.id, { public: true });
    await alice.setPermission(hers.wsid, 'bob', 'write');
    mine.push(await ended(alice, hers, { mode: 'ok' }, 'cell-1'));
    mine.push(await ended(alice, hers, { mode: 'ok' }, 'cell-1'));
    mine.push(await ended(alice, hers, { mode: 'fail' }, 'cell-2'));
    mine.push(await ended(alice, hers, { mode: 'ok' }));
    bobsPrivate = await ended(bob, his, { mode: 'ok' }, 'cell-1');
    bobsInHers = await ended(bob, hers, { mode: 'ok' }, 'cell-1');
    published = await ended(alice, shown, { mode: 'ok' }, 'cell-9');
    unknown = Math.max(...ids([...mine, bobsPrivate, bobsInHers, published])) + 1000;
  });
  after(() => h?.stop());

  it('gives my jobs as GET /jobs/{id} does, in the order first asked, and the rest as missing, not told apart', async () => {
    const [first, second, failed] = mine as [Job, Job, Job];
    const answer = await alice.lookupJobs({ ids: [failed.id, bobsPrivate.id, first.id, unknown, failed.id, bobsInHers.id, second.id, first.id] });
    assert.deepEqual(ids(answer.jobs), [failed.id, first.id, bobsInHers.id, second.id], 'each once, where first asked');
    for (const job of answer.jobs) assert.deepEqual(job, await alice.job(job.id));
    assert.deepEqual(answer.missing, [bobsPrivate.id, unknown]);
    assert.deepEqual([answer.logs, answer.cellRuns], [[], {}], 'neither asked for');
    // GET /jobs/{id} tells them apart (403, 404); the lookup does not.
    assert.deepEqual([await statusOf(alice.job(bobsPrivate.id)), await statusOf(alice.job(unknown))], [403, 404]);
    const bobs = await bob.lookupJobs({ ids: [bobsPrivate.id, first.id, bobsInHers.id] });
    assert.deepEqual([ids(bobs.jobs), bobs.missing], [[bobsPrivate.id, first.id, bobsInHers.id], []], "bob may read alice's narrative: she shared it");
    const carols = await h.users.carol!.client.lookupJobs({ ids: [bobsPrivate.id, first.id] });
    assert.deepEqual([carols.jobs, carols.missing], [[], [bobsPrivate.id, first.id]]);
    assert.deepEqual(await alice.lookupJobs({ ids: [] }), { jobs: [], missing: [], logs: [], cellRuns: {} });
  });

  it('answers a signed-out caller with what is public, the rest missing: never 401', async () => {
    const answer = await h.anonymous.lookupJobs({ ids: [mine[0]!.id, published.id, unknown], logTail: 3, cellRuns: shown.id });
    assert.deepEqual(ids(answer.jobs), [published.id]);
    assert.deepEqual(answer.jobs[0], await h.anonymous.job(published.id));
    assert.deepEqual(answer.missing, [mine[0]!.id, unknown]);
    assert.deepEqual(answer.logs.map((l) => l.id), [published.id]);
    assert.ok(answer.logs[0]!.lines.length > 0);
    assert.deepEqual(answer.cellRuns, {}, 'signed out, no runs are one\'s own');
    assert.equal(await statusOf(h.anonymous.job(mine[0]!.id)), 401, 'GET /jobs/{id} refuses outright');
  });

  it('gives the last logTail complete lines of each ended job, as GET /jobs/{id}/log has them, and whether earlier ones exist', async () => {
    const [first, , failed] = mine as [Job, Job, Job];
    const whole = async (id: number) => (await alice.jobLog(id)).lines.map(({ n: _n, ...line }) => line);
    const firstLog = await whole(first.id);
    const failedLog = await whole(failed.id);
    assert.ok(firstLog.length > 2 && failedLog.length > 2, 'the test app writes more than two lines');
    assert.ok(failedLog.some((l) => l.stream === 'stderr' && l.text === 'something broke'));
    const two = await alice.lookupJobs({ ids: [first.id, bobsPrivate.id, failed.id], logTail: 2 });
    assert.deepEqual(two.logs, [
      { id: first.id, lines: firstLog.slice(-2), truncated: true },
      { id: failed.id, lines: failedLog.slice(-2), truncated: true },
    ], 'none for a job alice may not read');
    const all = await alice.lookupJobs({ ids: [failed.id], logTail: 500 });
    assert.deepEqual(all.logs, [{ id: failed.id, lines: failedLog, truncated: false }]);
    const exact = await alice.lookupJobs({ ids: [failed.id], logTail: failedLog.length });
    assert.deepEqual(exact.logs, [{ id: failed.id, lines: failedLog, truncated: false }]);
  });

  it('reads no log of a job not ended, and leaves out an unreadable log (the lab then asks for it alone) rather than failing', async () => {
    const broken = await ended(alice, hers, { mode: 'ok' });
    // The log becomes a directory: reading it fails (EISDIR), whoever runs the test.
    const log = join(h.server.ctx.execution!.jobsDir, String(broken.id), 'log.jsonl');
    await rm(log);
    await mkdir(log);
    const running = await run(alice, hers, { mode: 'sleep', marker: 'jobs-lookup-block' });
    try {
      let answer: JobLookup | undefined;
      for (let i = 0; i < 100 && answer?.jobs[1]?.state !== 'running'; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, 100));
        answer = await alice.lookupJobs({ ids: [broken.id, running.id, mine[0]!.id], logTail: 5 });
      }
      assert.equal(answer!.jobs[1]!.state, 'running');
      assert.deepEqual(answer!.jobs.map((j) => j.id), [broken.id, running.id, mine[0]!.id]);
      assert.deepEqual(answer!.logs.map((l) => l.id), [mine[0]!.id], 'only ended jobs whose log could be read have a log entry');
      assert.ok(answer!.logs[0]!.lines.length > 0);
    } finally {
      await alice.cancelJob(running.id);
    }
    assert.equal((await alice.waitForJob(running.id)).state, 'cancelled');
  });

  it("counts the caller's own runs of each cell, the same jobs GET /jobs?narrative=&cell= lists, and nothing of a narrative they cannot read", async () => {
    const listed = async (client: NarrativeClient, narrative: number, cell: string) => (await client.listJobs({ narrative, cell, limit: 1000 })).items.length;
    const hersCounted = runsOnly((await alice.lookupJobs({ ids: [], cellRuns: hers.id })).cellRuns);
    assert.deepEqual(hersCounted, { 'cell-1': 2, 'cell-2': 1 }, "bob's run of cell-1 there is not hers");
    assert.deepEqual([await listed(alice, hers.id, 'cell-1'), await listed(alice, hers.id, 'cell-2')], [2, 1]);
    const newest = (await alice.listJobs({ narrative: hers.id, cell: 'cell-1', limit: 1 })).items[0]!.id;
    assert.equal((await alice.lookupJobs({ ids: [], cellRuns: hers.id })).cellRuns['cell-1']!.latest, newest, 'the newest run is the one listed first');
    assert.deepEqual(runsOnly((await bob.lookupJobs({ ids: [], cellRuns: hers.id })).cellRuns), { 'cell-1': 1 });
    assert.equal(await listed(bob, hers.id, 'cell-1'), 1);
    assert.deepEqual(runsOnly((await bob.lookupJobs({ ids: [], cellRuns: his.id })).cellRuns), { 'cell-1': 1 });
    // Alice may not read bob's narrative: no counts (hers there would be none anyway), and no refusal.
    assert.deepEqual((await alice.lookupJobs({ ids: [bobsPrivate.id], cellRuns: his.id })).cellRuns, {});
    assert.deepEqual((await alice.lookupJobs({ ids: [], cellRuns: unknown })).cellRuns, {});
    assert.deepEqual((await h.users.carol!.client.lookupJobs({ ids: [], cellRuns: shown.id })).cellRuns, {}, 'a public narrative she never ran in');
    // Once unshared, bob's run in alice's narrative is no longer his to see, nor to count.
    await alice.setPermission(hers.wsid, 'bob', 'none');
    try {
      const unshared = await bob.lookupJobs({ ids: [bobsInHers.id], cellRuns: hers.id });
      assert.deepEqual([unshared.jobs, unshared.missing, unshared.cellRuns], [[], [bobsInHers.id], {}]);
    } finally {
      await alice.setPermission(hers.wsid, 'bob', 'write');
    }
  });

  it("may be called with a kernel's token (it only reads), which still may not change anything else", async () => {
    const token = `nrt_${randomBytes(32).toString('base64url')}`;
    const aliceRecord = (await h.server.ctx.store.findUserByName('alice'))!;
    // Minted as the server does (auth/kernel-tokens.ts): an ordinary token row with a scope.
    await h.server.ctx.store.createToken({
      userId: aliceRecord.id, tokenHash: createHash('sha256').update(token).digest('hex'), label: 'kernel', kind: 'api',
      createdAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 3_600_000).toISOString(), scope: { wsid: hers.wsid, narrativeId: hers.id, kernelImage: null },
    });
    const kernel = h.client(token);
    const answer = await kernel.lookupJobs({ ids: [mine[0]!.id, published.id, bobsPrivate.id], logTail: 1, cellRuns: hers.id });
    assert.deepEqual([ids(answer.jobs), answer.missing], [[mine[0]!.id, published.id], [bobsPrivate.id]]);
    assert.deepEqual(runsOnly(answer.cellRuns), { 'cell-1': 2, 'cell-2': 1 });
    assert.equal(await statusOf(kernel.createToken('more')), 403);
  });

  it('takes up to 1,000 ids; refuses bad bodies with 400 naming the field, never a 5xx', async () => {
    const many = Array.from({ length: 1000 }, (_, i) => unknown + i);
    many[500] = mine[0]!.id;
    const answer = await alice.lookupJobs({ ids: many });
    assert.deepEqual([ids(answer.jobs), answer.missing.length], [[mine[0]!.id], 999]);
    const bad: [unknown, string][] = [
      [{ ids: Array.from({ length: 1001 }, (_, i) => i + 1) }, '/body/ids'],
      [{ ids: [-1] }, '/body/ids/0'], [{ ids: [0] }, '/body/ids/0'], [{ ids: [1.5] }, '/body/ids/0'], [{ ids: ['1'] }, '/body/ids/0'],
      [{ ids: [2 ** 53] }, '/body/ids/0'], [{ ids: [1, null] }, '/body/ids/1'], [{ ids: 'all' }, '/body/ids'], [{}, '/body'],
      [{ ids: [], logTail: 501 }, '/body/logTail'], [{ ids: [], logTail: -1 }, '/body/logTail'], [{ ids: [], logTail: '3' }, '/body/logTail'],
      [{ ids: [], cellRuns: 0 }, '/body/cellRuns'], [{ ids: [], cellRuns: 'nb' }, '/body/cellRuns'], [{ ids: [], cellRuns: -4 }, '/body/cellRuns'],
      [{ ids: [], more: 1 }, '/body'], [[1, 2], '/body'],
    ];
    const failures: string[] = [];
    for (const [body, path] of bad) {
      for (const token of [h.users.alice!.token, undefined]) {
        const response = await h.fetch('/api/v1/jobs/lookup', { method: 'POST', headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
        const problem = (await response.json()) as { errors?: { path: string }[] };
        const named = problem.errors?.some((e) => e.path === path || e.path.startsWith(`${path}/`));
        if (response.status !== 400 || !named) failures.push(`${JSON.stringify(body).slice(0, 60)} ${token ? 'signed in' : 'signed out'}: ${response.status} ${JSON.stringify(problem).slice(0, 200)}`);
      }
    }
    assert.deepEqual(failures, []);
    for (const text of ['{"ids": [1,', '"ids"', '']) {
      const notJson = await h.fetch('/api/v1/jobs/lookup', { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${h.users.alice!.token}` }, body: text });
      assert.equal(notJson.status, 400, text);
    }
    const untyped = await h.fetch('/api/v1/jobs/lookup', { method: 'POST', headers: { Authorization: `Bearer ${h.users.alice!.token}` }, body: '{"ids": []}' });
    assert.equal(untyped.status, 415);
  });
});

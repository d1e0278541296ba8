import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '@narrative/server';
import { ApiError, elapsedText, type Job, type NarrativeClient } from '@narrative/server/client';
import { cliHomeIn, runCli } from '../support/cli.js';
import { startHarness, type Harness } from '../support/harness.js';
import { buildTestApp, uploadReads, type TestAppSpec } from '../support/test-app.js';

const statusOf = async (p: Promise<unknown>) => p.then(() => 200, (e: unknown) => (e instanceof ApiError ? e.status : -1));
const ids = (jobs: Job[]) => jobs.map((j) => j.id);

/**
 * GET /api/v1/jobs on the local scheduler with one slot (so a second job
 * really waits): my jobs only, newest first, filtered, paged by cursor.
 */
describe('listing my jobs (GET /jobs)', () => {
  let h: Harness;
  let alice: NarrativeClient;
  let bob: NarrativeClient;
  let app: TestAppSpec;
  let narrative: { id: number; wsid: number };
  let reads: string;
  /** Alice's ended jobs, oldest first. */
  const mine: Job[] = [];
  let bobs: Job;
  /** The CLI's home, inside the server's data directory (gone with it). */
  let cliHome: string;

  const run = (client: NarrativeClient, params: Record<string, unknown>, cell?: string) =>
    client.run({ app: app.id, ws: String(narrative.wsid), inputs: { reads }, params, ...(cell ? { narrative: { id: narrative.id, cell } } : {}) });

  before(async () => {
    h = await startHarness(['alice', 'bob', 'carol'], { execution: { ...loadConfig().execution, slots: 1 } });
    alice = h.users.alice!.client;
    bob = h.users.bob!.client;
    app = await buildTestApp();
    await h.admin.registerApp(app);
    cliHome = await cliHomeIn(h.home);
    narrative = await alice.createNarrative('Jobs to list');
    reads = await uploadReads(alice, narrative.wsid, '@r\nACGT\n+\nIIII\n');
    // Bob may run in alice's narrative: his job there is still his, never in her list.
    await alice.setPermission(narrative.wsid, 'bob', 'write');
    bobs = await bob.waitForJob((await run(bob, { mode: 'ok' })).id);
    for (const [params, cell] of [[{ mode: 'ok' }, 'cell-1'], [{ mode: 'fail' }, 'cell-2'], [{ mode: 'ok' }, 'cell-1'], [{ mode: 'ok' }], [{ mode: 'ok' }]] as const) {
      mine.push(await alice.waitForJob((await run(alice, params, cell)).id));
    }
  });
  after(() => h?.stop());

  it('lists my jobs newest first, each as GET /jobs/{id} describes it, and never anyone else\'s', async () => {
    const page = await alice.listJobs();
    assert.deepEqual(ids(page.items), ids(mine).reverse());
    assert.equal(page.next, null);
    for (const job of page.items) assert.deepEqual(job, await alice.job(job.id));
    assert.deepEqual(page.items.at(-1)!.narrative, { id: narrative.id, version: null, cell: 'cell-1' });
    assert.deepEqual(page.items[0]!.narrative, null);
    assert.deepEqual(page.items[0]!.resources, app.resources);
    assert.deepEqual(ids((await bob.listJobs()).items), [bobs.id], 'bob sees his own job, not alice\'s in the same workspace');
    assert.deepEqual((await h.users.carol!.client.listJobs()).items, []);
    assert.equal(await statusOf(h.anonymous.listJobs()), 401);
  });

  it('filters by state (a comma list or the parameter repeated), app, narrative and cell, and time made', async () => {
    const [first, failed, third, fourth, fifth] = mine as [Job, Job, Job, Job, Job];
    assert.equal(failed.state, 'failed');
    assert.deepEqual(ids((await alice.listJobs({ state: 'failed' })).items), [failed.id]);
    assert.deepEqual(ids((await alice.listJobs({ state: 'failed,cancelled' })).items), [failed.id]);
    assert.deepEqual(ids((await alice.listJobs({ state: ['running', 'completed'] })).items), [fifth.id, fourth.id, third.id, first.id]);
    const repeated = await h.fetch('/api/v1/jobs?state=failed&state=queued', { headers: { Authorization: `Bearer ${h.users.alice!.token}` } });
    assert.deepEqual(ids(((await repeated.json()) as { items: Job[] }).items), [failed.id]);
    assert.deepEqual(ids((await alice.listJobs({ app: app.id })).items), ids(mine).reverse());
    assert.deepEqual((await alice.listJobs({ app: 'test/other-app' })).items, []);
    assert.deepEqual(ids((await alice.listJobs({ narrative: narrative.id })).items), [third.id, failed.id, first.id]);
    assert.deepEqual(ids((await alice.listJobs({ narrative: narrative.id, cell: 'cell-1' })).items), [third.id, first.id]);
    assert.deepEqual(ids((await alice.listJobs({ since: fourth.createdAt })).items), [fifth.id, fourth.id], 'since: at or after');
    assert.deepEqual(ids((await alice.listJobs({ until: fourth.createdAt })).items), [third.id, failed.id, first.id], 'until: before');
    // The same instant in another zone is the same filter.
    const shifted = new Date(Date.parse(fourth.createdAt) + 2 * 3600_000).toISOString().replace('Z', '+02:00');
    assert.deepEqual(ids((await alice.listJobs({ since: shifted })).items), [fifth.id, fourth.id]);
  });

  it('pages by cursor with no job twice and none missed, even when a job is made between pages', async () => {
    const seen: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    let added: Job | undefined;
    do {
      const page = await alice.listJobs({ limit: 2, ...(cursor ? { cursor } : {}) });
      assert.ok(page.items.length <= 2);
      seen.push(...ids(page.items));
      cursor = page.next ?? undefined;
      // A new job after the first page lands at the top, not in the pages still to come.
      if (++pages === 1) added = await alice.waitForJob((await run(alice, { mode: 'ok' })).id);
    } while (cursor && pages < 10);
    assert.deepEqual(seen, ids(mine).reverse());
    assert.equal(pages, 3);
    assert.equal((await alice.listJobs({ limit: 1 })).items[0]!.id, added!.id);
    mine.push(added!);
    const last = await alice.listJobs({ limit: mine.length });
    assert.equal(last.next, null, 'a page holding the rest has no next');
  });

  it("lets an admin list another user's jobs, and no one else: those in workspaces the admin may read", async () => {
    // Bob's job is in alice's private workspace: the admin role reads no one's workspace, there or at GET /jobs/{id}.
    assert.deepEqual((await h.admin.listJobs({ user: 'bob' })).items, []);
    assert.equal(await statusOf(h.admin.job(bobs.id)), 403);
    await alice.setPublic(narrative.wsid, true);
    try {
      assert.deepEqual(ids((await h.admin.listJobs({ user: 'bob' })).items), [bobs.id]);
    } finally {
      await alice.setPublic(narrative.wsid, false);
    }
    assert.deepEqual((await h.admin.listJobs()).items, [], 'the admin ran nothing');
    assert.equal(await statusOf(alice.listJobs({ user: 'bob' })), 403);
    assert.equal(await statusOf(h.admin.listJobs({ user: 'nobody' })), 404);
  });

  it('narrative job list prints them as a table, or with --json as {jobs, next}', async () => {
    const target = { url: h.server.url, home: cliHome, token: h.users.alice!.token };
    const table = await runCli(['job', 'list', '--limit', '3'], target);
    assert.equal(table.code, 0, table.stderr);
    const [header, ...rows] = table.stdout.trimEnd().split('\n');
    assert.match(header!, /^id\s+app\s+state\s+elapsed\s+narrative\/cell\s+created$/);
    assert.equal(rows.length, 3);
    assert.match(rows[0]!, new RegExp(`^${mine.at(-1)!.id}\\s+test/count-lines@1\\.0\\.0\\s+completed\\s+ran for \\d+ s\\s+\\d{4}-`));
    const failed = mine[1]!;
    const failedRow = (await runCli(['job', 'list', '--state', 'failed'], target)).stdout.split('\n')[1]!;
    assert.match(failedRow, new RegExp(`^${failed.id}\\s.*failed: the app exited with code 3\\s+ran for \\d+ s\\s+${narrative.id}/cell-2\\s`));

    const json = await runCli(['--json', 'job', 'list', '--state', 'completed', '--state', 'failed', '--limit', '2'], target);
    assert.equal(json.code, 0, json.stderr);
    const doc = JSON.parse(json.stdout) as { jobs: { jobId: number }[]; next: string | null };
    assert.deepEqual(doc.jobs.map((j) => j.jobId), ids(mine).reverse().slice(0, 2));
    assert.deepEqual(ids((await alice.listJobs({ cursor: doc.next!, limit: 1 })).items), [ids(mine).reverse()[2]], 'next continues after the last job printed');
    const all = JSON.parse((await runCli(['--json', 'job', 'list', '--limit', '5000'], target)).stdout) as { jobs: unknown[]; next: string | null };
    assert.deepEqual([all.jobs.length, all.next], [mine.length, null]);

    const lonelyCell = await runCli(['job', 'list', '--cell', 'cell-1'], target);
    assert.equal(lonelyCell.code, 1);
    assert.match(lonelyCell.stderr, /cell/);
    assert.equal((await runCli(['job', 'list', '--limit', 'many'], target)).code, 2);
  });

  it('says in plain words why a queued job waits, and for how long it can tell', async () => {
    const blocking = await run(alice, { mode: 'sleep', marker: 'jobs-list-block' });
    const waiting = await run(alice, { mode: 'ok' });
    try {
      let queued: Job | undefined;
      for (let i = 0; i < 100 && !(queued?.state === 'queued' && queued.waiting.includes('free slot')); i++) {
        await new Promise((r) => setTimeout(r, 100));
        queued = (await alice.listJobs({ state: 'queued' })).items.find((j) => j.id === waiting.id);
      }
      assert.ok(queued?.state === 'queued', JSON.stringify(queued));
      assert.equal(queued.waiting, 'waiting for a free slot on this machine: next in line');
      assert.equal(queued.queueReason, 'waiting for a free slot');
      assert.match(elapsedText(queued, Date.now()), /^queued for \d+ s$/);
      const cli = await runCli(['job', 'list', '--state', 'queued'], { url: h.server.url, home: cliHome, token: h.users.alice!.token });
      assert.match(cli.stdout, new RegExp(`^${waiting.id}\\s+\\S+\\s+queued: waiting for a free slot on this machine: next in line\\s+queued for \\d+ s`, 'm'));
      assert.deepEqual(ids((await alice.listJobs({ state: 'running' })).items), [blocking.id]);
    } finally {
      await alice.cancelJob(blocking.id);
      await alice.cancelJob(waiting.id).catch(() => undefined);
    }
    assert.equal((await alice.waitForJob(blocking.id)).state, 'cancelled');
  });

  it('leaves out my jobs in a workspace I may no longer read, as GET /jobs/{id} refuses them', async () => {
    assert.deepEqual(ids((await bob.listJobs()).items), [bobs.id]);
    await alice.setPermission(narrative.wsid, 'bob', 'none');
    try {
      assert.equal(await statusOf(bob.job(bobs.id)), 403);
      assert.equal(await statusOf(bob.cancelJob(bobs.id)), 403);
      assert.deepEqual((await bob.listJobs()).items, [], 'unshared: no job is listed that would answer 403');
      assert.deepEqual((await bob.listJobs({ narrative: narrative.id })).items, []);
      await alice.setPermission(narrative.wsid, 'bob', 'read');
      assert.deepEqual(ids((await bob.listJobs()).items), [bobs.id], 'read is enough to see a job, as for GET /jobs/{id}');
      assert.deepEqual(await bob.job(bobs.id), (await bob.listJobs()).items[0]);
    } finally {
      await alice.setPermission(narrative.wsid, 'bob', 'write');
    }
    // Alice's own list never had bob's job, shared or not.
    assert.ok(!ids((await alice.listJobs()).items).includes(bobs.id));
  });

  it('refuses bad query values with 400 naming the field, never a 5xx', async () => {
    const bad: [string, string][] = [
      ['state=bogus', 'state'], ['state=queued,', 'state'], ['state=queued&state=nope', 'state'], ['state=' + 'queued,'.repeat(40) + 'queued', 'state'],
      ['limit=0', 'limit'], ['limit=1001', 'limit'], ['limit=abc', 'limit'], ['limit=-1', 'limit'], ['limit=1e2', 'limit'], ['limit=99999999999999999999', 'limit'],
      ['narrative=0', 'narrative'], ['narrative=x', 'narrative'], ['narrative=9007199254740993', 'narrative'],
      ['cell=c1', 'cell'], ['narrative=1&cell=', 'cell'],
      ['since=yesterday', 'since'], ['until=2025-13-01T00:00:00Z', 'until'], ['since=2025-06-30T23:59:60Z', 'since'],
      ['cursor=!!', 'cursor'], [`cursor=${Buffer.from('x1').toString('base64url')}`, 'cursor'], [`cursor=${'A'.repeat(100)}`, 'cursor'], [`cursor=${Buffer.from('j0').toString('base64url')}`, 'cursor'],
      ['app=Not%20An%20App', 'app'], ['app=test', 'app'], ['wat=1', 'wat'], ['state%5B%5D=queued', 'state[]'], ['__proto__=1', '__proto__'],
    ];
    const failures: string[] = [];
    for (const [query, field] of bad) {
      const response = await h.fetch(`/api/v1/jobs?${query}`, { headers: { Authorization: `Bearer ${h.users.alice!.token}` } });
      const problem = (await response.json()) as { errors?: { path: string }[]; detail: string };
      const named = problem.errors?.some((e) => e.path === `/query/${field}` || e.path.startsWith(`/query/${field}/`));
      if (response.status !== 400 || !named) failures.push(`${query}: ${response.status} ${JSON.stringify(problem)}`);
    }
    assert.deepEqual(failures, []);
    const asAdmin = await h.fetch('/api/v1/jobs?user=..%2Fx', { headers: { Authorization: `Bearer ${h.server.adminToken!}` } });
    assert.equal(asAdmin.status, 400);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Store, UserRecord, WorkspaceRecord, AppRecord } from '../store.js';
import type { ContractPart } from './harness.js';
import { app, at, job, owned } from './seed.js';

/** Two users' jobs of two apps, at one-second steps: alice's ids in the order made, and bob's. */
async function seeded(store: Store) {
  const alice = await owned(store, 'alice');
  const bob = await owned(store, 'bob');
  const echo = app(alice.owner);
  const other = app(alice.owner, 'demo/other');
  await store.registerApp(echo);
  await store.registerApp(other);
  const make = (who: { owner: UserRecord; ws: WorkspaceRecord }, registered: AppRecord, second: number, origin: { narrative: number; cell: string | null } | null = null) =>
    store.createJob(job(who.owner, who.ws, registered, { createdAt: at(second), origin: origin && { ...origin, narrativeVersion: 1 } }));
  const ids: number[] = [];
  ids.push(await make(alice, echo, 10, { narrative: 7, cell: 'cell-a' }));
  ids.push(await make(bob, echo, 11));
  ids.push(await make(alice, other, 12, { narrative: 7, cell: 'cell-b' }));
  ids.push(await make(alice, echo, 13, { narrative: 8, cell: 'cell-a' }));
  ids.push(await make(alice, echo, 14));
  const bobs = [ids.splice(1, 1)[0]!];
  await store.updateJob(ids[1]!, 'created', { state: 'queued', schedulerId: '5', queueReason: 'Resources', queuePosition: 2 });
  await store.updateJob(ids[3]!, 'created', { state: 'cancelled', schedulerId: null, node: null, startedAt: null, endedAt: at(20), result: null });
  return { alice: alice.owner, bob: bob.owner, ids, bobs, store };
}

/** Listing one user's jobs: only theirs, newest first, narrowed by each filter, in pages by id. */
export const jobsListContract: ContractPart = ({ fresh }) => {
  describe('jobs listed for their user', () => {
    it("lists a user's own jobs only, newest first, and an empty list for a user with none", async () => {
      const { store, alice, bob, ids, bobs } = await seeded(await fresh());
      assert.deepEqual((await store.listJobsOf({ userId: alice.id, limit: 100 })).map((j) => j.id), [...ids].reverse());
      assert.deepEqual((await store.listJobsOf({ userId: bob.id, limit: 100 })).map((j) => j.id), bobs);
      assert.deepEqual(await store.listJobsOf({ userId: bob.id + alice.id + 100, limit: 100 }), []);
      const [newest] = await store.listJobsOf({ userId: alice.id, limit: 1 });
      assert.deepEqual(newest, await store.getJob(ids[3]!), 'each job as getJob reads it');
    });

    it('narrows by states, app, narrative and cell, and the time made (since inclusive, until exclusive)', async () => {
      const { store, alice, ids } = await seeded(await fresh());
      const list = async (filter: Record<string, unknown>) => (await store.listJobsOf({ userId: alice.id, limit: 100, ...filter })).map((j) => j.id);
      assert.deepEqual(await list({ states: ['queued'] }), [ids[1]]);
      assert.deepEqual(await list({ states: ['queued', 'cancelled'] }), [ids[3], ids[1]]);
      assert.deepEqual(await list({ states: ['running'] }), []);
      assert.deepEqual(await list({ states: [] }), [], 'no state chosen: no job');
      assert.deepEqual(await list({ appId: 'demo/other' }), [ids[1]]);
      assert.deepEqual(await list({ narrative: 7 }), [ids[1], ids[0]]);
      assert.deepEqual(await list({ narrative: 7, cell: 'cell-a' }), [ids[0]]);
      assert.deepEqual(await list({ narrative: 8, cell: 'cell-b' }), []);
      assert.deepEqual(await list({ since: at(12), until: at(14) }), [ids[2], ids[1]]);
      assert.deepEqual(await list({ since: at(15) }), []);
      assert.deepEqual(await list({ states: ['created'], appId: 'demo/echo', until: at(14) }), [ids[2], ids[0]]);
    });

    it('pages by id: each page below the last id of the one before, with no job twice or missed', async () => {
      const { store, alice, ids } = await seeded(await fresh());
      const seen: number[] = [];
      let before: number | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const page = await store.listJobsOf({ userId: alice.id, limit: 3, ...(before === undefined ? {} : { beforeId: before }) });
        seen.push(...page.map((j) => j.id));
        if (page.length < 3) break;
        before = page[page.length - 1]!.id;
      }
      assert.deepEqual(seen, [...ids].reverse());
      assert.deepEqual(await store.listJobsOf({ userId: alice.id, limit: 100, beforeId: ids[0] }), []);
    });

    it('keeps, for a reader, to the workspaces they may read: owned, granted at any level, or public', async () => {
      const { store, alice, bob, ids } = await seeded(await fresh());
      const registered = (await store.getApp('demo/echo', '1.0.0'))!;
      const bobsWs = (await store.listWorkspacesOf(bob.id))[0]!;
      const there = await store.createJob(job(alice, bobsWs, registered, { createdAt: at(30) }));
      const readable = async (reader: number) => (await store.listJobsOf({ userId: alice.id, readableBy: reader, limit: 100 })).map((j) => j.id);
      assert.deepEqual(await readable(alice.id), [...ids].reverse(), "her job in bob's workspace is not hers to see");
      await store.setGrant(bobsWs.id, alice.id, 'read');
      assert.deepEqual(await readable(alice.id), [there, ...[...ids].reverse()]);
      await store.setGrant(bobsWs.id, alice.id, 'none');
      await store.setPublic(bobsWs.id, true);
      assert.deepEqual(await readable(alice.id), [there, ...[...ids].reverse()]);
      await store.setPublic(bobsWs.id, false);
      assert.deepEqual(await readable(bob.id), [there], "bob reads his own workspace, not alice's");
      // The newest job is unreadable: a page of one is the newest readable one, not an empty page.
      assert.deepEqual((await store.listJobsOf({ userId: alice.id, readableBy: alice.id, limit: 1 })).map((j) => j.id), [ids[3]]);
    });

    it("counts a user's runs of each cell of a narrative: only their own, in workspaces they may read, cells without jobs absent", async () => {
      const { store, alice, bob } = await seeded(await fresh());
      const registered = (await store.getApp('demo/echo', '1.0.0'))!;
      const alicesWs = (await store.listWorkspacesOf(alice.id))[0]!;
      const bobsWs = (await store.listWorkspacesOf(bob.id))[0]!;
      const origin = (narrative: number, cell: string | null) => ({ origin: { narrative, narrativeVersion: 2, cell } });
      await store.createJob(job(alice, alicesWs, registered, origin(7, 'cell-a')));
      await store.createJob(job(alice, alicesWs, registered, origin(7, null)));
      await store.createJob(job(bob, alicesWs, registered, origin(7, 'cell-a')));
      await store.createJob(job(bob, bobsWs, registered, origin(7, 'cell-c')));
      await store.createJob(job(alice, bobsWs, registered, origin(7, 'cell-c')));
      const listed = async (cell: string) => (await store.listJobsOf({ userId: alice.id, readableBy: alice.id, narrative: 7, cell, limit: 100 })).length;
      // How many, as a map of counts (the newest's id is checked at the end).
      const counted = async (userId: number, narrative: number) => new Map([...(await store.countCellRuns(userId, narrative))].map(([cell, r]) => [cell, r.runs]));
      assert.deepEqual(await counted(alice.id, 7), new Map([['cell-a', 2], ['cell-b', 1]]), "bob's runs and her run in bob's workspace are not counted");
      assert.deepEqual([await listed('cell-a'), await listed('cell-b'), await listed('cell-c')], [2, 1, 0], 'the same jobs GET /jobs?narrative&cell lists');
      assert.deepEqual(await counted(alice.id, 8), new Map([['cell-a', 1]]));
      assert.deepEqual(await counted(alice.id, 9), new Map());
      assert.deepEqual(await counted(bob.id, 7), new Map([['cell-c', 1]]), "his run in alice's workspace is hers to see, not his");
      await store.setGrant(alicesWs.id, bob.id, 'write');
      assert.deepEqual(await counted(bob.id, 7), new Map([['cell-a', 1], ['cell-c', 1]]));
      await store.setGrant(bobsWs.id, alice.id, 'read');
      assert.deepEqual(await counted(alice.id, 7), new Map([['cell-a', 2], ['cell-b', 1], ['cell-c', 1]]), 'once granted, her run there counts');
      assert.equal(await listed('cell-c'), 1);
      const newest = async (cell: string) => (await store.listJobsOf({ userId: alice.id, readableBy: alice.id, narrative: 7, cell, limit: 1 }))[0]!.id;
      assert.deepEqual((await store.countCellRuns(alice.id, 7)).get('cell-a'), { runs: 2, latest: await newest('cell-a') }, 'numbers, the newest as listed first');
    });

    it('reads many jobs by id in one call: those that exist, by id, each as getJob reads it', async () => {
      const { store, ids, bobs } = await seeded(await fresh());
      const asked = [ids[3]!, bobs[0]!, ids[0]!, ids[3]!, ids[3]! + bobs[0]! + 1000];
      const jobs = await store.getJobs(asked);
      assert.deepEqual(jobs.map((j) => j.id), [ids[0]!, bobs[0]!, ids[3]!].sort((a, b) => a - b));
      for (const j of jobs) assert.deepEqual(j, await store.getJob(j.id));
      assert.deepEqual(await store.getJobs([]), []);
      assert.deepEqual(await store.getJobs([ids[3]! + bobs[0]! + 1000]), []);
    });

    it('says which jobs were run again, and by which job first', async () => {
      const { store, alice, ids } = await seeded(await fresh());
      const registered = (await store.getApp('demo/echo', '1.0.0'))!;
      const ws = (await store.listWorkspacesOf(alice.id))[0]!;
      const first = await store.createJob(job(alice, ws, registered, { retryOf: ids[0]!, attempt: 2 }));
      await store.createJob(job(alice, ws, registered, { retryOf: ids[0]!, attempt: 3 }));
      assert.deepEqual(await store.retriesOf([ids[0]!, ids[1]!]), new Map([[ids[0]!, first]]));
      assert.deepEqual(await store.retriesOf([]), new Map());
    });
  });
};

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobStateFields } from '../../domain/jobs/job.js';
import type { JobMove } from '../store.js';
import type { ContractPart } from './harness.js';
import { at, job, jobSetup, range } from './seed.js';

/** More than one multi-row statement's worth (the SQL store writes 500 jobs or moves at a time). */
const MANY = 1_234;
const CONCURRENT_BATCHES = 4;

const queuedAs = (schedulerId: string, queuePosition: number | null = null): JobStateFields => ({ state: 'queued', schedulerId, queueReason: null, queuePosition });
const cancelled: JobStateFields = { state: 'cancelled', schedulerId: null, node: null, startedAt: null, endedAt: at(9), result: null };

/** Jobs and their events written many at once (a bulk run's thousands): each as its one-at-a-time form writes it, all or none. */
export const jobsBatchContract: ContractPart = ({ fresh }) => {
  describe('jobs written many at once', () => {
    it('creates each job as createJob does, and gives their ids in the order given', async () => {
      const store = await fresh();
      const { owner, ws, registered, id: before } = await jobSetup(store);
      const origin = { narrative: 4, narrativeVersion: 2, cell: 'cell-1' };
      const given = range(MANY).map((i) => job(owner, ws, registered, { params: { i }, clientRequestId: i % 7 === 0 ? `req-${i}` : null, ...(i % 2 ? { origin } : {}) }));
      const ids = await store.createJobs(given);
      assert.equal(new Set(ids).size, MANY);
      assert.ok(ids.every((id) => id > before));
      const read = await store.getJobs(ids);
      assert.deepEqual(
        ids.map((id) => read.find((j) => j.id === id)),
        given.map((g, i) => ({ ...g, id: ids[i], state: 'created', origin: g.origin ?? null, rerun: null, runId: null })),
      );
      assert.deepEqual(await store.createJobs([]), []);
    });

    it('gives each of several concurrent batches the ids of its own jobs', async () => {
      const store = await fresh();
      const { owner, ws, registered } = await jobSetup(store);
      const batches = range(CONCURRENT_BATCHES).map((b) => range(600).map((i) => job(owner, ws, registered, { params: { b, i } })));
      const ids = await Promise.all(batches.map((batch) => store.createJobs(batch)));
      for (const [b, batch] of batches.entries()) {
        const read = await store.getJobs(ids[b]!);
        assert.deepEqual(ids[b]!.map((id) => read.find((j) => j.id === id)?.params), batch.map((g) => g.params));
      }
    });

    it('records none of the jobs when one of them is refused, even one in a later statement', async () => {
      const store = await fresh();
      const { owner, ws, registered } = await jobSetup(store);
      // A client request id is unique per user: the last job repeats the first one's.
      const given = range(MANY).map((i) => job(owner, ws, registered, { params: { i }, clientRequestId: i === 0 || i === MANY - 1 ? 'twice' : null }));
      await assert.rejects(store.createJobs(given));
      assert.deepEqual(await store.countJobsByState(), new Map([['created', 1]]));
      assert.equal(await store.findJobByRequest(owner.id, 'twice'), undefined);
    });

    it('undoes the jobs with the transaction they were created in', async () => {
      const store = await fresh();
      const { owner, ws, registered } = await jobSetup(store);
      const failure = new Error('after the jobs');
      await assert.rejects(
        store.transaction(async (tx) => {
          const ids = await tx.createJobs(range(MANY).map(() => job(owner, ws, registered)));
          await tx.appendJobEvents(ids.map((id) => ({ jobId: id, at: at(1), event: { state: 'created' } })));
          throw failure;
        }),
        (error) => error === failure,
      );
      assert.deepEqual(await store.countJobsByState(), new Map([['created', 1]]));
    });

    it('moves each job that is still in its expected state, with exactly its next state\'s fields, and says which moved', async () => {
      const store = await fresh();
      const { owner, ws, registered } = await jobSetup(store);
      const ids = await store.createJobs(range(MANY).map((i) => job(owner, ws, registered, { params: { i } })));
      // Every third job moved on meanwhile: its move, expecting `created`, is refused.
      const movedAway = ids.filter((_, i) => i % 3 === 0);
      assert.deepEqual(await store.updateJobs(movedAway.map((id) => ({ id, expected: 'created', next: cancelled }))), movedAway);
      const moves: JobMove[] = ids.map((id, i) => ({ id, expected: 'created', next: queuedAs(`7_${i}`, i % 2 ? i : null) }));
      const expected = ids.filter((_, i) => i % 3 !== 0);
      assert.deepEqual(await store.updateJobs(moves), expected);
      const read = await store.getJobs(ids);
      for (const [i, j] of read.entries()) {
        const { id: _id, appId: _a, appVersion: _v, userId: _u, wsid: _w, clientRequestId: _c, params: _p, inputs: _in, resources: _r, scheduler: _s, attempt: _t, retryOf: _o, createdAt: _at, origin: _or, rerun: _re, runId: _ru, ...state } = j;
        assert.deepEqual(state, i % 3 === 0 ? cancelled : queuedAs(`7_${i}`, i % 2 ? i : null), `job ${i}`);
      }
      assert.deepEqual(await store.updateJobs(moves), [], 'none is still created');
      assert.deepEqual(await store.updateJobs([{ id: ids.at(-1)! + 1000, expected: 'created', next: cancelled }]), [], 'a job that does not exist');
      assert.deepEqual(await store.updateJobs([]), []);
    });

    it('moves none of the jobs when one move is refused, even one in a later statement', async () => {
      const store = await fresh();
      const { owner, ws, registered } = await jobSetup(store);
      const ids = await store.createJobs(range(MANY).map(() => job(owner, ws, registered)));
      // No such state: the table's check refuses the last move only.
      const moves: JobMove[] = ids.map((id, i) => ({ id, expected: 'created', next: i === MANY - 1 ? ({ ...cancelled, state: 'vanished' } as unknown as JobStateFields) : cancelled }));
      await assert.rejects(store.updateJobs(moves));
      assert.deepEqual(await store.countJobsByState(), new Map([['created', MANY + 1]]));
    });

    it('appends each event after the job\'s earlier ones, in the order given, and none when one is refused', async () => {
      const store = await fresh();
      const { owner, ws, registered, id } = await jobSetup(store);
      const other = await store.createJob(job(owner, ws, registered));
      const first = await store.appendJobEvent(id, at(0), { n: 'first' });
      const events = range(MANY * 2).map((i) => ({ jobId: i % 2 ? other : id, at: at(i + 1), event: { n: i } }));
      await store.appendJobEvents(events);
      const read = await store.jobEvents(id, 0);
      assert.deepEqual(read.map((e) => e.event), [{ n: 'first' }, ...events.filter((e) => e.jobId === id).map((e) => e.event)]);
      assert.equal(read[0]!.seq, first);
      assert.deepEqual((await store.jobEvents(other, 0)).map((e) => [e.at, e.event]), events.filter((e) => e.jobId === other).map((e) => [e.at, e.event]));
      // The last event names no job: none of these is kept.
      await assert.rejects(store.appendJobEvents([...range(MANY * 2).map((i) => ({ jobId: id, at: at(i), event: { again: i } })), { jobId: other + 1000, at: at(0), event: {} }]));
      assert.equal((await store.jobEvents(id, 0)).length, 1 + MANY);
      await store.appendJobEvents([]);
    });
  });
};

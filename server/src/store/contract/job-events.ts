import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Store, VersionKey } from '../store.js';
import type { ContractPart } from './harness.js';
import { at, job, jobSetup, range, version } from './seed.js';

const RACERS = 20;

/** A job, and a saved version its outputs can name. */
async function withOutput(store: Store) {
  const { owner, ws, registered, id } = await jobSetup(store);
  const first = await store.insertVersion(version(ws, owner, 'echo-job1'));
  const second = await store.insertVersion(version(ws, owner, 'echo-job1-again'));
  const key: VersionKey = { wsid: ws.id, ...first };
  const other: VersionKey = { wsid: ws.id, ...second };
  return { owner, ws, registered, id, key, other };
}

/** A job's event log (ordered, read from a sequence number on) and its once-only output claims. */
export const jobEventsContract: ContractPart = ({ fresh }) => {
  describe('job events', () => {
    it('returns events in the order appended, with growing sequence numbers, each event as given', async () => {
      const store = await fresh();
      const { id } = await jobSetup(store);
      const events = [{ type: 'state', state: 'queued' }, { type: 'log', lines: ['a', 'b'], nested: { n: 1 } }, { type: 'state', state: 'running', node: 'n1' }];
      const seqs: number[] = [];
      for (const [i, event] of events.entries()) seqs.push(await store.appendJobEvent(id, at(i), event));
      assert.deepEqual([...seqs].sort((a, b) => a - b), seqs, 'sequence numbers grow');
      assert.equal(new Set(seqs).size, 3);
      assert.deepEqual(await store.jobEvents(id, 0), events.map((event, i) => ({ seq: seqs[i], at: at(i), event })));
    });

    it('reads only the events after a sequence number, and only of that job', async () => {
      const store = await fresh();
      const { owner, ws, registered, id } = await jobSetup(store);
      const other = await store.createJob(job(owner, ws, registered));
      const first = await store.appendJobEvent(id, at(1), { n: 1 });
      await store.appendJobEvent(other, at(2), { n: 'other' });
      const second = await store.appendJobEvent(id, at(3), { n: 2 });
      assert.deepEqual((await store.jobEvents(id, first)).map((e) => e.seq), [second]);
      assert.deepEqual(await store.jobEvents(id, second), []);
      assert.deepEqual((await store.jobEvents(other, 0)).map((e) => e.event), [{ n: 'other' }]);
      assert.deepEqual(await store.jobEvents(id + 1000, 0), []);
    });

    it(`keeps every one of ${RACERS} concurrent appends, each under the sequence number it was given`, async () => {
      const store = await fresh();
      const { id } = await jobSetup(store);
      const seqs = await Promise.all(range(RACERS).map((i) => store.appendJobEvent(id, at(i), { i })));
      assert.equal(new Set(seqs).size, RACERS);
      const read = await store.jobEvents(id, 0);
      assert.deepEqual(read.map((e) => e.seq), [...seqs].sort((a, b) => a - b));
      for (const [i, seq] of seqs.entries()) assert.deepEqual(read.find((e) => e.seq === seq)?.event, { i });
    });
  });

  describe('job output claims', () => {
    it('claims a job, attempt and output once; a second claim is refused whatever version it names', async () => {
      const store = await fresh();
      const { id, key, other } = await withOutput(store);
      assert.equal(await store.claimJobOutput(id, 1, 'echo', key), true);
      assert.equal(await store.claimJobOutput(id, 1, 'echo', key), false);
      assert.equal(await store.claimJobOutput(id, 1, 'echo', other), false);
    });

    it('claims each output and each attempt on its own', async () => {
      const store = await fresh();
      const { id, key, other } = await withOutput(store);
      assert.equal(await store.claimJobOutput(id, 1, 'echo', key), true);
      assert.equal(await store.claimJobOutput(id, 1, 'summary', other), true);
      assert.equal(await store.claimJobOutput(id, 2, 'echo', other), true);
    });

    it(`of ${RACERS} concurrent claims of one output, exactly one wins`, async () => {
      const store = await fresh();
      const { id, key } = await withOutput(store);
      const claimed = await Promise.all(range(RACERS).map(() => store.claimJobOutput(id, 1, 'echo', key)));
      assert.equal(claimed.filter(Boolean).length, 1);
    });

    it('releases a claim whose transaction is undone, with the version saved beside it', async () => {
      const store = await fresh();
      const { owner, ws, id } = await jobSetup(store);
      const undo = new Error('undo');
      // As ingest does: save the output and claim it in one transaction; a later failure undoes both.
      await assert.rejects(
        store.transaction(async (tx) => {
          const saved = await tx.insertVersion(version(ws, owner, 'echo-job1'));
          assert.equal(await tx.claimJobOutput(id, 1, 'echo', { wsid: ws.id, ...saved }), true);
          throw undo;
        }),
        (error) => error === undo,
      );
      assert.equal(await store.findObjectByName(ws.id, 'echo-job1'), undefined);
      const saved = await store.insertVersion(version(ws, owner, 'echo-job1'));
      assert.equal(await store.claimJobOutput(id, 1, 'echo', { wsid: ws.id, ...saved }), true);
    });

    it('refuses a claim naming a version that does not exist', async () => {
      const store = await fresh();
      const { id, key } = await withOutput(store);
      await assert.rejects(store.claimJobOutput(id, 1, 'echo', { ...key, ver: key.ver + 5 }));
      assert.equal(await store.claimJobOutput(id, 1, 'echo', key), true);
    });

    it("reads a job's claimed versions by output, from its latest attempt only", async () => {
      const store = await fresh();
      const { id, key, other } = await withOutput(store);
      assert.deepEqual(await store.jobOutputs(id), new Map());
      await store.claimJobOutput(id, 1, 'echo', key);
      await store.claimJobOutput(id, 1, 'summary', key);
      assert.deepEqual(await store.jobOutputs(id), new Map([['echo', key], ['summary', key]]));
      await store.claimJobOutput(id, 2, 'echo', other);
      assert.deepEqual(await store.jobOutputs(id), new Map([['echo', other]]));
    });
  });

  describe('verifications', () => {
    it('keeps the re-runs that verified a version, oldest first, once each', async () => {
      const store = await fresh();
      const { owner, ws, registered, id, key, other } = await withOutput(store);
      const rerun = await store.createJob(job(owner, ws, registered, { rerun: { of: id, verify: true } }));
      assert.deepEqual((await store.getJob(rerun))?.rerun, { of: id, verify: true });
      assert.deepEqual(await store.verificationsOf(key), []);
      await store.recordVerification(key, rerun, at(9));
      await store.recordVerification(key, id, at(5));
      await store.recordVerification(key, rerun, at(9));
      assert.deepEqual(await store.verificationsOf(key), [{ jobId: id, at: at(5) }, { jobId: rerun, at: at(9) }]);
      assert.deepEqual(await store.verificationsOf(other), []);
    });
  });
};

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FailureReason, JobResult } from '@narrative/launcher-native';
import type { ContractPart } from './harness.js';
import { app, at, job, jobSetup, owned, range, user } from './seed.js';

const RACERS = 20;

const result: JobResult = {
  jobId: '1', outcome: 'exited', exitCode: 0, signal: null, detail: null, startedAt: at(10), endedAt: at(20), node: 'node-1',
  runtime: { name: 'runc', version: '1.1' }, injections: [], memory: { limitMiB: 64, peakMiB: 12, enforcedBy: 'cgroup-v1' },
  outputs: [{ path: 'echo.txt', sha256: 'f'.repeat(64), size: 5 }], declared: { outputs: [{ name: 'echo' }] },
};

const queuedAs = (schedulerId: string) => ({ state: 'queued', schedulerId, queueReason: null, queuePosition: null }) as const;
const neverRan = (endedAt: string) => ({ schedulerId: null, node: null, startedAt: null, endedAt, result: null });
const failedAt = (second: number, failure: FailureReason = { kind: 'lost', detail: 'gone' }) => ({ state: 'failed', ...neverRan(at(second)), failure }) as const;
const cancelledAt = (second: number) => ({ state: 'cancelled', ...neverRan(at(second)) }) as const;

/** Jobs: created in `created`, changed only by compare-and-set on the state the writer saw, found by request, state, failure and retry. */
export const jobsContract: ContractPart = ({ fresh }) => {
  describe('jobs', () => {
    it('creates a job in state created with every given field and nothing else set', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      const registered = app(owner);
      await store.registerApp(registered);
      const given = job(owner, ws, registered, { clientRequestId: 'req-1', params: { words: 'hi', n: [1, 2] } });
      const id = await store.createJob(given);
      assert.deepEqual(await store.getJob(id), { ...given, id, state: 'created', origin: null, rerun: null, runId: null });
      assert.equal(await store.getJob(id + 1000), undefined);
    });

    it('keeps the narrative and cell a job was started from', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      const registered = app(owner);
      await store.registerApp(registered);
      const origin = { narrative: 4, narrativeVersion: 12, cell: 'cell-7f3a' };
      const started = await store.createJob(job(owner, ws, registered, { origin }));
      assert.deepEqual((await store.getJob(started))!.origin, origin);
      const partly = await store.createJob(job(owner, ws, registered, { origin: { narrative: 4, narrativeVersion: null, cell: null } }));
      assert.deepEqual((await store.getJob(partly))!.origin, { narrative: 4, narrativeVersion: null, cell: null });
    });

    it('puts a job in the expected state into its next state, with exactly that state\'s fields', async () => {
      const store = await fresh();
      const { id, given } = await jobSetup(store);
      const base = { ...given, id, origin: null, rerun: null, runId: null };
      const queued = { state: 'queued', schedulerId: 'slurm-7', queueReason: 'Priority', queuePosition: 3 } as const;
      assert.equal(await store.updateJob(id, 'created', queued), true);
      assert.deepEqual(await store.getJob(id), { ...base, ...queued });
      // The same state again: a queued job's position moving.
      assert.equal(await store.updateJob(id, 'queued', { ...queued, queuePosition: 1 }), true);
      assert.deepEqual(await store.getJob(id), { ...base, ...queued, queuePosition: 1 });
      const running = { state: 'running', schedulerId: 'slurm-7', node: 'node-1', startedAt: at(10) } as const;
      assert.equal(await store.updateJob(id, 'queued', running), true);
      assert.deepEqual(await store.getJob(id), { ...base, ...running }, 'nothing of the queue is left');
      const completed = { state: 'completed' as const, schedulerId: 'slurm-7', node: 'node-1', startedAt: at(10), endedAt: at(20), result, outputs: ['1/2/3'], verification: null };
      assert.equal(completed.state, 'completed');
      assert.equal(await store.updateJob(id, 'running', completed), true);
      assert.deepEqual(await store.getJob(id), { ...base, ...completed });
    });

    it('reads each ended state with its own fields', async () => {
      const store = await fresh();
      const { owner, ws, registered } = await jobSetup(store);
      const failure = { kind: 'exit-code' as const, code: 3 };
      const failed = { state: 'failed', schedulerId: '8', node: 'n2', startedAt: at(1), endedAt: at(2), result: null, failure } as const;
      const cancelled = { state: 'cancelled', schedulerId: null, node: null, startedAt: null, endedAt: at(3), result: null } as const;
      for (const next of [failed, cancelled]) {
        const given = job(owner, ws, registered);
        const id = await store.createJob(given);
        assert.equal(await store.updateJob(id, 'created', next), true);
        assert.deepEqual(await store.getJob(id), { ...given, id, origin: null, rerun: null, runId: null, ...next });
      }
    });

    it('refuses a change from a stale state and changes nothing', async () => {
      const store = await fresh();
      const { id } = await jobSetup(store);
      assert.equal(await store.updateJob(id, 'created', queuedAs('first')), true);
      const before = await store.getJob(id);
      // A second writer that still believes the job is created loses.
      assert.equal(await store.updateJob(id, 'created', { state: 'cancelled', schedulerId: 'second', node: null, startedAt: null, endedAt: at(5), result: null }), false);
      assert.equal(await store.updateJob(id, 'running', { ...queuedAs('first'), queuePosition: 9 }), false);
      assert.deepEqual(await store.getJob(id), before);
      assert.equal(await store.updateJob(id + 1000, 'created', queuedAs('x')), false, 'a job that does not exist');
    });

    it(`of ${RACERS} concurrent changes from the same state, exactly one applies`, async () => {
      const store = await fresh();
      const { id } = await jobSetup(store);
      const moved = await Promise.all(range(RACERS).map((i) => store.updateJob(id, 'created', queuedAs(`s-${i}`))));
      const winners = range(RACERS).filter((i) => moved[i]);
      assert.equal(winners.length, 1);
      const queued = await store.getJob(id);
      assert.equal(queued?.state === 'queued' && queued.schedulerId, `s-${winners[0]}`);
    });

    it('keeps a failure reason as given', async () => {
      const store = await fresh();
      const { id } = await jobSetup(store);
      const failure = { kind: 'out-of-memory' as const, limitMiB: 64, peakMiB: 70, message: 'used 70 MiB of 64' };
      assert.equal(await store.updateJob(id, 'created', failedAt(3, failure)), true);
      const failed = await store.getJob(id);
      assert.deepEqual(failed?.state === 'failed' && failed.failure, failure);
    });

    it("finds a job by its user's client request id, which is unique per user", async () => {
      const store = await fresh();
      const { owner, ws, registered } = await jobSetup(store);
      const bob = await user(store, 'bob');
      const mine = await store.createJob(job(owner, ws, registered, { clientRequestId: 'req-1' }));
      const bobs = await store.createJob(job(bob, ws, registered, { clientRequestId: 'req-1' }));
      assert.equal((await store.findJobByRequest(owner.id, 'req-1'))?.id, mine);
      assert.equal((await store.findJobByRequest(bob.id, 'req-1'))?.id, bobs);
      assert.equal(await store.findJobByRequest(owner.id, 'req-2'), undefined);
      await assert.rejects(store.createJob(job(owner, ws, registered, { clientRequestId: 'req-1' })));
      // Jobs without a request id are never duplicates of each other.
      await store.createJob(job(owner, ws, registered));
      await store.createJob(job(owner, ws, registered));
    });

    it('lists jobs in the given states by id', async () => {
      const store = await fresh();
      const { owner, ws, registered, id: first } = await jobSetup(store);
      const second = await store.createJob(job(owner, ws, registered));
      const third = await store.createJob(job(owner, ws, registered));
      await store.updateJob(second, 'created', queuedAs('2'));
      await store.updateJob(third, 'created', cancelledAt(1));
      assert.deepEqual((await store.listJobsInStates(['queued', 'created'])).map((j) => j.id), [first, second]);
      assert.deepEqual((await store.listJobsInStates(['cancelled'])).map((j) => j.id), [third]);
      assert.deepEqual(await store.listJobsInStates([]), []);
      assert.deepEqual(await store.listJobsInStates(['running']), []);
    });

    it('lists the jobs still created that were recorded before a time, by id', async () => {
      const store = await fresh();
      const { owner, ws, registered, id: first } = await jobSetup(store);
      const [early, queued, onTime, late] = await store.createJobs([at(1), at(1), at(2), at(3)].map((createdAt) => job(owner, ws, registered, { createdAt })));
      await store.updateJob(queued!, 'created', queuedAs('2'));
      assert.deepEqual((await store.listCreatedBefore(at(3))).map((j) => j.id), [early, first, onTime].sort((a, b) => a! - b!));
      assert.deepEqual((await store.listCreatedBefore(at(2))).map((j) => [j.id, j.state]), [[early, 'created']]);
      assert.deepEqual(await store.listCreatedBefore(at(1)), []);
      assert.ok((await store.listCreatedBefore(at(4))).some((j) => j.id === late));
    });

    it('counts jobs by state, leaving out states without jobs', async () => {
      const store = await fresh();
      assert.deepEqual(await store.countJobsByState(), new Map());
      const { owner, ws, registered } = await jobSetup(store);
      const second = await store.createJob(job(owner, ws, registered));
      await store.createJob(job(owner, ws, registered));
      await store.updateJob(second, 'created', queuedAs('2'));
      assert.deepEqual(await store.countJobsByState(), new Map([['created', 2], ['queued', 1]]));
    });

    it('lists the jobs that failed after a time, oldest first', async () => {
      const store = await fresh();
      const { owner, ws, registered } = await jobSetup(store);
      // Created one after another, so ids and end times grow together and "oldest" means the same by either.
      const [early, late, cancelled, later] = [
        await store.createJob(job(owner, ws, registered)),
        await store.createJob(job(owner, ws, registered)),
        await store.createJob(job(owner, ws, registered)),
        await store.createJob(job(owner, ws, registered)),
      ];
      await store.updateJob(early, 'created', failedAt(10));
      await store.updateJob(late, 'created', failedAt(30));
      await store.updateJob(cancelled, 'created', cancelledAt(40));
      await store.updateJob(later, 'created', failedAt(50));
      assert.deepEqual((await store.listFailedSince(at(10))).map((j) => j.id), [late, later]);
      assert.deepEqual((await store.listFailedSince(at(0))).map((j) => j.id), [early, late, later]);
      assert.deepEqual(await store.listFailedSince(at(50)), []);
    });

    it('finds the retry of a job', async () => {
      const store = await fresh();
      const { owner, ws, registered, id } = await jobSetup(store);
      assert.equal(await store.findRetryOf(id), undefined);
      const retry = await store.createJob(job(owner, ws, registered, { retryOf: id, attempt: 2 }));
      const found = await store.findRetryOf(id);
      assert.deepEqual([found?.id, found?.attempt, found?.retryOf], [retry, 2, id]);
      assert.equal(await store.findRetryOf(retry), undefined);
    });
  });
};

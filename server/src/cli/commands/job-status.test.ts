import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, type Job, type NarrativeClient } from '../../client/index.js';
import { attemptDocuments, attemptsOf, attemptsText, moreOf, resubmissionOf, usageText } from './job-status.js';

const COMMON = {
  app: 'test/count-lines', version: '1.0.0', user: 'alice', wsid: 1, scheduler: 'local', params: {}, inputs: [], rerunOf: null, verify: false,
  narrative: null, createdAt: '2026-01-01T10:00:00.000Z', schedulerId: '1', node: 'n1', startedAt: '2026-01-01T10:00:01.000Z', endedAt: '2026-01-01T10:00:02.000Z',
};
const resources = (memoryMiB: number) => ({ cpus: 1, memoryMiB, timeMinutes: 5, gpus: 0 });
const chainLinks = (id: number, attempt: number, retryOf: number | null, retriedBy: number | null) => ({ id, attempt, retryOf, retriedBy });

function outOfMemory(id: number, attempt: number, memoryMiB: number, links: { retryOf: number | null; retriedBy: number | null }, resubmitting = false): Job {
  const failure = { kind: 'out-of-memory' as const, limitMiB: memoryMiB, peakMiB: memoryMiB, message: `killed for memory: its limit is ${memoryMiB} MiB and it held ${memoryMiB} MiB at its peak` };
  return { ...COMMON, ...chainLinks(id, attempt, links.retryOf, links.retriedBy), resources: resources(memoryMiB), state: 'failed', failure, resubmitting, usage: { cpuSeconds: 0.1, peakMemoryMiB: memoryMiB, wallSeconds: 0.3 } };
}

function completed(id: number, attempt: number, memoryMiB: number, retryOf: number | null): Job {
  return { ...COMMON, ...chainLinks(id, attempt, retryOf, null), resources: resources(memoryMiB), state: 'completed', outputs: ['1/2/1'], verification: null, usage: { cpuSeconds: 12.34, peakMemoryMiB: 100.25, wallSeconds: 61 } };
}

/** A client that knows these jobs (each read through `read`, which may change them), and answers 404 for any other. */
function clientOf(jobs: Job[], read: (job: Job, reads: number) => Job = (job) => job) {
  const known = new Map(jobs.map((j) => [j.id, j]));
  const calls: number[] = [];
  const client = {
    job: async (id: number) => {
      calls.push(id);
      const job = known.get(id);
      if (!job) throw new ApiError(404, { type: 'about:blank', title: 'Not found', status: 404, detail: `no job ${id}` });
      return read(job, calls.filter((c) => c === id).length);
    },
  } as unknown as NarrativeClient;
  return { client, calls };
}

describe("a job's attempts", () => {
  const chain = [
    outOfMemory(12, 1, 64, { retryOf: null, retriedBy: 13 }),
    outOfMemory(13, 2, 128, { retryOf: 12, retriedBy: 14 }),
    completed(14, 3, 256, 13),
  ];

  it('are found from any of them, back through retryOf and on through retriedBy, and said in a line', async () => {
    const { client } = clientOf(chain);
    const found = await attemptsOf(client, chain[1]!);
    assert.deepEqual(found.map((j) => j.id), [12, 13, 14]);
    assert.equal(
      attemptsText(attemptDocuments(found)),
      'attempt 1 (job 12): failed, out of memory at 64 MiB → attempt 2 (job 13): failed, out of memory at 128 MiB → attempt 3 (job 14): completed with 256 MiB',
    );
  });

  it('end where a job cannot be read, and say a resubmission still to come', async () => {
    const { client } = clientOf([chain[0]!]);
    const found = await attemptsOf(client, { ...chain[0]!, retriedBy: 99 } as Job);
    assert.deepEqual(found.map((j) => j.id), [12], 'job 99 is not readable: the walk stops there');
    assert.deepEqual(attemptDocuments([outOfMemory(12, 1, 64, { retryOf: null, retriedBy: null }, true)]).map((a) => a.text), ['failed, out of memory at 64 MiB; resubmitting']);
  });

  it('say the resources only where the chain changed them', () => {
    assert.deepEqual(attemptDocuments([completed(20, 1, 64, null), completed(21, 2, 64, 20)]).map((a) => a.text), ['completed', 'completed']);
    assert.equal(moreOf(chain[0]!, chain[1]!), ' with more memory (128 MiB)');
    assert.equal(moreOf(chain[1]!, chain[1]!), '');
  });
});

describe('what a job used, in words', () => {
  it('says CPU time of wall time and the peak of the memory asked for', () => {
    assert.equal(usageText(completed(14, 1, 256, null)), 'used 12.3 s CPU of 1 min wall, peak 100.3 MiB of 256 MiB');
  });

  it('says what was not measured, and nothing before the job ended', () => {
    const job = completed(14, 1, 256, null);
    assert.equal(usageText({ ...job, usage: { cpuSeconds: null, peakMemoryMiB: null, wallSeconds: 2.25 } }), 'CPU time not measured, ran 2.3 s, peak memory not measured');
    assert.equal(usageText({ resources: job.resources }), null);
    assert.equal(usageText({ ...job, usage: null }), null);
  });
});

describe('following a resubmission', () => {
  it('waits for the server to make it when the failed job says one is coming, then gives the new job', async () => {
    const first = outOfMemory(12, 1, 64, { retryOf: null, retriedBy: null }, true);
    // The server resubmits between the first and the second read of job 12.
    const { client, calls } = clientOf([first, completed(13, 2, 128, 12)], (job, reads) => (job.id === 12 && reads >= 2 ? { ...job, retriedBy: 13, resubmitting: false } as Job : job));
    const next = await resubmissionOf(client, first, false);
    assert.equal(next?.id, 13);
    assert.deepEqual(calls, [12, 12, 13]);
  });

  it('does not wait when the server says none is coming, or for a failure no policy resubmits', async () => {
    const { client, calls } = clientOf([]);
    assert.equal(await resubmissionOf(client, outOfMemory(12, 1, 64, { retryOf: null, retriedBy: null }, false), false), null);
    assert.equal(await resubmissionOf(client, { ...outOfMemory(12, 1, 64, { retryOf: null, retriedBy: null }, true), failure: { kind: 'exit-code', code: 1 } } as Job, false), null);
    assert.equal(await resubmissionOf(client, completed(14, 1, 64, null), false), null);
    assert.deepEqual(calls, [], 'no request made');
  });
});

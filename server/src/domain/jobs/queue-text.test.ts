import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { durationText, elapsedOf, elapsedText, queueText } from './queue-text.js';

describe('queue reasons in plain words', () => {
  it('says what a job waits for, and how many jobs are ahead where the order matters', () => {
    assert.equal(queueText('Resources', 3), 'waiting for free CPUs/memory: 2 jobs ahead');
    assert.equal(queueText('Resources', 2), 'waiting for free CPUs/memory: 1 job ahead');
    assert.equal(queueText('Resources', 1), 'waiting for free CPUs/memory: next in line');
    assert.equal(queueText('Resources', null), 'waiting for free CPUs/memory');
    assert.equal(queueText('Priority', 5), 'waiting behind higher-priority jobs: 4 jobs ahead');
    assert.equal(queueText('waiting for a free slot', 2), 'waiting for a free slot on this machine: 1 job ahead');
    assert.equal(queueText(null, 4), 'waiting in the queue: 3 jobs ahead');
    assert.equal(queueText('None', null), 'waiting in the queue');
  });

  it('leaves the count out where it says nothing (a held job or a dependant waits whatever its place)', () => {
    assert.equal(queueText('Dependency', 1), 'waiting for an earlier step to finish');
    assert.equal(queueText('waiting for job 12', 2), 'waiting for an earlier step to finish');
    assert.equal(queueText('waiting for jobs 12, 13', null), 'waiting for an earlier step to finish');
    assert.equal(queueText('JobHeldUser', 1), 'held: it waits until it is released');
    assert.equal(queueText('JobHeldAdmin', 1), 'held by an administrator');
    assert.equal(queueText('BeginTime', 1), 'waiting for its start time');
  });

  it("names the account's limit a job is over, by what it caps", () => {
    assert.equal(queueText('AssocGrpCpuLimit', 1), "held: over the account's limit on CPUs");
    assert.equal(queueText('AssocGrpMemLimit', 1), "held: over the account's limit on memory");
    assert.equal(queueText('AssocMaxJobsLimit', 1), "held: over the account's limit on jobs");
    assert.equal(queueText('AssocGrpSubmitJobsLimit', 1), "held: over the account's limit on submitted jobs");
    assert.equal(queueText('AssocGrpCPURunMinutesLimit', 1), "held: over the account's limit on CPU time");
    assert.equal(queueText('QOSMaxCpuPerUserLimit', 1), "held: over the account's limit on CPUs");
    assert.equal(queueText('QOSMaxGRESPerJob', 1), "held: over the account's limit on GPUs");
    assert.equal(queueText('QOSMaxWallDurationPerJobLimit', 1), "held: over the account's limit on time");
    assert.equal(queueText('QOSMaxNodePerJobLimit', 1), "held: over the account's limit on nodes");
    assert.equal(queueText('QOSResourceLimit', 1), "held: over the account's limit");
  });

  it("says when the partition's nodes are unavailable, whatever detail follows the reason", () => {
    assert.equal(queueText('ReqNodeNotAvail, UnavailableNodes:n1,n2', 1), "the partition's nodes are unavailable");
    assert.equal(queueText('PartitionDown', null), "the partition's nodes are unavailable");
    assert.equal(queueText('(NodeDown)', null), "the partition's nodes are unavailable");
    assert.equal(queueText('PartitionTimeLimit', null), 'cannot start: it asks for more time than the partition allows');
  });

  it("keeps the scheduler's word for a reason it does not know", () => {
    assert.equal(queueText('SomethingNew', 3), 'SomethingNew');
    assert.equal(queueText('  OddReason ', null), 'OddReason');
    // Not an own property of the table: inherited names are unknown words too.
    assert.equal(queueText('constructor', null), 'constructor');
    assert.equal(queueText('toString', 2), 'toString');
  });
});

describe('how long a job has waited or run', () => {
  const t0 = Date.parse('2025-01-01T00:00:00Z');
  const iso = (s: number) => new Date(t0 + s * 1000).toISOString();

  it('counts a waiting job from its making and a running one from its start', () => {
    assert.deepEqual(elapsedOf({ state: 'queued', createdAt: iso(0) }, t0 + 125_000), { phase: 'queued', ms: 125_000 });
    assert.deepEqual(elapsedOf({ state: 'created', createdAt: iso(0) }, t0 + 1_000), { phase: 'queued', ms: 1_000 });
    assert.deepEqual(elapsedOf({ state: 'running', createdAt: iso(0), startedAt: iso(60) }, t0 + 100_000), { phase: 'running', ms: 40_000 });
    assert.deepEqual(elapsedOf({ state: 'running', createdAt: iso(0), startedAt: null }, t0 + 5_000), { phase: 'running', ms: 5_000 });
    assert.equal(elapsedText({ state: 'queued', createdAt: iso(0) }, t0 + 125_000), 'queued for 2 min');
    assert.equal(elapsedText({ state: 'running', createdAt: iso(0), startedAt: iso(60) }, t0 + 100_000), 'running for 40 s');
  });

  it('gives an ended job its run time, or its wait when it never started, whatever the time now', () => {
    const ran = { state: 'completed', createdAt: iso(0), startedAt: iso(10), endedAt: iso(190) };
    assert.equal(elapsedText(ran, t0 + 10 ** 9), 'ran for 3 min');
    assert.equal(elapsedText({ state: 'cancelled', createdAt: iso(0), startedAt: null, endedAt: iso(5) }, t0 + 10 ** 9), 'waited 5 s, never ran');
  });

  it('never goes below zero when clocks differ, and gives nothing for a time it cannot read', () => {
    assert.deepEqual(elapsedOf({ state: 'queued', createdAt: iso(10) }, t0), { phase: 'queued', ms: 0 });
    assert.equal(elapsedOf({ state: 'queued', createdAt: 'not a time' }, t0), null);
    assert.equal(elapsedText({ state: 'failed', createdAt: iso(0), startedAt: iso(1) }, t0), '');
  });

  it('writes durations the way people say them', () => {
    assert.deepEqual([0, 999, 59_999, 60_000, 3_599_000, 3_600_000, 3_900_000, 86_400_000, 97_200_000].map((ms) => durationText(ms)), ['0 s', '0 s', '59 s', '1 min', '59 min', '1 h', '1 h 5 min', '1 d', '1 d 3 h']);
  });

  it('says a duration in the words it is given, rounding and dropping parts as in English', () => {
    const tagged = { s: (s: number) => `${s}S`, min: (m: number) => `${m}M`, h: (h: number) => `${h}H`, hMin: (h: number, m: number) => `${h}H${m}M`, d: (d: number) => `${d}D`, dH: (d: number, h: number) => `${d}D${h}H` };
    assert.deepEqual([59_999, 60_000, 3_600_000, 3_900_000, 86_400_000, 97_200_000].map((ms) => durationText(ms, tagged)), ['59S', '1M', '1H', '1H5M', '1D', '1D3H']);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { Job } from '@narrative/server/client';
import { durationWords, elapsedWords, resourceWords, statusLabel, statusWords } from './words.js';

/** Like JupyterLab's null translator: `%1`, `%2`… replaced by the arguments; `_n` picks by the count. */
const fill = (text: string, args: unknown[]) => text.replace(/%(\d+)/g, (m, n: string) => (Number(n) <= args.length ? String(args[Number(n) - 1]) : m));
const trans = {
  __: (text: string, ...args: unknown[]) => fill(text, args),
  _n: (one: string, many: string, n: number, ...args: unknown[]) => fill(n === 1 ? one : many, [n, ...args]),
} as unknown as TranslationBundle;

const T0 = Date.parse('2025-01-01T00:00:00Z');
const iso = (s: number) => new Date(T0 + s * 1000).toISOString();
const job = (fields: { state: Job['state'] } & Record<string, unknown>) =>
  ({ id: 5, app: 'test/app', version: '1.0.0', createdAt: iso(0), resources: { cpus: 4, memoryMiB: 64, timeMinutes: 5, gpus: 0 }, ...fields }) as Job;

describe("the Jobs panel's words", () => {
  it("says why a queued job waits in the server's own words, and where the others are", () => {
    assert.equal(statusWords(job({ state: 'queued', waiting: 'waiting for free CPUs/memory: next in line', queueReason: 'Resources' }), trans), 'waiting for free CPUs/memory: next in line');
    assert.equal(statusWords(job({ state: 'queued', queueReason: 'Resources' }), trans), 'Resources', 'an older server: its raw reason');
    assert.equal(statusWords(job({ state: 'running', node: 'n1' }), trans), 'running on n1');
    assert.equal(statusWords(job({ state: 'completed', outputs: ['1/2/3'] }), trans), '1 output saved');
    assert.equal(statusWords(job({ state: 'failed', failure: { kind: 'exit-code', code: 3 } }), trans), 'the app exited with code 3');
  });

  it("labels the server's own sentence, and nothing the lab says itself", () => {
    assert.equal(statusLabel(job({ state: 'queued', waiting: 'waiting for free CPUs/memory: next in line' }), trans), 'In the queue:');
    assert.equal(statusLabel(job({ state: 'queued', waiting: '', queueReason: null }), trans), '', 'the lab\'s own "waiting in the queue"');
    assert.equal(statusLabel(job({ state: 'running', node: 'n1' }), trans), '');
  });

  it('says why a job failed in its own words, from the figures where there are some, never as a bare kind', () => {
    const failed = (failure: Record<string, unknown>) => statusWords(job({ state: 'failed', failure }), trans);
    assert.equal(failed({ kind: 'walltime', limitSeconds: 300, ranSeconds: 300.4, message: 'in English' }), 'stopped at its time limit of 5 min after running 5 min');
    assert.equal(failed({ kind: 'walltime', limitSeconds: 5400 }), 'stopped at its time limit of 1 h 30 min');
    assert.equal(failed({ kind: 'walltime' }), 'stopped at its time limit', 'an old record: no figures');
    assert.equal(failed({ kind: 'out-of-memory', limitMiB: 64, peakMiB: 70, message: 'in English' }), 'killed for memory: its limit is 64 MiB and it held 70 MiB at its peak');
    assert.equal(failed({ kind: 'out-of-memory', limitMiB: 64, peakMiB: null }), 'killed for memory: its limit is 64 MiB and its peak was not measured');
    assert.equal(failed({ kind: 'out-of-memory' }), 'killed for using too much memory');
    assert.equal(failed({ kind: 'preempted' }), 'preempted: the scheduler stopped it to run other work');
    assert.equal(failed({ kind: 'node-failure', detail: 'NODE_FAIL on n2' }), 'the node it ran on failed: NODE_FAIL on n2', "the server's detail after the lab's words");
    assert.equal(failed({ kind: 'lost', detail: '' }), 'the scheduler lost track of it');
    assert.equal(failed({ kind: 'from-a-newer-server' }), 'from-a-newer-server');
  });

  it('counts the time in the queue, running, or the whole run once ended', () => {
    assert.equal(elapsedWords(job({ state: 'queued' }), T0 + 125_000, trans), 'queued for 2 min');
    assert.equal(elapsedWords(job({ state: 'running', startedAt: iso(60) }), T0 + 100_000, trans), 'running for 40 s');
    assert.equal(elapsedWords(job({ state: 'completed', startedAt: iso(0), endedAt: iso(3900) }), T0 + 10 ** 9, trans), 'ran for 1 h 5 min');
    assert.equal(elapsedWords(job({ state: 'cancelled', startedAt: null, endedAt: iso(5) }), T0, trans), 'waited 5 s, never ran');
  });

  it('says durations as the CLI rounds them, in translatable words', () => {
    assert.deepEqual([59_999, 60_000, 3_600_000, 3_900_000, 86_400_000, 97_200_000].map((ms) => durationWords(ms, trans)), ['59 s', '1 min', '1 h', '1 h 5 min', '1 d', '1 d 3 h']);
    const german = { ...trans, __: (text: string, ...args: unknown[]) => fill(text.replace(' h', ' Std.'), args) } as unknown as TranslationBundle;
    assert.equal(durationWords(3_900_000, german), '1 Std. 5 min');
  });

  it('says what a job asked for', () => {
    assert.equal(resourceWords(job({ state: 'queued' }), trans), '4 CPUs · 64 MiB · 5 min time limit');
    assert.equal(resourceWords(job({ state: 'queued', resources: { cpus: 1, memoryMiB: 2048, timeMinutes: 90, gpus: 1 } }), trans), '1 CPU · 2 GiB · 1 h 30 min time limit · 1 GPU');
  });
});

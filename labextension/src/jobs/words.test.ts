import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { Job } from '@narrative/server/client';
import { elapsedWords, resourceWords, statusWords } from './words.js';

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
    assert.equal(statusWords(job({ state: 'failed', failure: { kind: 'walltime', message: 'stopped at its time limit of 5 min' } }), trans), 'walltime: stopped at its time limit of 5 min');
    assert.equal(statusWords(job({ state: 'failed', failure: { kind: 'preempted' } }), trans), 'preempted');
  });

  it('counts the time in the queue, running, or the whole run once ended', () => {
    assert.equal(elapsedWords(job({ state: 'queued' }), T0 + 125_000, trans), 'queued for 2 min');
    assert.equal(elapsedWords(job({ state: 'running', startedAt: iso(60) }), T0 + 100_000, trans), 'running for 40 s');
    assert.equal(elapsedWords(job({ state: 'completed', startedAt: iso(0), endedAt: iso(3900) }), T0 + 10 ** 9, trans), 'ran for 1 h 5 min');
    assert.equal(elapsedWords(job({ state: 'cancelled', startedAt: null, endedAt: iso(5) }), T0, trans), 'waited 5 s, never ran');
  });

  it('says what a job asked for', () => {
    assert.equal(resourceWords(job({ state: 'queued' }), trans), '4 CPUs · 64 MiB · 5 min time limit');
    assert.equal(resourceWords(job({ state: 'queued', resources: { cpus: 1, memoryMiB: 2048, timeMinutes: 90, gpus: 1 } }), trans), '1 CPU · 2 GiB · 1 h 30 min time limit · 1 GPU');
  });
});

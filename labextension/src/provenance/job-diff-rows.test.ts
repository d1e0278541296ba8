import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobDiff } from '@narrative/server/client';
import { trans } from '../app-cell/model.fixture.js';
import { diffRows, packageRows } from './job-diff-rows.js';

const same = <T>(value: T) => ({ same: true, a: value, b: value });
const file = (sha: string, size: number) => ({ ref: '4/2/1', sha256: sha.repeat(64), size });

/** Two runs of two versions on two images: one param and one output file differ; run b failed before its outputs. */
const DIFF: JobDiff = {
  a: { id: 12, app: 'genomics/probe', version: '1.0.0', state: 'completed', user: 'alice', createdAt: '2025-01-01T00:00:00Z' },
  b: { id: 13, app: 'genomics/probe', version: '1.1.0', state: 'completed', user: 'alice', createdAt: '2025-01-02T00:00:00Z' },
  same: false,
  state: same('completed'),
  app: same('genomics/probe'),
  version: { same: false, a: '1.0.0', b: '1.1.0' },
  imageDigest: { same: false, a: `sha256:${'a'.repeat(64)}`, b: `sha256:${'b'.repeat(64)}` },
  packages: {
    same: false, known: true, count: { same: true, a: 2, b: 2 },
    added: [{ name: 'prodigal', version: '1:2.6.3-6' }], removed: [{ name: 'seqkit', version: '2.3.1' }], changed: [{ name: 'libc6', a: '2.36-9', b: '2.36-10' }],
  },
  params: { same: false, items: [{ name: 'k', same: true, a: 21, b: 21 }, { name: 'label', same: false, a: 'first' }] },
  inputs: { same: true, items: [{ name: 'reads', same: true, given: { same: false, a: 'reads', b: '4/1/1' }, resolved: same('4/1/1') }] },
  runtime: same({ name: 'charliecloud', version: '0.31' }),
  wrapper: same('0.1.0'),
  node: same('node-1'),
  resources: { same: true, cpus: same(1), memoryMiB: same(256), timeMinutes: same(5), gpus: same(0) },
  exitCode: same(0),
  durationSeconds: { same: false, a: 1.25, b: null },
  outputs: { same: false, files: [{ output: 'report', file: 'label.txt', same: false, a: file('1', 6), b: file('2', 7) }, { output: 'report', file: 'lines.txt', same: true, a: file('3', 2), b: file('3', 2) }] },
};

describe('the rows of two runs side by side', () => {
  it('lists every property in reading order, each run\'s value as text, the differing ones marked', () => {
    const rows = diffRows(DIFF, trans);
    assert.deepEqual(rows.map((r) => r.label), [
      'state', 'app', 'version', 'image', 'Debian packages', 'parameter k', 'parameter label', 'input reads', 'launcher', 'job wrapper', 'node',
      'CPUs', 'memory (MiB)', 'time limit (minutes)', 'GPUs', 'exit code', 'duration (s)', 'output report/label.txt', 'output report/lines.txt',
    ]);
    assert.deepEqual(rows.filter((r) => !r.same).map((r) => r.label), ['version', 'image', 'Debian packages', 'parameter label', 'duration (s)', 'output report/label.txt']);
    const row = (label: string) => rows.find((r) => r.label === label)!;
    assert.deepEqual([row('parameter label').a, row('parameter label').b], ['first', '—'], 'a param only one run had');
    assert.deepEqual([row('parameter k').a, row('input reads').a, row('input reads').b], ['21', 'reads → 4/1/1', '4/1/1']);
    assert.deepEqual([row('launcher').a, row('duration (s)').a, row('duration (s)').b], ['charliecloud 0.31', '1.250', '—']);
    assert.equal(row('output report/label.txt').b, `7 bytes, sha256 ${'2'.repeat(12)}`);
    assert.equal(row('Debian packages').a, '2 packages');
  });

  it('lists the packages that differ by name, with a dash where a run\'s image has none', () => {
    assert.deepEqual(packageRows(DIFF.packages), [['libc6', '2.36-9', '2.36-10'], ['prodigal', '—', '1:2.6.3-6'], ['seqkit', '2.3.1', '—']]);
  });
});

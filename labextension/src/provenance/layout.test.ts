import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ObjectVersion } from '@narrative/server/client';
import { trans } from '../app-cell/model.fixture.js';
import { layoutLineage, type IStep } from './layout.js';
import { stepOf, stepRows } from './steps.js';

const at = '2026-01-01T00:00:00.000Z';
const image = `sha256:${'c'.repeat(64)}`;

function version(ref: string, provenance: ObjectVersion['provenance']): ObjectVersion {
  return { ref, name: ref, type: 'Report.Report-1.0', provenance } as unknown as ObjectVersion;
}

/** reads → MEGAHIT (job 7) → assembly → a code cell → its report; both outputs of job 7 share one step. */
const objects = [
  version('1/2/1', { kind: 'app', user: 'alice', at, inputs: [{ given: 'reads', resolved: '1/1/1' }], app: { id: 'genomics/megahit', version: '1.2.9', imageDigest: image, runtime: { name: 'charliecloud', version: '0.31' }, injections: [], params: {}, jobId: 7, scheduler: 'slurm', schedulerId: '12', node: 'n1', startedAt: at, endedAt: at, exitCode: 0 } }),
  version('1/4/1', { kind: 'app', user: 'alice', at, inputs: [{ given: 'reads', resolved: '1/1/1' }], app: { id: 'genomics/megahit', version: '1.2.9', imageDigest: image, runtime: { name: 'charliecloud', version: '0.31' }, injections: [], params: {}, jobId: 7, scheduler: 'slurm', schedulerId: '12', node: 'n1', startedAt: at, endedAt: at, exitCode: 0 } }),
  version('1/3/1', { kind: 'code', user: 'alice', at, inputs: [{ given: '1/2/1', resolved: '1/2/1' }], narrative: { id: 5, version: 3, cell: 'a1b2c3d4-e5f6' }, code: { cell: 'a1b2c3d4-e5f6', sourceSha256: 'f'.repeat(64), source: 'print(1)', sourceTruncated: false, kernelImage: image, inputs: ['1/2/1'] } }),
];

describe('the lineage drawing', () => {
  it('draws a code cell as a step of its own between what it read and what it saved, and one step per job', () => {
    const steps = new Map<string, IStep>();
    for (const o of objects) steps.set(o.ref, stepOf(o, trans)!);
    const graph = layoutLineage({
      nodes: ['1/1/1', '1/2/1', '1/3/1', '1/4/1'].map((ref) => ({ ref, accessible: true, name: ref })),
      edges: [{ from: '1/1/1', to: '1/2/1', relation: 'input' }, { from: '1/1/1', to: '1/4/1', relation: 'input' }, { from: '1/2/1', to: '1/3/1', relation: 'input' }],
      steps,
    }, { untitled: '?', step: 'a step' });
    const code = graph.nodes.find((n) => n.stepKind === 'code')!;
    assert.equal(code.title, 'code cell a1b2c3d4');
    assert.equal(code.subtitle, `source sha256 ${'f'.repeat(12)}`);
    assert.deepEqual(graph.edges.filter((e) => e.from === code.id || e.to === code.id).map((e) => [e.from, e.to]), [['1/2/1', code.id], [code.id, '1/3/1']]);
    assert.equal(graph.nodes.filter((n) => n.kind === 'step' && n.stepKind === 'app').length, 1, 'two outputs of job 7, one step');
    assert.deepEqual(graph.nodes.map((n) => [n.id, n.layer]).sort(), [['1/1/1', 0], ['1/2/1', 2], ['1/3/1', 4], ['1/4/1', 2], ['job:7', 1], [code.id, 3]].sort());
  });

  it("lists the code cell's narrative, cell, source digest and kernel image", () => {
    assert.deepEqual(stepRows(objects[2]!.provenance, trans), [
      ['narrative', '5, version 3'], ['cell', 'a1b2c3d4-e5f6'], ['source sha256', 'f'.repeat(64)], ['kernel image', image],
    ]);
  });
});

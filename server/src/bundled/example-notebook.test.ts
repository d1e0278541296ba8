import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appCellsOf } from '../domain/narrative-runs/app-cells.js';
import { EXAMPLE_APPS, EXAMPLE_TITLE, exampleNotebook } from './example-notebook.js';

const apps = [
  { id: 'genomics/megahit', version: '1.2.9', name: 'Assemble reads with MEGAHIT', params: { min_contig_len: 200 } },
  { id: 'genomics/prodigal', version: '2.6.3', name: 'Predict genes with Prodigal', params: { procedure: 'meta' } },
  { id: 'genomics/assembly-stats', version: '2.3.1', name: 'Assembly statistics with SeqKit', params: {} },
];

describe('the example narrative', () => {
  const notebook = exampleNotebook({ id: 4, title: EXAMPLE_TITLE, wsid: 9 }, apps, '9/2/1');

  it('opens with a markdown cell saying what to do, naming the reads and every app', () => {
    const first = notebook.cells[0]!;
    assert.equal(first['cell_type'], 'markdown');
    const text = String(first['source']);
    assert.match(text, /^# Example: assemble a genome/);
    assert.match(text, /9\/2\/1/);
    for (const app of apps) assert.ok(text.includes(app.name), app.name);
    assert.match(text, /still being built/);
  });

  it("has the apps' cells in the metadata the lab writes, the reads as MEGAHIT's input, the rest to be given its assembly", () => {
    const cells = appCellsOf(notebook);
    assert.deepEqual(cells.map((c) => [c.app, c.version, c.inputs, c.params, c.jobId]), [
      ['genomics/megahit', '1.2.9', { reads: '9/2/1' }, { min_contig_len: 200 }, null],
      ['genomics/prodigal', '2.6.3', {}, { procedure: 'meta' }, null],
      ['genomics/assembly-stats', '2.3.1', {}, {}, null],
    ]);
    for (const cell of notebook.cells.slice(1)) assert.deepEqual([cell['cell_type'], cell['source'], cell['outputs'], cell['execution_count']], ['code', '', [], null]);
    assert.equal(new Set(notebook.cells.map((c) => c['id'])).size, notebook.cells.length, 'every cell has its own id');
    assert.deepEqual(notebook.metadata.narrative, { id: 4, title: EXAMPLE_TITLE, wsid: 9 });
  });

  it('builds its apps in the order of its cells', () => {
    assert.deepEqual(EXAMPLE_APPS, apps.map((a) => a.id));
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { importsNarrative, insertLines, loadLine, usesClient, pythonName } from './snippet.js';

describe('the line a Data panel object becomes in a code cell', () => {
  it('names the variable after the object, as Python allows', () => {
    assert.equal(pythonName('reads'), 'reads');
    assert.equal(pythonName('megahit.contigs-2'), 'megahit_contigs_2');
    assert.equal(pythonName('2024_reads'), '_2024_reads');
    assert.equal(pythonName('lambda'), 'lambda_');
    assert.equal(pythonName('narrative'), 'narrative_', 'never shadows the client');
  });

  it('loads the exact version dragged', () => {
    assert.equal(loadLine({ name: 'reads', ref: '1/2/1' }), 'reads = narrative.get("1/2/1")');
  });

  it('sees an import of the client in any cell, in either form', () => {
    assert.equal(importsNarrative(['x = 1', 'import os\nimport narrative']), true);
    assert.equal(importsNarrative(['from narrative import get']), true);
    assert.equal(importsNarrative(['import narratives', '# import narrative later', 'x = "import narrative"']), false);
  });

  it('sees a cell that calls on the client, so the Data panel refreshes after it', () => {
    assert.equal(usesClient('ref = narrative.save("x", "Report.Report-1.0", {"title": "x"})'), true);
    assert.equal(usesClient('from narrative import save'), true);
    assert.equal(usesClient('print(1 + 1)'), false);
    assert.equal(usesClient('narratives = []'), false);
  });

  it('inserts whole lines before the line dropped on, or into an empty cell', () => {
    assert.equal(insertLines('', 0, ['import narrative', 'r = 1']), 'import narrative\nr = 1');
    assert.equal(insertLines('a\nb', 1, ['x']), 'a\nx\nb');
    assert.equal(insertLines('a\nb', 9, ['x']), 'a\nb\nx');
    assert.equal(insertLines('a\nb', 0, ['x']), 'x\na\nb');
  });
});

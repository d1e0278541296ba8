import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { CODE_SOURCE_KEPT } from '../schemas/provenance.js';
import { codeRun, mergeInputs } from './code-provenance.js';

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('the code block of a save from a kernel', () => {
  it("records the cell, the source's digest and the source, the image, and what the kernel read", () => {
    const image = `sha256:${'b'.repeat(64)}`;
    assert.deepEqual(codeRun({ cell: 'c1', source: 'x = 1' }, ['1/2/1'], image), {
      cell: 'c1', sourceSha256: sha('x = 1'), source: 'x = 1', sourceTruncated: false, kernelImage: image, inputs: ['1/2/1'],
    });
  });

  it('keeps a long source in part, its digest whole', () => {
    const source = `${'#'.repeat(CODE_SOURCE_KEPT)}\nprint("tail")`;
    const block = codeRun({ cell: null, source }, [], null);
    assert.equal(block.sourceSha256, sha(source));
    assert.equal(block.source!.length, CODE_SOURCE_KEPT);
    assert.equal(block.sourceTruncated, true);
  });

  it('says nothing of a cell the kernel did not describe', () => {
    assert.deepEqual(codeRun(undefined, [], null), { cell: null, sourceSha256: null, source: null, sourceTruncated: false, kernelImage: null, inputs: [] });
  });

  it('puts the inputs the save names first, then what the kernel read that they do not name', () => {
    const key = (objid: number) => ({ given: `1/${objid}/1`, key: { wsid: 1, objid, ver: 1 } });
    assert.deepEqual(mergeInputs([key(3)], [key(2), key(3)]).map((i) => i.key.objid), [3, 2]);
  });
});

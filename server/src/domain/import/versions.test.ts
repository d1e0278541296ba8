import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withRestoredRefsIn } from './versions.js';

describe("an imported version's data names the restored versions", () => {
  const restored = new Map([['3/4/1', '1/3/1'], ['3/5/2', '1/4/1']]);

  it('rewrites every reference to a restored version, in fields and in text, at any depth', () => {
    assert.deepEqual(withRestoredRefsIn({ assembly: '3/4/1', title: 'Statistics: contigs.fasta (3/4/1)', tables: [{ rows: [['3/5/2']] }], count: 7 }, restored), {
      assembly: '1/3/1', title: 'Statistics: contigs.fasta (1/3/1)', tables: [{ rows: [['1/4/1']] }], count: 7,
    });
  });

  it('leaves references it did not restore, and numbers that are part of a longer word or path', () => {
    assert.deepEqual(withRestoredRefsIn(['9/9/9', '13/4/1', '3/4/12', '3/4/1/5', 'v3/4/1'], restored), ['9/9/9', '13/4/1', '3/4/12', '3/4/1/5', 'v3/4/1']);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Problem } from '../errors.js';
import { formatRef, parseRef, printable } from './refs.js';

describe('references', () => {
  it('parses numeric and named references, with and without a version', () => {
    assert.deepEqual(parseRef('3/2/1'), { workspace: '3', object: '2', ver: 1 });
    assert.deepEqual(parseRef('alice-data/reads'), { workspace: 'alice-data', object: 'reads' });
    assert.deepEqual(parseRef('alice-data/2/7'), { workspace: 'alice-data', object: '2', ver: 7 });
  });

  it('refuses anything else with a 400 that quotes it', () => {
    for (const bad of ['', '3', '3/', '/3/1', '3/2/1/0', '3/../1', '3/2/0', '3/2/x', '3/.hidden', 'a b/c']) {
      assert.throws(() => parseRef(bad), (e: unknown) => e instanceof Problem && e.status === 400, bad);
    }
  });

  it('formats the canonical form', () => {
    assert.equal(formatRef({ wsid: 3, objid: 2, ver: 1 }), '3/2/1');
  });

  it('echoes user text without control characters, shortened', () => {
    assert.equal(printable('a\u0000b\nc'), 'a?b?c');
    assert.equal(printable('x'.repeat(100)).length, 81);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffPackages } from './diff-packages.js';

describe('diffPackages', () => {
  it("names what b's image adds, drops and holds at another version, sorted by name", () => {
    const a = { jq: '1.6-2.1', seqkit: '2.3.1+ds-1+b4', libc6: '2.36-9', zlib1g: '1:1.2.13' };
    const b = { jq: '1.6-2.1', prodigal: '1:2.6.3-6', libc6: '2.36-9+deb12u4', bash: '5.2.15-2' };
    assert.deepEqual(diffPackages(a, b, false), {
      same: false,
      known: true,
      count: { a: 4, b: 4, same: true },
      added: [{ name: 'bash', version: '5.2.15-2' }, { name: 'prodigal', version: '1:2.6.3-6' }],
      removed: [{ name: 'seqkit', version: '2.3.1+ds-1+b4' }, { name: 'zlib1g', version: '1:1.2.13' }],
      changed: [{ name: 'libc6', a: '2.36-9', b: '2.36-9+deb12u4' }],
    });
  });

  it('two images with one package list are the same', () => {
    const list = { jq: '1.6-2.1' };
    assert.equal(diffPackages(list, { ...list }, false).same, true);
  });

  it('an image whose packages are not known: the same only when it is one image', () => {
    assert.deepEqual(diffPackages(null, { jq: '1.6-2.1' }, false), { same: false, known: false, count: { a: null, b: 1, same: false }, added: [], removed: [], changed: [] });
    assert.equal(diffPackages(null, null, true).same, true);
  });
});

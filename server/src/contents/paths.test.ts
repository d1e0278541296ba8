import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Problem } from '../errors.js';
import { checkPath, narrativeIdOf, narrativePath, titleOf } from './paths.js';

const isBadRequest = (e: unknown) => e instanceof Problem && e.status === 400;

describe('contents paths', () => {
  it('round-trips a narrative id and title through its path', () => {
    const path = narrativePath(42, 'Growth (day 3)');
    assert.equal(path, 'Growth (day 3) (42).ipynb');
    assert.equal(narrativeIdOf(path), 42);
    assert.equal(titleOf(path), 'Growth (day 3)');
  });

  it('reads a path without an id as a new title', () => {
    assert.equal(narrativeIdOf('Untitled.ipynb'), null);
    assert.equal(titleOf('/Untitled.ipynb'), 'Untitled');
    assert.equal(narrativeIdOf(''), null);
  });

  it('refuses traversal, subdirectories, control characters and non-notebooks', () => {
    for (const bad of ['../x.ipynb', 'a/b.ipynb', '..', 'x\u0007.ipynb', 'a\\b.ipynb', 'notes.txt']) {
      assert.throws(() => checkPath(bad), isBadRequest, bad);
    }
    assert.throws(() => titleOf('.ipynb'), isBadRequest);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_NAME, nameApart } from './origin-name.js';

describe('a name told apart by its origin', () => {
  const origin = { wsid: 3, objid: 12 };

  it('keeps a free name, and adds the origin to a taken one', () => {
    assert.equal(nameApart('reads', origin, new Set(['notes'])), 'reads');
    assert.equal(nameApart('reads', origin, new Set(['reads'])), 'reads.from-3-12');
  });

  it('counts on when the name with its origin is taken too', () => {
    assert.equal(nameApart('reads', origin, new Set(['reads', 'reads.from-3-12'])), 'reads.from-3-12-2');
    assert.equal(nameApart('reads', origin, new Set(['reads', 'reads.from-3-12', 'reads.from-3-12-2'])), 'reads.from-3-12-3');
  });

  it('shortens a long name so the suffix fits', () => {
    const long = 'r'.repeat(MAX_NAME);
    const apart = nameApart(long, origin, new Set([long]));
    assert.equal(apart.length, MAX_NAME);
    assert.ok(apart.endsWith('.from-3-12'));
  });
});

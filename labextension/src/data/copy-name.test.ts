import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nameApart } from './copy-name.js';

describe("a copy's name in its target narrative", () => {
  const object = { name: 'reads', wsid: 3, objid: 12 };
  const takenOf = (names: string[]) => {
    const asked: string[] = [];
    return { asked, taken: async (name: string) => (asked.push(name), names.includes(name)) };
  };

  it('keeps its own name when free, asking once', async () => {
    const t = takenOf(['notes']);
    assert.equal(await nameApart(object, t.taken), 'reads');
    assert.deepEqual(t.asked, ['reads']);
  });

  it('adds its origin to a taken name, then counts on, as the server names a clash', async () => {
    assert.equal(await nameApart(object, takenOf(['reads']).taken), 'reads.from-3-12');
    assert.equal(await nameApart(object, takenOf(['reads', 'reads.from-3-12']).taken), 'reads.from-3-12-2');
  });

  it('shortens a long name so the suffix fits in 255 characters', async () => {
    const long = { ...object, name: 'r'.repeat(255) };
    const apart = await nameApart(long, takenOf([long.name]).taken);
    assert.equal(apart.length, 255);
    assert.ok(apart.endsWith('.from-3-12'));
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Kind, Type, type TSchema } from '@sinclair/typebox';
import { checker, InvalidJobFile, lazyCheck } from './check.js';

/** A schema TypeBox cannot compile: compiling it throws, so the test sees when compiling happens. */
const UNCOMPILABLE = { [Kind]: 'NotAType' } as unknown as TSchema;

describe('job file checks', () => {
  it('compile a schema on its first check, not when the module defining the checker loads', () => {
    const check = checker('odd.json', UNCOMPILABLE);
    assert.throws(() => check({}), /unknown type/i);
    assert.doesNotThrow(() => lazyCheck(UNCOMPILABLE));
  });

  it('compile once and keep the compiled check', () => {
    const compiled = lazyCheck(Type.Object({ n: Type.Integer() }));
    assert.equal(compiled(), compiled());
    assert.equal(compiled().Check({ n: 1 }), true);
    assert.equal(compiled().Check({ n: 'one' }), false);
  });

  it('name the file and the first thing wrong', () => {
    const check = checker('count.json', Type.Object({ n: Type.Integer() }));
    assert.deepEqual(check({ n: 2 }), { n: 2 });
    assert.throws(() => check({ n: 'two' }), (error: unknown) => error instanceof InvalidJobFile && error.file === 'count.json' && /^\/n: expected integer/.test(error.problem));
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { APP, trans } from './model.fixture.js';
import { formErrors, validateParam, withDefaults } from './validation.js';

describe('parameter validation', () => {
  it('checks required, enum, numbers and their bounds', () => {
    assert.equal(validateParam({ type: 'string' }, undefined, true, trans), 'Required.');
    assert.equal(validateParam({ type: 'string' }, '', false, trans), null);
    assert.equal(validateParam({ enum: ['a', 'b'] }, 'c', true, trans), 'Must be one of a, b.');
    assert.equal(validateParam({ type: 'integer' }, 1.5, true, trans), 'Must be a whole number.');
    assert.equal(validateParam({ type: 'number' }, Number.NaN, true, trans), 'Must be a number.');
    assert.equal(validateParam({ type: 'number', minimum: 1, maximum: 2 }, 3, true, trans), 'Must be at most 2.');
    assert.equal(validateParam({ type: 'number', exclusiveMinimum: 0 }, 0, true, trans), 'Must be more than 0.');
    assert.equal(validateParam({ type: 'number', exclusiveMaximum: 1 }, 1, true, trans), 'Must be less than 1.');
    assert.equal(validateParam({ type: 'integer', minimum: 1 }, 4, true, trans), null);
  });

  it('checks text length and pattern, ignoring a pattern it cannot compile', () => {
    assert.equal(validateParam({ type: 'string', minLength: 2 }, 'a', true, trans), 'Must be at least 2 characters.');
    assert.equal(validateParam({ type: 'string', maxLength: 2 }, 'abc', true, trans), 'Must be at most 2 characters.');
    assert.equal(validateParam({ type: 'string', pattern: '^[a-z]+$' }, 'A1', true, trans), 'Must match ^[a-z]+$.');
    assert.equal(validateParam({ type: 'string', pattern: '(' }, 'x', true, trans), null);
    assert.equal(validateParam({ type: 'string' }, 3, true, trans), 'Must be text.');
  });

  it('fills defaults and lists what keeps a cell from running', () => {
    assert.deepEqual(withDefaults(APP.spec, {}), { mode: 'ok' });
    assert.deepEqual(withDefaults(APP.spec, { mode: 'slow' }), { mode: 'slow' });
    const errors = formErrors(APP.spec, { id: APP.id, version: APP.version, params: { lines: 0 }, inputs: {} }, trans);
    assert.deepEqual([...errors], [
      ['param:mode', 'Required.'],
      ['param:lines', 'Must be at least 1.'],
      ['input:reads', 'Drop a Genomics.Reads-1.0 object here.'],
    ]);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ImageRecipe } from '../schemas/recipe.js';
import { createAjv } from '../schemas/validation.js';
import { recipeErrorLines } from './recipe-errors.js';

describe('recipe errors in words', () => {
  const validate = createAjv().compile(ImageRecipe);
  const linesFor = (recipe: unknown) => {
    assert.equal(validate(recipe), false);
    return recipeErrorLines(validate.errors, recipe);
  };
  const good = { suite: 'bookworm', variant: 'minbase', packages: ['jq=1.6-2.1+deb12u3'], sourceDateEpoch: 1700000000, files: {} };

  it('names the field as JSON writes it, the value, and what it must be', () => {
    assert.ok(linesFor({ ...good, packages: ['jq'] }).includes('packages[0]: "jq" must be name=version'), String(linesFor({ ...good, packages: ['jq'] })));
  });

  it('says which field is missing or unknown', () => {
    const { packages: _packages, ...missing } = good;
    assert.ok(linesFor(missing).includes('packages: is required'), String(linesFor(missing)));
    assert.ok(linesFor({ ...good, colour: 'red' }).includes('colour: is not a known field'), String(linesFor({ ...good, colour: 'red' })));
  });
});

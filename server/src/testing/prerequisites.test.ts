import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { needs, underCI } from './prerequisites.js';

/** The one skip rule, checked here because a CI machine never shows its failing half. */
describe('a missing prerequisite', () => {
  const ci = process.env.CI;
  afterEach(() => {
    if (ci === undefined) delete process.env.CI;
    else process.env.CI = ci;
  });

  it('skips, with the reason, outside CI', () => {
    delete process.env.CI;
    assert.equal(needs('a unicorn', false), 'needs a unicorn');
    process.env.CI = 'false';
    assert.equal(needs('a unicorn', false), 'needs a unicorn');
  });

  it('fails loudly under CI', () => {
    for (const value of ['true', '1']) {
      process.env.CI = value;
      assert.ok(underCI());
      assert.throws(() => needs('a unicorn', false), /missing prerequisite under CI=.*needs a unicorn/);
    }
  });

  it('neither skips nor fails when present', () => {
    process.env.CI = 'true';
    assert.equal(needs('node', true), false);
  });
});

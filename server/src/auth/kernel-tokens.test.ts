import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dueForRenewal, KERNEL_TOKEN_HOURS } from './kernel-tokens.js';

describe("a kernel token's renewal", () => {
  const now = '2024-01-01T12:00:00.000Z';
  const inHours = (h: number) => new Date(Date.parse(now) + h * 3_600_000).toISOString();

  it('waits until half its life is gone, so reconnecting does not write at every open', () => {
    assert.equal(dueForRenewal(inHours(KERNEL_TOKEN_HOURS), now), false);
    assert.equal(dueForRenewal(inHours(KERNEL_TOKEN_HOURS / 2 + 0.1), now), false);
    assert.equal(dueForRenewal(inHours(KERNEL_TOKEN_HOURS / 2 - 0.1), now), true);
    assert.equal(dueForRenewal(inHours(-1), now), true);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Level } from '../schemas/common.js';
import type { Store, WorkspaceRecord } from '../store/store.js';
import { levelOf, requireLevel, requireRole, scopeAllows, type Caller } from './permissions.js';

const ws = (id: number, o: Partial<WorkspaceRecord> = {}): WorkspaceRecord => ({ id, name: `ws${id}`, ownerId: 1, ownerName: 'alice', isPublic: false, publishedAt: null, createdAt: '2024-01-01T00:00:00.000Z', ...o });
/** Only what levelOf asks: bob has write in workspace 2. */
const store = { getGrant: async (wsid: number, userId: number): Promise<Level> => (wsid === 2 && userId === 2 ? 'write' : 'none') } as unknown as Store;

const alice: Caller = { id: 1, name: 'alice', role: 'admin' };
const kernel: Caller = { ...alice, tokenId: 9, scope: { wsid: 1, narrativeId: 5, kernelImage: null } };
const bobsKernel: Caller = { id: 2, name: 'bob', role: 'user', tokenId: 10, scope: { wsid: 3, narrativeId: 6, kernelImage: null } };

describe("a kernel's scoped token", () => {
  it('has at most write in its own workspace and at most read anywhere else', async () => {
    assert.equal(await levelOf(store, alice, ws(1)), 'admin');
    assert.equal(await levelOf(store, kernel, ws(1)), 'write', 'never admin: no sharing, publishing or deleting');
    assert.equal(await levelOf(store, kernel, ws(4)), 'read', "another of its user's workspaces");
    assert.equal(await levelOf(store, bobsKernel, ws(2)), 'read', 'a grant of write elsewhere still reads only');
    assert.equal(await levelOf(store, bobsKernel, ws(5, { ownerId: 7 })), 'none', 'no more than its user');
    assert.equal(await levelOf(store, bobsKernel, ws(5, { ownerId: 7, isPublic: true })), 'read');
  });

  it('is refused more than that, saying why', async () => {
    await assert.rejects(requireLevel(store, kernel, ws(4), 'write'), /kernel's token \(narrative 5\) has read access to workspace 4/);
    await assert.rejects(requireLevel(store, kernel, ws(1), 'admin'), /403|kernel's token/);
    assert.equal(await requireLevel(store, kernel, ws(1), 'write'), 'write');
  });

  it('keeps no role beyond user', () => {
    assert.equal(requireRole(kernel, 'user'), kernel);
    assert.throws(() => requireRole(kernel, 'admin'), /kernel's token/);
    assert.throws(() => requireRole(kernel, 'developer'), /kernel's token/);
    assert.equal(requireRole(alice, 'admin'), alice);
  });

  it('reads anything, and changes only what a route allows kernels', () => {
    assert.equal(scopeAllows(kernel, true, false), true);
    assert.equal(scopeAllows(kernel, false, false), false);
    assert.equal(scopeAllows(kernel, false, true), true);
    assert.equal(scopeAllows(alice, false, false), true, 'an unscoped token is not narrowed');
  });
});

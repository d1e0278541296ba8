import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Store, TokenKind, UserRecord } from '../store.js';
import type { ContractPart } from './harness.js';
import { at, hex, owned, user, version } from './seed.js';

function token(store: Store, owner: UserRecord, label: string, more: { kind?: TokenKind; expiresAt?: string | null; createdAt?: string } = {}): Promise<number> {
  return store.createToken({ userId: owner.id, tokenHash: hex(label), label, kind: more.kind ?? 'api', createdAt: more.createdAt ?? at(1), expiresAt: more.expiresAt ?? null });
}

/** Tokens: stored by hash, found while unrevoked and unexpired, revoked only by their owner. */
export const tokensContract: ContractPart = ({ fresh }) => {
  describe('tokens', () => {
    it('finds the user of a token by its hash, never used yet', async () => {
      const store = await fresh();
      const alice = await user(store, 'alice');
      const id = await token(store, alice, 'laptop');
      assert.deepEqual(await store.findTokenUser(hex('laptop'), at(10)), { user: alice, tokenId: id, lastUsedAt: null, scope: null });
      assert.equal(await store.findTokenUser(hex('other'), at(10)), undefined);
    });

    it('finds a token until its expiry, not at or after it; one without expiry never expires', async () => {
      const store = await fresh();
      const alice = await user(store, 'alice');
      await token(store, alice, 'session', { kind: 'session', expiresAt: at(100) });
      await token(store, alice, 'forever');
      assert.ok(await store.findTokenUser(hex('session'), at(99)));
      assert.equal(await store.findTokenUser(hex('session'), at(100)), undefined);
      assert.equal(await store.findTokenUser(hex('session'), at(101)), undefined);
      assert.ok(await store.findTokenUser(hex('forever'), at(1_000_000)));
    });

    it('records when a token was last used', async () => {
      const store = await fresh();
      const alice = await user(store, 'alice');
      const id = await token(store, alice, 'laptop');
      await store.touchToken(id, at(50));
      assert.equal((await store.findTokenUser(hex('laptop'), at(60)))?.lastUsedAt, at(50));
      assert.equal((await store.listTokens(alice.id))[0]?.lastUsedAt, at(50));
    });

    it("lists a user's unrevoked tokens in creation order, without their hashes", async () => {
      const store = await fresh();
      const alice = await user(store, 'alice');
      const bob = await user(store, 'bob');
      const first = await token(store, alice, 'first', { createdAt: at(1) });
      const second = await token(store, alice, 'second', { kind: 'session', createdAt: at(2), expiresAt: at(9) });
      await token(store, bob, 'bobs');
      assert.deepEqual(await store.listTokens(alice.id), [
        { id: first, label: 'first', kind: 'api', createdAt: at(1), lastUsedAt: null },
        { id: second, label: 'second', kind: 'session', createdAt: at(2), lastUsedAt: null },
      ]);
      assert.deepEqual(await store.listTokens(9999), []);
    });

    it('revokes a token once: it is no longer found or listed', async () => {
      const store = await fresh();
      const alice = await user(store, 'alice');
      const id = await token(store, alice, 'laptop');
      const kept = await token(store, alice, 'desktop');
      assert.equal(await store.revokeToken(alice.id, id, at(5)), true);
      assert.equal(await store.revokeToken(alice.id, id, at(6)), false, 'a second revoke');
      assert.equal(await store.findTokenUser(hex('laptop'), at(7)), undefined);
      assert.deepEqual((await store.listTokens(alice.id)).map((t) => t.id), [kept]);
    });

    it("refuses to revoke another user's token, which keeps working", async () => {
      const store = await fresh();
      const alice = await user(store, 'alice');
      const bob = await user(store, 'bob');
      const id = await token(store, alice, 'laptop');
      assert.equal(await store.revokeToken(bob.id, id, at(5)), false);
      assert.equal(await store.revokeToken(alice.id, 9999, at(5)), false, 'a token that does not exist');
      assert.equal((await store.findTokenUser(hex('laptop'), at(6)))?.user.id, alice.id);
    });

    it("finds a kernel's token with its scope; its expiry moves while it is unrevoked", async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      const notebook = await store.insertVersion(version(ws, owner, 'narrative'));
      const narrativeId = await store.createNarrative({ wsid: ws.id, objid: notebook.objid, title: 'Study', createdAt: at(0), copiedFrom: null });
      const id = await store.createToken({ userId: owner.id, tokenHash: hex('kernel'), label: 'kernel', kind: 'api', createdAt: at(1), expiresAt: at(100), scope: { wsid: ws.id, narrativeId, kernelImage: `sha256:${hex('image')}` } });
      assert.deepEqual((await store.findTokenUser(hex('kernel'), at(10)))?.scope, { wsid: ws.id, narrativeId, kernelImage: `sha256:${hex('image')}` });
      await store.extendToken(id, at(200));
      assert.ok(await store.findTokenUser(hex('kernel'), at(150)), 'found after its first expiry');
      await store.revokeToken(owner.id, id, at(160));
      await store.extendToken(id, at(300));
      assert.equal(await store.findTokenUser(hex('kernel'), at(170)), undefined, 'a revoked token stays revoked');
    });

    it('keeps the versions a token read, once each, in the order first read, until forgotten', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      const a = { wsid: ws.id, ...(await store.insertVersion(version(ws, owner, 'a'))) };
      const b = { wsid: ws.id, ...(await store.insertVersion(version(ws, owner, 'b'))) };
      const id = await token(store, owner, 'kernel');
      const other = await token(store, owner, 'other');
      await store.recordTokenRead(id, b, at(1));
      await store.recordTokenRead(id, a, at(2));
      await store.recordTokenRead(id, b, at(3));
      await store.recordTokenRead(other, a, at(4));
      assert.deepEqual(await store.tokenReads(id), [b, a]);
      await store.forgetTokenReads(id);
      assert.deepEqual(await store.tokenReads(id), []);
      assert.deepEqual(await store.tokenReads(other), [a], "another token's reads stay");
    });

    it('refuses a second token with the same hash', async () => {
      const store = await fresh();
      const alice = await user(store, 'alice');
      const bob = await user(store, 'bob');
      await token(store, alice, 'same');
      await assert.rejects(token(store, bob, 'same'));
      assert.equal((await store.findTokenUser(hex('same'), at(2)))?.user.id, alice.id);
    });
  });
};

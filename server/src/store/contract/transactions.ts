import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContractPart } from './harness.js';
import { at, owned, user, version } from './seed.js';

/** Transactions commit whole or not at all; a committed write outlives the store that made it. */
export const transactionsContract: ContractPart = ({ fresh, reopen }) => {
  describe('transactions', () => {
    it("commits every write of a transaction and returns the work's result", async () => {
      const store = await fresh();
      const result = await store.transaction(async (tx) => {
        const alice = await user(tx, 'alice');
        await tx.createWorkspace({ name: 'ws', ownerId: alice.id, createdAt: at(0) });
        return alice.id;
      });
      assert.equal((await store.findUserByName('alice'))?.id, result);
      assert.equal((await store.getWorkspaceByName('ws'))?.ownerId, result);
    });

    it('undoes every write of a transaction whose work throws, and passes the error on', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      const failure = new Error('halfway');
      await assert.rejects(
        store.transaction(async (tx) => {
          await user(tx, 'bob');
          await tx.insertVersion(version(ws, owner, 'reads'));
          await tx.setGrant(ws.id, owner.id, 'admin');
          throw failure;
        }),
        (error) => error === failure,
      );
      assert.equal(await store.findUserByName('bob'), undefined);
      assert.equal(await store.findObjectByName(ws.id, 'reads'), undefined);
      assert.equal(await store.getGrant(ws.id, owner.id), 'none');
    });

    it('keeps concurrent transactions apart: one that throws undoes only its own writes, the others commit', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      const failure = new Error('one of them');
      const outcomes = await Promise.allSettled(['a', 'b', 'c', 'd'].map((name) => store.transaction(async (tx) => {
        const saved = await tx.insertVersion(version(ws, owner, name));
        await tx.insertVersion(version(ws, owner, 'shared'));
        if (name === 'b') throw failure;
        return saved.objid;
      })));
      assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      assert.equal((outcomes[1] as PromiseRejectedResult).reason, failure);
      assert.equal(await store.findObjectByName(ws.id, 'b'), undefined);
      for (const name of ['a', 'c', 'd']) assert.ok(await store.findObjectByName(ws.id, name), name);
      assert.equal((await store.findObjectByName(ws.id, 'shared'))?.latestVer, 3, 'the undone version of shared is not counted');
    });

    it('reads its own writes inside the transaction', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      await store.transaction(async (tx) => {
        await tx.insertVersion(version(ws, owner, 'reads'));
        assert.equal((await tx.findObjectByName(ws.id, 'reads'))?.latestVer, 1);
        assert.deepEqual(await tx.insertVersion(version(ws, owner, 'reads')), { objid: 1, ver: 2 });
      });
    });

    it('runs a transaction begun inside another as part of it: undoing the outer undoes the inner', async () => {
      const store = await fresh();
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.transaction((inner) => user(inner, 'inner'));
          throw new Error('outer fails');
        }),
      );
      assert.equal(await store.findUserByName('inner'), undefined);
    });

    it('keeps committed data when the store is closed and opened again', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      await store.insertVersion(version(ws, owner, 'reads', { data: { kept: true } }));
      const again = await reopen(store);
      assert.deepEqual((await again.getVersion({ wsid: ws.id, objid: 1, ver: 1 }))?.data, { kept: true });
      assert.deepEqual(await again.insertVersion(version(ws, owner, 'reads')), { objid: 1, ver: 2 });
    });
  });
};

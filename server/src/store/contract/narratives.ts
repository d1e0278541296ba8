import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Store, UserRecord, WorkspaceRecord } from '../store.js';
import type { ContractPart } from './harness.js';
import { at, owned, user, version, workspace } from './seed.js';

async function narrativeIn(store: Store, ws: WorkspaceRecord, by: UserRecord, title = 'Assembly', copiedFrom: number | null = null): Promise<number> {
  const { objid } = await store.insertVersion(version(ws, by, 'narrative', { type: 'Narrative.Notebook-1.0' }));
  return store.createNarrative({ wsid: ws.id, objid, title, createdAt: at(1), copiedFrom });
}

/** Narratives: one per workspace, renamed, soft-deleted (then gone from every lookup). */
export const narrativesContract: ContractPart = ({ fresh }) => {
  describe('narratives', () => {
    it('keeps a created narrative, found by id and by workspace', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      const id = await narrativeIn(store, ws, owner);
      const expected = { id, wsid: ws.id, objid: 1, title: 'Assembly', createdAt: at(1), updatedAt: at(1), copiedFrom: null, deletedAt: null };
      assert.deepEqual(await store.getNarrative(id), expected);
      assert.deepEqual(await store.getNarrativeByWorkspace(ws.id), expected);
      assert.equal(await store.getNarrative(id + 1000), undefined);
    });

    it('refuses a second narrative in one workspace', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      await narrativeIn(store, ws, owner);
      await assert.rejects(store.createNarrative({ wsid: ws.id, objid: 1, title: 'Again', createdAt: at(2), copiedFrom: null }));
    });

    it('records which narrative a copy came from', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      const original = await narrativeIn(store, ws, owner);
      const copy = await narrativeIn(store, await workspace(store, owner, 'copy'), owner, 'Copy of Assembly', original);
      assert.equal((await store.getNarrative(copy))?.copiedFrom, original);
    });

    it('renames, and touches without renaming', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      const id = await narrativeIn(store, ws, owner);
      await store.updateNarrative(id, { title: 'Better', updatedAt: at(5) });
      await store.updateNarrative(id, { updatedAt: at(6) });
      const n = await store.getNarrative(id);
      assert.deepEqual([n?.title, n?.updatedAt, n?.createdAt], ['Better', at(6), at(1)]);
    });

    it('lists the narratives of workspaces a user owns or holds a grant in, by id', async () => {
      const store = await fresh();
      const { owner: alice, ws } = await owned(store, 'alice');
      const { owner: bob, ws: bobs } = await owned(store, 'bob');
      const { owner: carol, ws: carols } = await owned(store, 'carol');
      const first = await narrativeIn(store, ws, alice);
      const second = await narrativeIn(store, bobs, bob);
      await narrativeIn(store, carols, carol);
      await store.setGrant(bobs.id, alice.id, 'read');
      assert.deepEqual((await store.listNarrativesOf(alice.id)).map((n) => n.id), [first, second]);
      assert.deepEqual((await store.listNarrativesOf(bob.id)).map((n) => n.id), [second]);
      assert.deepEqual(await store.listNarrativesOf((await user(store, 'dave')).id), []);
    });

    it('hides a deleted narrative from every lookup; its workspace and object stay', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      const id = await narrativeIn(store, ws, owner);
      await store.deleteNarrative(id, at(9));
      assert.equal(await store.getNarrative(id), undefined);
      assert.equal(await store.getNarrativeByWorkspace(ws.id), undefined);
      assert.deepEqual(await store.listNarrativesOf(owner.id), []);
      assert.ok(await store.getWorkspace(ws.id));
      assert.equal((await store.getObjectHead({ wsid: ws.id, objid: 1 }))?.name, 'narrative');
    });
  });
};

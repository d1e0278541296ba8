import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContractPart } from './harness.js';
import { at, owned, user, version, workspace } from './seed.js';

/** Workspaces: names unique, owner named, listed for who owns or holds a grant, public and published flags. */
export const workspacesContract: ContractPart = ({ fresh }) => {
  describe('workspaces', () => {
    it('keeps a created workspace, private and unpublished, found by id and by name with its owner name', async () => {
      const store = await fresh();
      const alice = await user(store, 'alice');
      const ws = await store.createWorkspace({ name: 'reads', ownerId: alice.id, createdAt: at(3) });
      assert.deepEqual(ws, { id: ws.id, name: 'reads', ownerId: alice.id, ownerName: 'alice', isPublic: false, publishedAt: null, createdAt: at(3) });
      assert.deepEqual(await store.getWorkspace(ws.id), ws);
      assert.deepEqual(await store.getWorkspaceByName('reads'), ws);
      assert.equal(await store.getWorkspace(9999), undefined);
      assert.equal(await store.getWorkspaceByName('nothing'), undefined);
    });

    it('refuses a second workspace with a taken name', async () => {
      const store = await fresh();
      const alice = await user(store, 'alice');
      const bob = await user(store, 'bob');
      await workspace(store, alice, 'shared-name');
      await assert.rejects(workspace(store, bob, 'shared-name'));
      assert.equal((await store.getWorkspaceByName('shared-name'))?.ownerId, alice.id);
    });

    it('lists the workspaces a user owns or holds a grant in, by id, each once', async () => {
      const store = await fresh();
      const alice = await user(store, 'alice');
      const bob = await user(store, 'bob');
      const mine = await workspace(store, alice, 'mine');
      await workspace(store, bob, 'theirs');
      const granted = await workspace(store, bob, 'granted');
      await store.setGrant(granted.id, alice.id, 'read');
      // A grant in one's own workspace must not list it twice.
      await store.setGrant(mine.id, alice.id, 'admin');
      assert.deepEqual((await store.listWorkspacesOf(alice.id)).map((w) => w.name), ['mine', 'granted']);
      assert.deepEqual((await store.listWorkspacesOf(bob.id)).map((w) => w.name), ['theirs', 'granted']);
      await store.setGrant(granted.id, alice.id, 'none');
      assert.deepEqual((await store.listWorkspacesOf(alice.id)).map((w) => w.id), [mine.id]);
    });

    it('lists public workspaces, published ones included, whoever owns them', async () => {
      const store = await fresh();
      const alice = await user(store, 'alice');
      const bob = await user(store, 'bob');
      const open = await workspace(store, alice, 'open');
      await workspace(store, alice, 'closed');
      const published = await workspace(store, bob, 'published');
      assert.deepEqual(await store.listPublicWorkspaces(), []);
      await store.setPublic(open.id, true);
      await store.publish(published.id, at(20));
      assert.deepEqual((await store.listPublicWorkspaces()).map((w) => w.name), ['open', 'published']);
      await store.setPublic(open.id, false);
      assert.equal((await store.getWorkspace(open.id))?.isPublic, false);
      assert.deepEqual((await store.listPublicWorkspaces()).map((w) => w.name), ['published']);
    });

    it('publishes once: the workspace becomes public and keeps its first publication time', async () => {
      const store = await fresh();
      const { ws } = await owned(store);
      await store.publish(ws.id, at(20));
      await store.publish(ws.id, at(30));
      const published = await store.getWorkspace(ws.id);
      assert.equal(published?.isPublic, true);
      assert.equal(published?.publishedAt, at(20));
    });

    it("leaves a deleted narrative's public workspace out of the public listing, still readable by id", async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      const { objid } = await store.insertVersion(version(ws, owner, 'narrative', { type: 'Narrative.Notebook-1.0' }));
      const id = await store.createNarrative({ wsid: ws.id, objid, title: 'Gone', createdAt: at(1), copiedFrom: null });
      await store.setPublic(ws.id, true);
      assert.equal((await store.listPublicWorkspaces()).length, 1);
      await store.deleteNarrative(id, at(2));
      assert.deepEqual(await store.listPublicWorkspaces(), []);
      assert.equal((await store.getWorkspace(ws.id))?.isPublic, true);
    });
  });

  describe('grants', () => {
    it('answers none for a user without a grant, the owner included (ownership is not a grant)', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      const bob = await user(store, 'bob');
      assert.equal(await store.getGrant(ws.id, bob.id), 'none');
      assert.equal(await store.getGrant(ws.id, owner.id), 'none');
      assert.deepEqual(await store.listGrants(ws.id), []);
    });

    it('sets, replaces and removes (level none) a grant', async () => {
      const store = await fresh();
      const { ws } = await owned(store);
      const bob = await user(store, 'bob');
      for (const level of ['read', 'write', 'admin', 'read'] as const) {
        await store.setGrant(ws.id, bob.id, level);
        assert.equal(await store.getGrant(ws.id, bob.id), level);
        assert.deepEqual(await store.listGrants(ws.id), [{ user: 'bob', level }]);
      }
      await store.setGrant(ws.id, bob.id, 'none');
      assert.equal(await store.getGrant(ws.id, bob.id), 'none');
      assert.deepEqual(await store.listGrants(ws.id), []);
      await store.setGrant(ws.id, bob.id, 'none');
    });

    it("lists a workspace's grants by user name, and only that workspace's", async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      const other = await workspace(store, owner, 'other');
      for (const name of ['carol', 'bob', 'dave']) {
        const u = await user(store, name);
        await store.setGrant(ws.id, u.id, name === 'bob' ? 'write' : 'read');
        if (name === 'dave') await store.setGrant(other.id, u.id, 'admin');
      }
      assert.deepEqual(await store.listGrants(ws.id), [
        { user: 'bob', level: 'write' },
        { user: 'carol', level: 'read' },
        { user: 'dave', level: 'read' },
      ]);
      assert.deepEqual(await store.listGrants(other.id), [{ user: 'dave', level: 'admin' }]);
    });
  });
};

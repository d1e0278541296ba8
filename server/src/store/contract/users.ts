import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContractPart } from './harness.js';
import { at, user } from './seed.js';

/** Users: created once per name, found by id and by name, listed by name. */
export const usersContract: ContractPart = ({ fresh }) => {
  describe('users', () => {
    it('keeps every field of a created user, found by id and by name', async () => {
      const store = await fresh();
      const created = await store.createUser({ name: 'alice', role: 'developer', passwordHash: '$argon2id$hash', createdAt: at(5) });
      assert.ok(Number.isInteger(created.id) && created.id > 0);
      assert.deepEqual(created, { id: created.id, name: 'alice', role: 'developer', passwordHash: '$argon2id$hash', createdAt: at(5) });
      assert.deepEqual(await store.findUserById(created.id), created);
      assert.deepEqual(await store.findUserByName('alice'), created);
    });

    it('keeps a user without a password as null', async () => {
      const store = await fresh();
      const created = await user(store, 'bob', 'admin');
      assert.equal((await store.findUserById(created.id))?.passwordHash, null);
    });

    it('answers undefined for a user that does not exist', async () => {
      const store = await fresh();
      await user(store, 'alice');
      assert.equal(await store.findUserByName('nobody'), undefined);
      assert.equal(await store.findUserById(9999), undefined);
    });

    it('refuses a second user with a taken name and keeps the first', async () => {
      const store = await fresh();
      const first = await user(store, 'alice');
      await assert.rejects(store.createUser({ name: 'alice', role: 'admin', passwordHash: null, createdAt: at(1) }));
      assert.deepEqual(await store.findUserByName('alice'), first);
      assert.equal(await store.countUsers(), 1);
    });

    it('gives each user its own id', async () => {
      const store = await fresh();
      const ids = [(await user(store, 'a')).id, (await user(store, 'b')).id, (await user(store, 'c')).id];
      assert.equal(new Set(ids).size, 3);
    });

    it('lists users by name and counts them', async () => {
      const store = await fresh();
      assert.deepEqual(await store.listUsers(), []);
      assert.equal(await store.countUsers(), 0);
      for (const name of ['carol', 'alice', 'bob']) await user(store, name);
      assert.deepEqual((await store.listUsers()).map((u) => u.name), ['alice', 'bob', 'carol']);
      assert.equal(await store.countUsers(), 3);
    });
  });
};

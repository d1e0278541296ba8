import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContractPart } from './harness.js';
import { at, user } from './seed.js';

/** Each user's JupyterLab settings and layouts: text kept byte for byte, replaced on each put. */
export const labStateContract: ContractPart = ({ fresh }) => {
  describe('lab state', () => {
    it("keeps each user's settings per plugin, replaced by a later put", async () => {
      const store = await fresh();
      const alice = await user(store, 'alice');
      const bob = await user(store, 'bob');
      assert.deepEqual(await store.labSettings(alice.id), new Map());
      // Raw JSON5, comments and all: the settings editor's text comes back as it was written.
      const raw = '{\n  // dark, please\n  "theme": "JupyterLab Dark",\n}';
      await store.putLabSettings(alice.id, '@jupyterlab/apputils-extension:themes', raw, at(1));
      await store.putLabSettings(alice.id, '@jupyterlab/notebook-extension:tracker', '{}', at(1));
      await store.putLabSettings(bob.id, '@jupyterlab/apputils-extension:themes', '{"theme": "Light"}', at(1));
      await store.putLabSettings(alice.id, '@jupyterlab/notebook-extension:tracker', '{"a": 1}', at(2));
      assert.deepEqual(await store.labSettings(alice.id), new Map([
        ['@jupyterlab/apputils-extension:themes', raw],
        ['@jupyterlab/notebook-extension:tracker', '{"a": 1}'],
      ]));
      assert.deepEqual(await store.labSettings(bob.id), new Map([['@jupyterlab/apputils-extension:themes', '{"theme": "Light"}']]));
    });

    it("keeps each user's layouts per id, replaced by a later put", async () => {
      const store = await fresh();
      const alice = await user(store, 'alice');
      const bob = await user(store, 'bob');
      assert.equal(await store.labWorkspace(alice.id, 'default'), undefined);
      await store.putLabWorkspace(alice.id, 'default', '{"data":{},"metadata":{"id":"default"}}', at(1));
      await store.putLabWorkspace(alice.id, 'default', '{"data":{"x":1},"metadata":{"id":"default"}}', at(2));
      await store.putLabWorkspace(alice.id, 'other', '{"data":{},"metadata":{"id":"other"}}', at(2));
      assert.equal(await store.labWorkspace(alice.id, 'default'), '{"data":{"x":1},"metadata":{"id":"default"}}');
      assert.equal(await store.labWorkspace(alice.id, 'other'), '{"data":{},"metadata":{"id":"other"}}');
      assert.equal(await store.labWorkspace(bob.id, 'default'), undefined);
    });
  });
};

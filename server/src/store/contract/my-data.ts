import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReadsSummary } from '../../schemas/api.js';
import type { LatestFilter, Store, UserRecord, WorkspaceRecord } from '../store.js';
import type { ContractPart } from './harness.js';
import { at, owned, version, workspace } from './seed.js';

const READS: ReadsSummary = { kind: 'reads', format: 'fastq', readCount: 3, totalBases: 25, minLength: 5, maxLength: 10, meanLength: 25 / 3 };

async function latest(store: Store, wsids: number[], filter: Partial<LatestFilter> = {}): Promise<string[]> {
  return (await store.listLatestIn(wsids, { limit: 100, ...filter })).map((v) => `${v.wsid}:${v.name}@${v.ver}`);
}

async function two(store: Store): Promise<{ owner: UserRecord; ws: WorkspaceRecord; other: WorkspaceRecord }> {
  const { owner, ws } = await owned(store);
  return { owner, ws, other: await workspace(store, owner, 'other') };
}

/** What "My data" needs of a store: summaries kept with versions, hiding objects, and the latest versions across workspaces. */
export const myDataContract: ContractPart = ({ fresh, reopen }) => {
  describe('version summaries', () => {
    it('keeps a summary with its version, and null where none was given', async () => {
      let store = await fresh();
      const { owner, ws } = await owned(store);
      await store.insertVersion(version(ws, owner, 'reads', { summary: READS }));
      await store.insertVersion(version(ws, owner, 'reads'));
      await store.insertVersion(version(ws, owner, 'plain', { summary: null }));
      store = await reopen(store);
      assert.deepEqual((await store.history({ wsid: ws.id, objid: 1 })).map((v) => v.summary), [READS, null]);
      assert.equal((await store.getVersion({ wsid: ws.id, objid: 2, ver: 1 }))?.summary, null);
      assert.deepEqual((await store.listObjects(ws.id, { limit: 10, offset: 0 })).items.map((v) => v.summary), [null, null]);
    });
  });

  describe('hiding objects', () => {
    it('hides an object (every version) from listings that ask, shows it again, and says false for no such object', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      for (const name of ['a', 'b', 'a']) await store.insertVersion(version(ws, owner, name));
      assert.equal(await store.setHidden({ wsid: ws.id, objid: 1 }, { at: at(5), by: owner.id }), true);
      assert.equal(await store.setHidden({ wsid: ws.id, objid: 9 }, { at: at(5), by: owner.id }), false);
      const names = async (hidden?: boolean) => (await store.listObjects(ws.id, { limit: 10, offset: 0, ...(hidden === undefined ? {} : { hidden }) })).items.map((v) => `${v.name}${v.hidden ? '-hidden' : ''}`);
      assert.deepEqual(await names(), ['a-hidden', 'b']);
      assert.deepEqual(await names(false), ['b']);
      assert.deepEqual(await names(true), ['a-hidden']);
      assert.equal((await store.listObjects(ws.id, { limit: 10, offset: 0, hidden: false })).total, 1);
      // Its versions are still there, and say so.
      assert.deepEqual((await store.history({ wsid: ws.id, objid: 1 })).map((v) => [v.ver, v.hidden]), [[1, true], [2, true]]);
      assert.equal(await store.setHidden({ wsid: ws.id, objid: 1 }, null), true);
      assert.deepEqual(await names(true), []);
      assert.deepEqual(await names(false), ['a', 'b']);
    });

    it('shows a hidden object again when a new version is saved under its name', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      await store.insertVersion(version(ws, owner, 'a'));
      await store.setHidden({ wsid: ws.id, objid: 1 }, { at: at(5), by: owner.id });
      await store.insertVersion(version(ws, owner, 'a'));
      assert.deepEqual((await store.listObjects(ws.id, { limit: 10, offset: 0, hidden: false })).items.map((v) => [v.name, v.ver, v.hidden]), [['a', 2, false]]);
    });
  });

  describe('latest versions across workspaces', () => {
    it('lists the latest version of each object of the given workspaces only, newest workspace first, then by name', async () => {
      const store = await fresh();
      const { owner, ws, other } = await two(store);
      const third = await workspace(store, owner, 'third');
      for (const [w, name] of [[ws, 'b'], [ws, 'a'], [other, 'z'], [ws, 'b'], [third, 'not-asked']] as const) await store.insertVersion(version(w, owner, name));
      assert.deepEqual(await latest(store, [ws.id, other.id]), [`${other.id}:z@1`, `${ws.id}:a@1`, `${ws.id}:b@2`]);
      assert.deepEqual(await latest(store, []), []);
    });

    it('pages by keyset: after (workspace, name), at most limit', async () => {
      const store = await fresh();
      const { owner, ws, other } = await two(store);
      for (const [w, name] of [[ws, 'a'], [ws, 'b'], [other, 'a'], [other, 'c']] as const) await store.insertVersion(version(w, owner, name));
      const wsids = [ws.id, other.id];
      assert.deepEqual(await latest(store, wsids, { limit: 3 }), [`${other.id}:a@1`, `${other.id}:c@1`, `${ws.id}:a@1`]);
      assert.deepEqual(await latest(store, wsids, { after: { wsid: other.id, name: 'a' }, limit: 2 }), [`${other.id}:c@1`, `${ws.id}:a@1`]);
      assert.deepEqual(await latest(store, wsids, { after: { wsid: other.id, name: 'c' } }), [`${ws.id}:a@1`, `${ws.id}:b@1`]);
      assert.deepEqual(await latest(store, wsids, { after: { wsid: ws.id, name: 'b' } }), []);
    });

    it('filters by type (id or prefix), name fragment, hiding, and leaves out one type', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      await store.insertVersion(version(ws, owner, 'reads_1', { type: 'Demo.Reads-1.0' }));
      await store.insertVersion(version(ws, owner, 'asm', { type: 'Demo.Assembly-1.0' }));
      await store.insertVersion(version(ws, owner, 'notebook', { type: 'Demo.Notebook-1.0' }));
      await store.insertVersion(version(ws, owner, 'readsx', { type: 'Demo.Reads-2.0' }));
      await store.setHidden({ wsid: ws.id, objid: 4 }, { at: at(3), by: owner.id });
      const names = async (f: Partial<LatestFilter>) => (await store.listLatestIn([ws.id], { limit: 100, ...f })).map((v) => v.name);
      assert.deepEqual(await names({ type: 'Demo.Reads' }), ['reads_1', 'readsx']);
      assert.deepEqual(await names({ type: 'Demo.Reads-1.0' }), ['reads_1']);
      assert.deepEqual(await names({ nameContains: '_' }), ['reads_1']);
      assert.deepEqual(await names({ hidden: false }), ['asm', 'notebook', 'reads_1']);
      assert.deepEqual(await names({ hidden: true }), ['readsx']);
      assert.deepEqual(await names({ excludeType: 'Demo.Notebook-1.0' }), ['asm', 'reads_1', 'readsx']);
    });
  });
};

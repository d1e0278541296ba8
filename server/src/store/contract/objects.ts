import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ObjectFilter, Store, WorkspaceRecord, UserRecord } from '../store.js';
import type { ContractPart } from './harness.js';
import { at, hex, owned, provenance, version, workspace } from './seed.js';

const everything: ObjectFilter = { limit: 100, offset: 0 };

async function names(store: Store, ws: WorkspaceRecord, filter: Partial<ObjectFilter>): Promise<string[]> {
  return (await store.listObjects(ws.id, { ...everything, ...filter })).items.map((v) => v.name);
}

async function saveAll(store: Store, ws: WorkspaceRecord, by: UserRecord, list: [name: string, type: string, second: number][]): Promise<void> {
  for (const [name, type, second] of list) await store.insertVersion(version(ws, by, name, { type, savedAt: at(second) }));
}

/** Objects and their immutable versions: saved, read back whole, listed and filtered. */
export const objectsContract: ContractPart = ({ fresh }) => {
  describe('objects', () => {
    it('lists a full page of a thousand versions, each with its files', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      await store.recordBlob({ sha256: hex('f'), size: 1, uploadedBy: owner.id, at: at(0) });
      for (let i = 0; i < 1001; i++) await store.insertVersion(version(ws, owner, `o${String(i).padStart(4, '0')}`, { files: [{ name: `f${i}.txt`, sha256: hex('f'), size: 1 }] }));
      const page = await store.listObjects(ws.id, { limit: 1000, offset: 0 });
      assert.equal(page.items.length, 1000);
      for (const v of page.items) assert.deepEqual(v.files.map((f) => f.name), [`f${Number(v.name.slice(1))}.txt`], v.name);
    });

    it('saves a new name as object 1 version 1 and reads every field back', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      for (const name of ['b.txt', 'a.txt']) await store.recordBlob({ sha256: hex(name), size: 7, uploadedBy: owner.id, at: at(0) });
      const prov = { ...provenance(owner, 'upload'), description: 'from the sequencer', narrative: { id: 3, cell: 'c1' } };
      const saved = await store.insertVersion(version(ws, owner, 'reads', {
        data: { nested: { list: [1, 'two', null], flag: true } },
        size: 321,
        provenance: prov,
        copiedFrom: '9/8/7',
        files: [{ name: 'b.txt', sha256: hex('b.txt'), size: 7 }, { name: 'a.txt', sha256: hex('a.txt'), size: 7 }],
      }));
      assert.deepEqual(saved, { objid: 1, ver: 1 });
      assert.deepEqual(await store.getVersion({ wsid: ws.id, objid: 1, ver: 1 }), {
        wsid: ws.id, objid: 1, ver: 1, name: 'reads', type: 'Demo.Reads-1.0',
        data: { nested: { list: [1, 'two', null], flag: true } }, size: 321,
        savedBy: 'alice', savedAt: at(1), provenance: prov, copiedFrom: '9/8/7', latestVer: 1, summary: null, hidden: false,
        // Files come back by name.
        files: [{ name: 'a.txt', sha256: hex('a.txt'), size: 7 }, { name: 'b.txt', sha256: hex('b.txt'), size: 7 }],
      });
      const head = { wsid: ws.id, objid: 1, name: 'reads', latestVer: 1 };
      assert.deepEqual(await store.findObjectByName(ws.id, 'reads'), head);
      assert.deepEqual(await store.getObjectHead({ wsid: ws.id, objid: 1 }), head);
    });

    it('saves a known name as the next version of the same object; old versions stay as they were', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      await store.insertVersion(version(ws, owner, 'reads', { data: { v: 1 } }));
      assert.deepEqual(await store.insertVersion(version(ws, owner, 'reads', { data: { v: 2 }, type: 'Demo.Reads-2.0' })), { objid: 1, ver: 2 });
      const first = await store.getVersion({ wsid: ws.id, objid: 1, ver: 1 });
      assert.deepEqual([first?.data, first?.type, first?.latestVer], [{ v: 1 }, 'Demo.Reads-1.0', 2]);
      assert.equal((await store.getObjectHead({ wsid: ws.id, objid: 1 }))?.latestVer, 2);
      assert.deepEqual((await store.history({ wsid: ws.id, objid: 1 })).map((v) => [v.ver, v.data]), [[1, { v: 1 }], [2, { v: 2 }]]);
    });

    it('numbers objects from 1 in each workspace', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      const other = await workspace(store, owner, 'other');
      assert.deepEqual(await store.insertVersion(version(ws, owner, 'a')), { objid: 1, ver: 1 });
      assert.deepEqual(await store.insertVersion(version(ws, owner, 'b')), { objid: 2, ver: 1 });
      assert.deepEqual(await store.insertVersion(version(other, owner, 'a')), { objid: 1, ver: 1 });
      assert.equal((await store.getVersion({ wsid: other.id, objid: 1, ver: 1 }))?.wsid, other.id);
    });

    it('answers undefined or nothing for objects and versions that do not exist', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      await store.insertVersion(version(ws, owner, 'reads'));
      assert.equal(await store.findObjectByName(ws.id, 'nothing'), undefined);
      assert.equal(await store.getObjectHead({ wsid: ws.id, objid: 2 }), undefined);
      assert.equal(await store.getVersion({ wsid: ws.id, objid: 1, ver: 2 }), undefined);
      assert.equal(await store.getVersion({ wsid: ws.id + 1, objid: 1, ver: 1 }), undefined);
      assert.deepEqual(await store.history({ wsid: ws.id, objid: 2 }), []);
    });

    it('refuses a version whose file names a blob it does not know, and saves none of it', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      await assert.rejects(store.insertVersion(version(ws, owner, 'reads', { files: [{ name: 'x', sha256: hex('unknown'), size: 1 }] })));
      assert.equal(await store.findObjectByName(ws.id, 'reads'), undefined);
      assert.deepEqual((await store.listObjects(ws.id, everything)).total, 0);
    });
  });

  describe('object listing', () => {
    it("lists each object's latest version, by object id, with a total that ignores the page", async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      const other = await workspace(store, owner, 'other');
      await saveAll(store, ws, owner, [['c', 'Demo.Reads-1.0', 1], ['a', 'Demo.Reads-1.0', 2], ['b', 'Demo.Reads-1.0', 3], ['a', 'Demo.Reads-1.0', 4]]);
      await store.insertVersion(version(other, owner, 'elsewhere'));
      const all = await store.listObjects(ws.id, everything);
      assert.deepEqual(all.items.map((v) => [v.name, v.ver, v.latestVer]), [['c', 1, 1], ['a', 2, 2], ['b', 1, 1]]);
      assert.equal(all.total, 3);
      const page = await store.listObjects(ws.id, { limit: 1, offset: 1 });
      assert.deepEqual([page.items.map((v) => v.name), page.total], [['a'], 3]);
      assert.deepEqual(await store.listObjects(ws.id, { limit: 10, offset: 10 }), { items: [], total: 3 });
    });

    it('pages by keyset after an objid, with the files of each version listed and no count', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      await store.recordBlob({ sha256: hex('f'), size: 1, uploadedBy: owner.id, at: at(0) });
      const file = (name: string) => ({ files: [{ name, sha256: hex('f'), size: 1 }] });
      for (const name of ['a', 'b', 'c', 'd', 'e']) await store.insertVersion(version(ws, owner, name, file(`${name}1`)));
      await store.insertVersion(version(ws, owner, 'c', file('c2')));
      await saveAll(store, ws, owner, [['x', 'Demo.Assembly-1.0', 1]]);
      const page = await store.listObjects(ws.id, { limit: 3, offset: 0, afterObjid: 1 });
      assert.deepEqual(page.items.map((v) => [v.name, v.ver, v.files.map((f) => f.name)]), [['b', 1, ['b1']], ['c', 2, ['c2']], ['d', 1, ['d1']]]);
      assert.equal(page.total, undefined);
      const typed = await store.listObjects(ws.id, { limit: 10, offset: 5, afterObjid: 4, type: 'Demo.Reads' });
      assert.deepEqual(typed.items.map((v) => v.name), ['e'], 'the offset is ignored, the filters kept');
      assert.deepEqual((await store.listObjects(ws.id, { limit: 10, offset: 0, afterObjid: 6 })).items, []);
    });

    it('filters by exact type (with a version) or by every version of a type (without)', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      await saveAll(store, ws, owner, [['r1', 'Demo.Reads-1.0', 1], ['r2', 'Demo.Reads-2.0', 1], ['as', 'Demo.Assembly-1.0', 1]]);
      assert.deepEqual(await names(store, ws, { type: 'Demo.Reads-2.0' }), ['r2']);
      assert.deepEqual(await names(store, ws, { type: 'Demo.Reads' }), ['r1', 'r2']);
      assert.deepEqual(await names(store, ws, { type: 'Demo.Nothing' }), []);
      assert.equal((await store.listObjects(ws.id, { ...everything, type: 'Demo.Reads' })).total, 2);
    });

    it('filters by a name fragment, where % and _ are plain characters', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      await saveAll(store, ws, owner, [['a_b', 'Demo.Reads-1.0', 1], ['axb', 'Demo.Reads-1.0', 1], ['100%', 'Demo.Reads-1.0', 1], ['1000', 'Demo.Reads-1.0', 1]]);
      assert.deepEqual(await names(store, ws, { nameContains: '_' }), ['a_b']);
      assert.deepEqual(await names(store, ws, { nameContains: '0%' }), ['100%']);
      assert.deepEqual(await names(store, ws, { nameContains: 'x' }), ['axb']);
    });

    it('filters by the save time of the latest version, both bounds exclusive', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      await saveAll(store, ws, owner, [['early', 'Demo.Reads-1.0', 10], ['middle', 'Demo.Reads-1.0', 20], ['late', 'Demo.Reads-1.0', 30], ['early', 'Demo.Reads-1.0', 40]]);
      assert.deepEqual(await names(store, ws, { after: at(20) }), ['early', 'late']);
      assert.deepEqual(await names(store, ws, { before: at(30) }), ['middle']);
      assert.deepEqual(await names(store, ws, { after: at(10), before: at(40) }), ['middle', 'late']);
    });
  });
};
